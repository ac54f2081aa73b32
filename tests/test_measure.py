"""osai.measure: memory bandwidth, peak memory and generation throughput on this machine."""

from __future__ import annotations

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
