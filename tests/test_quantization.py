"""osai.quantization: dynamic int8 quantization of nn.Linear layers."""

from __future__ import annotations

import pytest
import torch

from osai import measure, quantization


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
