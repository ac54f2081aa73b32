"""Tests for osai.diffusion on a tiny, fast configuration."""

import numpy as np
import pytest
import torch

pytest.importorskip("diffusers")

from osai.diffusion import (  # noqa: E402
    NULL_CLASS,
    load_digits_tensors,
    make_digit_unet,
    sample,
    tiny_clip_tokenizer,
    to_digit_scale,
    train_ddpm,
)


@pytest.fixture(scope="module")
def tiny():
    return train_ddpm(
        "cpu", epochs=1, batch_size=256, num_train_timesteps=10, channels=(8,), seed=0
    )


def test_digits_are_scaled_to_minus_one_one():
    images, labels = load_digits_tensors()
    assert images.shape == (1797, 1, 8, 8) and labels.shape == (1797,)
    assert float(images.min()) == -1.0 and float(images.max()) == 1.0
    assert set(labels.tolist()) == set(range(10))


def test_to_digit_scale_round_trips_sklearn_scale():
    images, _ = load_digits_tensors()
    from sklearn.datasets import load_digits

    np.testing.assert_allclose(to_digit_scale(images[:5]), load_digits().data[:5], atol=1e-5)
    with pytest.raises(ValueError, match=r"\(N, 1, 8, 8\)"):
        to_digit_scale(np.zeros((2, 64)))


def test_unet_has_a_no_label_class():
    model = make_digit_unet((8,))
    assert model.config.num_class_embeds == NULL_CLASS + 1 == 11
    with pytest.raises(ValueError, match="norm_groups"):
        make_digit_unet((12,))
    with pytest.raises(ValueError, match="at most 4 levels"):
        make_digit_unet((8, 8, 8, 8, 8))


def test_training_records_losses(tiny):
    assert len(tiny.losses) == 1 and np.isfinite(tiny.losses[0])
    assert not tiny.model.training
    assert tiny.device == "cpu"


def test_training_is_repeatable_and_restores_threads():
    threads = torch.get_num_threads()
    # a fixed thread count: the default follows the machine's load, which changes the last digits
    kwargs = dict(epochs=1, batch_size=512, num_train_timesteps=10, channels=(8,), seed=3)
    a = train_ddpm("cpu", cpu_threads=1, **kwargs)
    b = train_ddpm("cpu", cpu_threads=1, **kwargs)
    assert a.losses == b.losses
    assert torch.get_num_threads() == threads


def test_sample_shapes_range_and_seed(tiny):
    images, trajectory = sample(tiny.model, tiny.scheduler, [0, 7], seed=1, return_trajectory=True)
    assert images.shape == (2, 1, 8, 8)
    assert float(images.abs().max()) <= 1.0
    assert trajectory.shape == (11, 2, 1, 8, 8)
    again = sample(tiny.model, tiny.scheduler, [0, 7], seed=1)
    assert torch.equal(images, again)


def test_bad_arguments():
    with pytest.raises(ValueError, match="epochs"):
        train_ddpm("cpu", epochs=0)
    with pytest.raises(ValueError, match="p_uncond"):
        train_ddpm("cpu", epochs=1, p_uncond=1.5)
    model = make_digit_unet((8,))
    from diffusers import DDPMScheduler

    with pytest.raises(ValueError, match="digits 0-9"):
        sample(model, DDPMScheduler(num_train_timesteps=10), [10])
    with pytest.raises(ValueError, match="empty"):
        sample(model, DDPMScheduler(num_train_timesteps=10), [])


def test_tiny_clip_tokenizer_builds_whole_words_and_falls_back_to_characters():
    tokenizer = tiny_clip_tokenizer(["horse", "of"])
    tokens = tokenizer.convert_ids_to_tokens(tokenizer("a horse of zebras").input_ids)
    assert tokens[0] == "<|startoftext|>" and tokens[-1] == "<|endoftext|>"
    assert "horse</w>" in tokens and "of</w>" in tokens
    assert "zebras</w>" not in tokens and "s</w>" in tokens  # unknown words: characters
    assert tokenizer.model_max_length == 77
    with pytest.raises(ValueError, match="lowercase"):
        tiny_clip_tokenizer(["Horse"])


def test_the_training_loop_settings_are_one_frozen_config():
    import dataclasses

    from osai.diffusion import DDPMTrainConfig

    config = DDPMTrainConfig(epochs=2, batch_size=8)
    assert (config.epochs, config.batch_size, config.p_uncond, config.max_seconds) == (
        2,
        8,
        0.1,
        None,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.epochs = 3
