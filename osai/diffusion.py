"""A class-conditional diffusion model small enough to train on a laptop CPU.

The model is the same kind of machine as Stable Diffusion's denoiser, shrunk: a diffusers
``UNet2DModel`` learns to predict the noise that a ``DDPMScheduler`` added to an image, given
the time step and a class label (the "prompt"). It trains on scikit-learn's bundled 8x8
handwritten digits, so nothing is downloaded. Classifier-free guidance is built in: during
training the label is sometimes replaced by an extra "no label" class, and at sampling time
the conditional and unconditional predictions are mixed.

Typical use::

    from osai.diffusion import train_ddpm, sample
    result = train_ddpm(device, epochs=30)
    images = sample(result.model, result.scheduler, labels=[0, 1, 2], device=device)
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import env

__all__ = [
    "DDPMResult",
    "DDPMTrainConfig",
    "load_digits_tensors",
    "make_digit_unet",
    "train_ddpm",
    "sample",
    "to_digit_scale",
    "tiny_clip_tokenizer",
]

NUM_CLASSES = 10
NULL_CLASS = NUM_CLASSES  # the extra "no label" class used for classifier-free guidance


@dataclass(frozen=True)
class DDPMTrainConfig:
    """The settings of :func:`train_ddpm`'s training loop (see there for each)."""

    epochs: int = 30
    batch_size: int = 64
    p_uncond: float = 0.1
    max_seconds: float | None = None


@dataclass
class DDPMResult:
    """What :func:`train_ddpm` returns: the trained model, its scheduler and the loss curve."""

    model: Any
    scheduler: Any
    losses: list[float] = field(default_factory=list)
    seconds: float = 0.0
    device: str = "cpu"


def _torch():
    import torch

    return torch


def load_digits_tensors():
    """scikit-learn's 1,797 8x8 digits as a float tensor in [-1, 1] of shape (N, 1, 8, 8) and labels."""
    torch = _torch()
    from .federated.digits_fedavg.task import load_digits_arrays  # the one digits loader

    x, y = load_digits_arrays()
    images = torch.from_numpy(x).reshape(-1, 1, 8, 8) * 2.0 - 1.0
    return images, torch.from_numpy(y)


def to_digit_scale(images) -> np.ndarray:
    """Map model images in [-1, 1], shape (N, 1, 8, 8), to scikit-learn's 0-16 scale, shape (N, 64)."""
    array = (
        images.detach().float().cpu().numpy() if hasattr(images, "detach") else np.asarray(images)
    )
    if array.ndim != 4 or array.shape[1:] != (1, 8, 8):
        raise ValueError(f"expected images of shape (N, 1, 8, 8), got {array.shape}")
    return ((np.clip(array, -1.0, 1.0) + 1.0) / 2.0 * 16.0).reshape(len(array), 64)


def make_digit_unet(
    channels: Sequence[int] = (32, 64), layers_per_block: int = 1, norm_groups: int = 8
):
    """A small class-conditional ``UNet2DModel`` for 8x8 single-channel images.

    It has one class embedding per digit plus one for "no label" (classifier-free guidance).
    """
    from diffusers import UNet2DModel

    channels = tuple(int(c) for c in channels)
    if not channels or any(c <= 0 or c % norm_groups for c in channels):
        raise ValueError(
            f"channels must be positive multiples of norm_groups={norm_groups}, got {channels}"
        )
    if 8 % (2 ** (len(channels) - 1)):
        raise ValueError(
            "an 8x8 image can be halved at most 3 times: use at most 4 levels of channels"
        )
    return UNet2DModel(
        sample_size=8,
        in_channels=1,
        out_channels=1,
        block_out_channels=channels,
        layers_per_block=layers_per_block,
        down_block_types=("DownBlock2D",) * len(channels),
        up_block_types=("UpBlock2D",) * len(channels),
        norm_num_groups=norm_groups,
        num_class_embeds=NUM_CLASSES + 1,
    )


def train_ddpm(
    device: Any = None,
    epochs: int = 30,
    batch_size: int = 64,
    num_train_timesteps: int = 100,
    lr: float = 2e-3,
    channels: Sequence[int] = (32, 64),
    p_uncond: float = 0.1,
    seed: int = 0,
    max_seconds: float | None = None,
    cpu_threads: int | None = None,
) -> DDPMResult:
    """Train a class-conditional DDPM on scikit-learn's 8x8 digits.

    Args:
        device: where to train (``torch.device`` or a string such as ``"cpu"``/``"cuda"``;
            None: ``osai.device()``).
        epochs: passes over the 1,797 digits.
        batch_size: images per optimisation step.
        num_train_timesteps: length of the noise schedule (100 is plenty for 8x8 images).
        lr: peak learning rate of AdamW (cosine decay to zero).
        channels: UNet widths per resolution level.
        p_uncond: probability of replacing a label with "no label" (for classifier-free guidance).
        seed: seeds the weights, batching and noise, so a run is repeatable on the same machine.
        max_seconds: stop early after this many seconds (None: run all epochs).
        cpu_threads: on a CPU, train with this many threads (restored afterwards). None:
            :func:`osai.env.training_threads`, the cores not busy with other work right now (both
            cores of an idle 2-core laptop, one when the other is busy). The thread count changes
            only the last digits of the losses.

    Returns:
        a :class:`DDPMResult` with the model (in eval mode), the scheduler and the loss per epoch.
    """
    torch = _torch()
    from diffusers import DDPMScheduler

    if epochs < 1 or batch_size < 1 or num_train_timesteps < 2:
        raise ValueError("epochs and batch_size must be >= 1 and num_train_timesteps >= 2")
    if not 0.0 <= p_uncond < 1.0:
        raise ValueError(f"p_uncond must be in [0, 1), got {p_uncond}")
    device = env.device(device)
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    images, labels = load_digits_tensors()
    model = make_digit_unet(channels).to(device)
    scheduler = DDPMScheduler(
        num_train_timesteps=num_train_timesteps, beta_schedule="squaredcos_cap_v2"
    )
    steps_per_epoch = (len(images) + batch_size - 1) // batch_size
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    lr_schedule = torch.optim.lr_scheduler.OneCycleLR(
        optimizer, max_lr=lr, total_steps=epochs * steps_per_epoch, pct_start=0.1
    )
    config = DDPMTrainConfig(
        epochs=epochs, batch_size=batch_size, p_uncond=p_uncond, max_seconds=max_seconds
    )
    threads_before = torch.get_num_threads()
    if device.type == "cpu":
        torch.set_num_threads(cpu_threads if cpu_threads is not None else env.training_threads())
    start = time.perf_counter()
    try:
        losses = _train_loop(
            model,
            scheduler,
            config,
            optimizer=optimizer,
            lr_schedule=lr_schedule,
            images=images,
            labels=labels,
            device=device,
            generator=generator,
            start=start,
        )
    finally:
        torch.set_num_threads(threads_before)
    model.eval()
    seconds = time.perf_counter() - start
    return DDPMResult(
        model=model, scheduler=scheduler, losses=losses, seconds=seconds, device=str(device)
    )


def _train_loop(
    model,
    scheduler,
    config: DDPMTrainConfig,
    *,
    optimizer,
    lr_schedule,
    images,
    labels,
    device,
    generator,
    start: float,
) -> list[float]:
    """Train ``model`` in place; return the mean loss of each epoch."""
    torch = _torch()
    batch_size, p_uncond = config.batch_size, config.p_uncond
    num_train_timesteps = scheduler.config.num_train_timesteps
    losses: list[float] = []
    model.train()
    for _ in range(config.epochs):
        order = torch.randperm(len(images), generator=generator)
        total, count = 0.0, 0
        for i in range(0, len(images), batch_size):
            idx = order[i : i + batch_size]
            x0, y = images[idx], labels[idx].clone()
            y[torch.rand(len(y), generator=generator) < p_uncond] = NULL_CLASS
            noise = torch.randn(x0.shape, generator=generator)
            t = torch.randint(0, num_train_timesteps, (len(x0),), generator=generator)
            noisy = scheduler.add_noise(x0, noise, t)
            pred = model(noisy.to(device), t.to(device), class_labels=y.to(device)).sample
            loss = torch.nn.functional.mse_loss(pred, noise.to(device))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            lr_schedule.step()
            total += loss.item() * len(x0)
            count += len(x0)
        losses.append(total / count)
        if config.max_seconds is not None and time.perf_counter() - start > config.max_seconds:
            break
    return losses


def sample(
    model: Any,
    scheduler: Any,
    labels: Sequence[int],
    device: Any = None,
    guidance_scale: float = 2.0,
    seed: int = 0,
    return_trajectory: bool = False,
):
    """Generate one 8x8 image per requested label by running the reverse diffusion process.

    Args:
        model: a trained model from :func:`train_ddpm` (or :func:`make_digit_unet`).
        scheduler: its ``DDPMScheduler``.
        labels: the digits to "prompt" for, each in 0-9.
        device: where to compute (None: where ``model`` is; the model is not moved).
        guidance_scale: classifier-free guidance; 1.0 means conditional prediction only.
        seed: seeds the starting noise and every sampling step.
        return_trajectory: also return the image after every step, shape (steps + 1, N, 1, 8, 8).

    Returns:
        images in [-1, 1] of shape (N, 1, 8, 8) on the CPU (and the trajectory if asked).
    """
    torch = _torch()

    labels = [int(label) for label in labels]
    if not labels:
        raise ValueError("labels is empty: ask for at least one digit")
    if any(not 0 <= label < NUM_CLASSES for label in labels):
        raise ValueError(f"labels must be digits 0-9, got {labels}")
    device = next(model.parameters()).device if device is None else env.device(device)
    generator = torch.Generator().manual_seed(seed)
    y = torch.tensor(labels, device=device)
    null = torch.full_like(y, NULL_CLASS)
    x = torch.randn((len(labels), 1, 8, 8), generator=generator)
    trajectory = [x.clone()]
    scheduler.set_timesteps(scheduler.config.num_train_timesteps)
    with torch.no_grad():
        for t in scheduler.timesteps:
            xd = x.to(device)
            tt = torch.full((len(labels),), int(t), device=device)
            eps = model(xd, tt, class_labels=y).sample
            if guidance_scale != 1.0:
                eps_null = model(xd, tt, class_labels=null).sample
                eps = eps_null + guidance_scale * (eps - eps_null)
            x = scheduler.step(eps.cpu(), t, x, generator=generator).prev_sample
            trajectory.append(x.clone())
    images = x.clamp(-1.0, 1.0)
    if return_trajectory:
        return images, torch.stack(trajectory).clamp(-1.0, 1.0)
    return images


TINY_CLIP_WORDS = ("a", "photo", "of", "cat", "dog", "an", "astronaut", "riding", "horse")


def tiny_clip_tokenizer(words: Sequence[str] = TINY_CLIP_WORDS, model_max_length: int = 77):
    """A ``CLIPTokenizer`` with a vocabulary small enough to build offline, for miniature pipelines.

    The vocabulary has CLIP's format: every lowercase letter, digit and ``.,!?'-`` on its own and
    word-final (``"a</w>"``), the byte-pair merges that build each of ``words`` as one token, and
    the two special tokens. Any other text still tokenizes, character by character.
    """
    import string

    from transformers import CLIPTokenizer

    chars = list(string.ascii_lowercase + string.digits + ".,!?'-")
    vocab_list = chars + [c + "</w>" for c in chars]
    merges: list[tuple[str, str]] = []
    for word in words:
        if not word or any(c not in chars for c in word):
            raise ValueError(
                f"word {word!r}: use lowercase letters, digits and .,!?'- only (CLIP lowercases text)"
            )
        parts = [*word[:-1], word[-1] + "</w>"]
        while len(parts) > 1:
            pair = (parts[0], parts[1])
            if pair not in merges:
                merges.append(pair)
                vocab_list.append(pair[0] + pair[1])
            parts = [pair[0] + pair[1], *parts[2:]]
    tokens = dict.fromkeys([*vocab_list, "<|startoftext|>", "<|endoftext|>"])
    vocab = {token: i for i, token in enumerate(tokens)}
    return CLIPTokenizer(vocab=vocab, merges=merges, model_max_length=model_max_length)
