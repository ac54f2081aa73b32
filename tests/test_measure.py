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


class SlowGenerator:
    """Stands in for ctranslate2.Generator: 2 ms per generated token, records its calls."""

    def __init__(self):
        self.calls = []

    def generate_batch(self, batch, max_length, min_length=0, **settings):
        from types import SimpleNamespace

        self.calls.append((max_length, min_length, settings))
        time.sleep(0.002 * max_length)
        return [SimpleNamespace(sequences_ids=[list(range(max_length))])]


def test_generator_throughput_times_the_new_tokens_greedily():
    generator = SlowGenerator()
    start = time.perf_counter()
    speed = measure.generator_throughput(generator, ["<s>", "Hello"], n_tokens=10, repeats=2)
    elapsed = time.perf_counter() - start
    assert 10 / elapsed <= speed <= 10 / 0.02  # the timed run took at least 10 x 2 ms
    warm_up, *timed = generator.calls
    assert warm_up[0] == 2 and len(timed) == 2
    for max_length, min_length, settings in timed:
        assert max_length == min_length == 10  # exactly n_tokens, the end of text suppressed
        assert settings == {"include_prompt_in_result": False, "sampling_topk": 1}
    with pytest.raises(ValueError, match="positive"):
        measure.generator_throughput(generator, ["<s>"], n_tokens=0)
    with pytest.raises(ValueError, match="convert_ids_to_tokens"):
        measure.generator_throughput(generator, [1, 2, 3])


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
