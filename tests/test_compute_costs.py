"""osai.compute_costs: the cost arithmetic of chapter 6 and its published facts."""

from __future__ import annotations

import pytest

from osai import compute_costs
from osai.published_configs import PUBLISHED_PARAMETER_COUNTS

LLAMA_2_70B = PUBLISHED_PARAMETER_COUNTS["llama-2-70b"]  # 68,976,648,192


def test_weight_memory_and_gpus():
    n = LLAMA_2_70B
    assert compute_costs.weight_memory_bytes(n, "bf16") == 2 * n
    assert compute_costs.weight_memory_bytes(n, "int4") == n / 2
    assert compute_costs.gpus_needed(n, "bf16", 80) == 2  # 137.95 GB
    assert compute_costs.gpus_needed(n, "fp32", 80) == 4  # 275.9 GB
    assert compute_costs.gpus_needed(PUBLISHED_PARAMETER_COUNTS["bloom-176b"], "bf16", 80) == 5
    assert compute_costs.gpus_needed(80 * 10**9 // 2, "bf16", 80) == 1  # exactly one GPU full


@pytest.mark.parametrize("dtype", ["fp64", "float32", ""])
def test_unknown_dtype(dtype):
    with pytest.raises(ValueError, match="bf16"):
        compute_costs.weight_memory_bytes(10, dtype)


@pytest.mark.parametrize("n", [0, -5, 1.5])
def test_bad_parameter_count(n):
    with pytest.raises(ValueError):
        compute_costs.weight_memory_bytes(n, "fp32")


def test_bandwidth_bound():
    assert compute_costs.bandwidth_bound_tokens_per_s(1e9, 10e9) == 10.0
    with pytest.raises(ValueError):
        compute_costs.bandwidth_bound_tokens_per_s(0, 1)


def test_published_facts_have_sources():
    facts = compute_costs.load_facts()
    for section in ("parameters", "training", "hardware"):
        for key, entry in facts[section].items():
            assert entry["source"].startswith("https://"), (section, key)
    assert facts["parameters"]["bloom-176b"]["count"] == PUBLISHED_PARAMETER_COUNTS["bloom-176b"]
    assert facts["training"]["llama-2-70b"]["gpu_hours"] == 1_720_320
