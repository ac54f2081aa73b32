"""Measurements on this machine: memory bandwidth, weight bytes in memory, decoding speed and
the peak memory of a call, and the housekeeping that keeps memory figures honest
(:func:`release_memory`). The arithmetic they are compared with is in :mod:`osai.compute_costs`.
The course's GPU check calls :func:`measure_throughput` with ``device="cuda"``.
"""

from __future__ import annotations

import time

from . import env


def synchronize(device) -> None:
    """Wait until a CUDA device has finished its queued work (a no-op elsewhere), before a timer
    reads the clock: CUDA calls return before the GPU is done."""
    import torch

    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def memory_bandwidth(device=None, size_mb: int = 256, repeats: int = 5) -> float:
    """Measured memory bandwidth in bytes/s of ``device`` (None: ``osai.device()``): copy a
    ``size_mb`` array, count read + write.

    The best of ``repeats`` copies is returned (the least disturbed by other processes).
    """
    import torch

    if size_mb <= 0 or repeats <= 0:
        raise ValueError("size_mb and repeats must be positive.")
    device = env.device(device)
    n = size_mb * 1_000_000 // 4
    source = torch.ones(n, dtype=torch.float32, device=device)
    target = torch.empty_like(source)
    target.copy_(source)  # warm-up: page in both buffers
    synchronize(device)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        target.copy_(source)
        synchronize(device)
        best = min(best, time.perf_counter() - start)
    return 2 * source.numel() * source.element_size() / best


def model_weight_bytes(model) -> int:
    """Bytes of the model's parameters and buffers as they sit in memory now.

    Dynamically quantized linear layers keep their int8 weights in packed params that
    ``model.parameters()`` does not list; those are counted from the packed tensors.
    """
    total = sum(p.numel() * p.element_size() for p in model.parameters())
    total += sum(b.numel() * b.element_size() for b in model.buffers())
    for module in model.modules():
        packed = getattr(module, "_packed_params", None)
        if packed is not None and hasattr(module, "weight") and callable(module.weight):
            weight = module.weight()
            total += weight.numel() * weight.element_size()
    return int(total)


DEFAULT_PROMPT = "Explain in one paragraph why the sky is blue."


def measure_throughput(
    model,
    tokenizer,
    device=None,
    dtype=None,
    n_tokens: int = 32,
    prompt: str = DEFAULT_PROMPT,
    repeats: int = 1,
) -> float:
    """Greedy decoding speed in generated tokens per second (batch size 1).

    The model is moved to ``device`` (None: it stays where it is) and cast to ``dtype`` if
    given; one short warm-up generation runs first, then the best of ``repeats`` timed runs of
    ``n_tokens`` new tokens is returned. The end-of-text token is suppressed so every run generates exactly
    ``n_tokens`` tokens. ``tokenizer=None`` uses a fixed prompt of 16 token ids (for the
    random-weight stand-in of :func:`osai.models.random_smollm2`).
    """
    import torch

    if n_tokens <= 0 or repeats <= 0:
        raise ValueError("n_tokens and repeats must be positive.")
    if device is not None:
        model = model.to(env.device(device))
    if dtype is not None:
        model = model.to(dtype)
    device = next(model.parameters()).device
    if tokenizer is None:  # a fixed prompt of 16 token ids, for models without a tokenizer
        ids = torch.arange(1, 17, device=device).unsqueeze(0)
        inputs = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
        eos = getattr(model.config, "eos_token_id", None) or 0
    else:
        inputs = tokenizer(prompt, return_tensors="pt").to(device)
        eos = tokenizer.eos_token_id
    settings = dict(
        do_sample=False,
        pad_token_id=eos,
        min_new_tokens=n_tokens,
        max_new_tokens=n_tokens,
    )
    with torch.no_grad():
        model.generate(**inputs, **{**settings, "min_new_tokens": 2, "max_new_tokens": 2})
        best = float("inf")
        for _ in range(repeats):
            synchronize(device)
            start = time.perf_counter()
            output = model.generate(**inputs, **settings)
            synchronize(device)
            best = min(best, time.perf_counter() - start)
    generated = output.shape[1] - inputs["input_ids"].shape[1]
    return generated / best


def decode_rate(model, prompt_ids, n_tokens: int = 32, repeats: int = 1) -> float:
    """Decoding speed alone, in tokens per second at batch size 1: greedy steps after the first
    new token, timed token by token, so the prompt's forward pass (prefill) is left out.

    ``prompt_ids`` is a ``(1, length)`` tensor of token ids. Exactly ``n_tokens`` tokens are
    generated (the end of text suppressed); the rate is ``(n_tokens - 1)`` divided by the time from
    the first new token to the last. One short warm-up generation runs first; the best of
    ``repeats`` runs is returned. :func:`osai.llamacpp.decode_rate` measures llama.cpp the same way.
    """
    import torch
    from transformers.generation.streamers import BaseStreamer

    if n_tokens < 2 or repeats <= 0:
        raise ValueError("n_tokens must be at least 2 and repeats positive.")

    class Clock(BaseStreamer):
        """generate() hands a streamer the prompt first, then each new token: note the time."""

        def __init__(self):
            self.times: list[float] = []

        def put(self, value):
            synchronize(device)
            self.times.append(time.perf_counter())

        def end(self):
            pass

    device = next(model.parameters()).device
    prompt_ids = prompt_ids.to(device)
    eos = getattr(model.config, "eos_token_id", None) or 0
    settings = dict(
        attention_mask=torch.ones_like(prompt_ids),
        do_sample=False,
        pad_token_id=eos if isinstance(eos, int) else eos[0],
        min_new_tokens=n_tokens,
        max_new_tokens=n_tokens,
    )
    best = 0.0
    with torch.no_grad():
        model.generate(prompt_ids, **{**settings, "min_new_tokens": 2, "max_new_tokens": 2})
        for _ in range(repeats):
            clock = Clock()
            model.generate(prompt_ids, streamer=clock, **settings)
            first, last = clock.times[1], clock.times[-1]  # times[0]: the prompt, before prefill
            best = max(best, (len(clock.times) - 2) / (last - first))
    return best


def peak_memory_of(function, *args, interval: float = 0.01, **kwargs):
    """Run ``function(*args, **kwargs)``; return (result, peak RSS growth in bytes) on the CPU.

    The resident set size of this process is sampled every ``interval`` seconds in a thread;
    the peak minus the starting RSS is how much memory the call needed at most.
    """
    import threading

    import psutil

    process = psutil.Process()
    start = process.memory_info().rss
    peak = start
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, process.memory_info().rss)
            done.wait(interval)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        result = function(*args, **kwargs)
    finally:
        done.set()
        thread.join()
    peak = max(peak, process.memory_info().rss)
    return result, peak - start


def release_memory() -> None:
    """Collect garbage and hand the memory it freed back to the operating system.

    On Linux, glibc's allocator keeps freed memory for reuse, so after a model is deleted the
    process's resident size stays near its high-water mark and the next model is stacked on top
    of it; ``malloc_trim(0)`` returns those pages. Elsewhere (macOS, Windows, a C library other
    than glibc) only the garbage collection happens.
    """
    import ctypes
    import gc
    import sys

    gc.collect()
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass  # not glibc (e.g. musl): nothing to trim
