"""Dynamic int8 quantization of a model's linear layers (chapter 6: what 8-bit weights save and cost)."""

from __future__ import annotations

import warnings


def quantize_dynamic_int8(model, skip: tuple[str, ...] = (), per_channel: bool = False):
    """A copy of ``model`` with its ``nn.Linear`` layers dynamically quantized to int8 (CPU only).

    Weights are stored as 8-bit integers; activations are quantized on the fly, per tensor.
    ``skip`` keeps every Linear whose qualified name contains one of the given substrings in
    float (e.g. ``("down_proj", "lm_head")``: layers whose inputs carry large outliers);
    ``per_channel=True`` gives each output channel its own weight scale.

    PyTorch's eager-mode ``quantize_dynamic`` is deprecated in favour of torchao but still works;
    its deprecation warnings are silenced here so notebooks stay readable.
    """
    import copy

    import torch

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch.ao.quantization import (
            default_dynamic_qconfig,
            per_channel_dynamic_qconfig,
            quantize_dynamic,
        )

        qconfig = per_channel_dynamic_qconfig if per_channel else default_dynamic_qconfig
        spec = {
            name: qconfig
            for name, module in model.named_modules()
            if isinstance(module, torch.nn.Linear) and not any(part in name for part in skip)
        }
        if not spec:
            raise ValueError(f"No nn.Linear layer is left to quantize after skipping {skip}.")
        # One copy, quantized in place: quantize_dynamic's default (inplace=False) would copy the
        # copy, holding three float models in memory at once.
        return quantize_dynamic(copy.deepcopy(model).cpu(), spec, dtype=torch.qint8, inplace=True)
