"""osai.compute_costs, osai.measure, osai.quantization: the cost arithmetic and measurements on this machine."""

from __future__ import annotations

import pytest
import torch

from osai import compute_costs, measure, models, quantization


def test_weight_memory_and_gpus():
    n = 68_976_648_192  # Llama 2 70B
    assert compute_costs.weight_memory_bytes(n, "bf16") == 2 * n
    assert compute_costs.weight_memory_bytes(n, "int4") == n / 2
    assert compute_costs.gpus_needed(n, "bf16", 80) == 2  # 137.95 GB
    assert compute_costs.gpus_needed(n, "fp32", 80) == 4  # 275.9 GB
    assert compute_costs.gpus_needed(176_247_271_424, "bf16", 80) == 5


@pytest.mark.parametrize("dtype", ["fp64", "float32", ""])
def test_unknown_dtype(dtype):
    with pytest.raises(ValueError, match="bf16"):
        compute_costs.weight_memory_bytes(10, dtype)


@pytest.mark.parametrize("n", [0, -5, 1.5])
def test_bad_parameter_count(n):
    with pytest.raises(ValueError):
        compute_costs.weight_memory_bytes(n, "fp32")


def test_training_compute_and_utilisation():
    flops = compute_costs.training_flops(68_976_648_192, 2e12)
    assert flops == pytest.approx(8.277e23, rel=1e-3)
    per_gpu = compute_costs.implied_flops_per_gpu(flops, 1_720_320)
    assert per_gpu == pytest.approx(1.3365e14, rel=1e-3)
    assert compute_costs.utilisation(per_gpu, 312e12) == pytest.approx(0.428, abs=1e-3)
    with pytest.raises(ValueError):
        compute_costs.implied_flops_per_gpu(flops, 0)
    with pytest.raises(ValueError):
        compute_costs.training_flops(0, 1)


def test_bandwidth_bound():
    assert compute_costs.bandwidth_bound_tokens_per_s(1e9, 10e9) == 10.0
    with pytest.raises(ValueError):
        compute_costs.bandwidth_bound_tokens_per_s(0, 1)


def test_memory_bandwidth_is_plausible():
    bandwidth = measure.memory_bandwidth("cpu", size_mb=16, repeats=2)
    assert 1e8 < bandwidth < 1e13


def test_quantized_model_is_smaller_and_counted():
    model = torch.nn.Sequential(torch.nn.Linear(256, 256), torch.nn.ReLU(), torch.nn.Linear(256, 4))
    quantized = quantization.quantize_dynamic_int8(model)
    assert measure.model_weight_bytes(quantized) < measure.model_weight_bytes(model) / 2
    x = torch.randn(3, 256)
    assert torch.allclose(quantized(x), model(x), atol=0.1)


def test_quantize_skip_and_per_channel():
    model = torch.nn.Sequential(torch.nn.Linear(8, 8), torch.nn.Linear(8, 2))
    quantized = quantization.quantize_dynamic_int8(model, skip=("1",), per_channel=True)
    assert type(quantized[1]) is torch.nn.Linear
    assert "quantized.dynamic" in type(quantized[0]).__module__
    assert type(model[0]) is torch.nn.Linear, "the original model is left unchanged"
    with pytest.raises(ValueError, match="No nn.Linear"):
        quantization.quantize_dynamic_int8(model, skip=("",))


def test_peak_memory_of_sees_an_allocation():
    result, grown = measure.peak_memory_of(lambda: torch.ones(25_000_000).sum().item())
    assert result == 25_000_000
    assert grown >= 0


class TinyTokenizer:
    eos_token_id = 0

    def __call__(self, text, return_tensors="pt"):
        from transformers import BatchEncoding

        ids = torch.tensor([[1, 2, 3]])
        return BatchEncoding({"input_ids": ids, "attention_mask": torch.ones_like(ids)})


def test_measure_throughput_on_a_tiny_llama():
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=50,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
    )
    model = LlamaForCausalLM(config).eval()
    speed = measure.measure_throughput(model, TinyTokenizer(), device="cpu", n_tokens=5)
    assert speed > 0
    with pytest.raises(ValueError):
        measure.measure_throughput(model, TinyTokenizer(), n_tokens=0)


def test_published_facts_have_sources():
    facts = compute_costs.load_facts()
    for section in ("parameters", "training", "hardware"):
        for key, entry in facts[section].items():
            assert entry["source"].startswith("https://"), (section, key)
    assert facts["parameters"]["bloom-176b"]["count"] == 176_247_271_424
    assert facts["training"]["llama-2-70b"]["gpu_hours"] == 1_720_320


def test_random_smollm2_has_the_real_parameter_count():
    model = models.random_smollm2("cpu", torch.bfloat16)
    assert sum(p.numel() for p in model.parameters()) == 134_515_008
    assert model.dtype == torch.bfloat16
    assert measure.measure_throughput(model, None, "cpu", n_tokens=3) > 0
