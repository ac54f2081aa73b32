"""osai.measure: memory bandwidth, peak memory and generation throughput on this machine."""

from __future__ import annotations

import sys
import time

import pytest
import torch

from osai import measure


def test_memory_bandwidth_is_plausible():
    bandwidth = measure.memory_bandwidth("cpu", size_mb=16, repeats=2)
    assert 1e8 < bandwidth < 1e13


def test_peak_memory_of_sees_an_allocation():
    def hold_100_mb() -> float:
        block = torch.ones(25_000_000)  # 100 MB of float32, every page written
        time.sleep(0.1)  # held for ten sampling intervals
        return block.sum().item()

    # Heap pages that earlier tests freed but the allocator kept would be reused without growing
    # the process: hand them back first.
    measure.release_memory()
    result, grown = measure.peak_memory_of(hold_100_mb)
    assert result == 25_000_000
    assert 95 * 10**6 <= grown < 400 * 10**6, f"{grown / 1e6:.0f} MB seen for a 100 MB allocation"


class TinyTokenizer:
    eos_token_id = 0

    def __call__(self, text, return_tensors="pt"):
        from transformers import BatchEncoding

        ids = torch.tensor([[1, 2, 3]])
        return BatchEncoding({"input_ids": ids, "attention_mask": torch.ones_like(ids)})


def test_measure_throughput_on_a_tiny_llama(tiny_llama):
    model = tiny_llama().eval()
    start = time.perf_counter()
    speed = measure.measure_throughput(model, TinyTokenizer(), device="cpu", n_tokens=5)
    elapsed = time.perf_counter() - start
    # The timed generation is part of the call, so it cannot be slower than the whole call; and no
    # generation step takes under a microsecond.
    assert 5 / elapsed <= speed < 1e6
    with pytest.raises(ValueError):
        measure.measure_throughput(model, TinyTokenizer(), n_tokens=0)


def test_decode_rate_times_the_steps_after_the_first_token_and_not_the_prefill(tiny_llama):
    model = tiny_llama().eval()
    prompt = torch.tensor([[1, 2, 3, 4, 5]])

    def slow(module, args, kwargs):
        """A prefill of 0.3 s, then 5 ms for every one-token step."""
        length = kwargs["input_ids"].shape[1] if "input_ids" in kwargs else args[0].shape[1]
        time.sleep(0.3 if length > 1 else 0.005)

    handle = model.register_forward_pre_hook(slow, with_kwargs=True)
    try:
        rate = measure.decode_rate(model, prompt, n_tokens=8, repeats=2)
    finally:
        handle.remove()
    # 7 steps of at least 5 ms: at most 200 tokens/s. Had the 0.3 s prefill been timed, the rate
    # would be under 7 / 0.3 = 23 tokens/s.
    assert 50 < rate <= 200
    with pytest.raises(ValueError, match="at least 2"):
        measure.decode_rate(model, prompt, n_tokens=1)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's (Linux)")
def test_release_memory_returns_freed_heap_pages_to_the_os():
    import numpy as np
    import psutil

    process = psutil.Process()
    # 3,000 blocks of 64 KB come from the heap (below glibc's mmap threshold); keeping every
    # 16th alive pins the heap, so freeing the rest leaves ~180 MB that glibc does not return.
    blocks = [np.ones(8192) for _ in range(3000)]
    kept = blocks[::16]
    del blocks
    before = process.memory_info().rss
    measure.release_memory()
    released = before - process.memory_info().rss
    assert released > 100 * 2**20, f"only {released / 2**20:.0f} MB returned"
    assert all(float(block[0]) == 1.0 for block in kept)  # the live blocks are untouched
