"""What models cost to hold and to train, and how fast they can decode: the arithmetic.

Each function is one formula that the chapter-6 lab first writes out inline and then calls
(weight memory = parameters x bytes per parameter; a decoding-speed bound = memory bandwidth /
weight bytes), with checks that reject impossible inputs. Training compute (6 x parameters x
tokens) and the utilisation it implies are written only in the lab, which is their one home. The
published facts they are applied to (parameter counts, GPU-hours, tokens, peak FLOP/s,
bandwidths) live in ``osai/facts/resources.yaml`` with their sources. What is measured on
this machine is in :mod:`osai.measure`.
"""

from __future__ import annotations

import math
from pathlib import Path

BYTES_PER_PARAMETER: dict[str, float] = {
    "fp32": 4.0,
    "bf16": 2.0,
    "fp16": 2.0,
    "int8": 1.0,
    "int4": 0.5,
}
GB = 1e9  # decimal gigabytes, as GPU memory is sold (an "80 GB" A100 holds 80e9 bytes)


def bytes_per_parameter(dtype: str) -> float:
    try:
        return BYTES_PER_PARAMETER[dtype]
    except KeyError:
        raise ValueError(
            f"Unknown dtype {dtype!r}: choose one of {', '.join(BYTES_PER_PARAMETER)}."
        ) from None


def weight_memory_bytes(n_parameters: int, dtype: str) -> float:
    """Bytes needed just to hold the weights (no activations, no KV cache, no optimizer)."""
    if not isinstance(n_parameters, int) or n_parameters <= 0:
        raise ValueError(f"n_parameters must be a positive int, got {n_parameters!r}.")
    return n_parameters * bytes_per_parameter(dtype)


def gpus_needed(n_parameters: int, dtype: str, gpu_memory_gb: float = 80.0) -> int:
    """How many GPUs of ``gpu_memory_gb`` it takes only to hold the weights (a lower bound)."""
    if gpu_memory_gb <= 0:
        raise ValueError(f"gpu_memory_gb must be positive, got {gpu_memory_gb}.")
    return math.ceil(weight_memory_bytes(n_parameters, dtype) / (gpu_memory_gb * GB))


def bandwidth_bound_tokens_per_s(weight_bytes: float, bandwidth_bytes_per_s: float) -> float:
    """Upper bound on decoding speed at batch size 1: every token reads every weight once."""
    if weight_bytes <= 0 or bandwidth_bytes_per_s <= 0:
        raise ValueError("weight_bytes and bandwidth_bytes_per_s must be positive.")
    return bandwidth_bytes_per_s / weight_bytes


def load_facts(path: str | Path | None = None) -> dict:
    """The published facts in ``osai/facts/resources.yaml``.

    An entry of ``parameters`` that names ``published_configs`` gets its ``count`` (the sum of
    theirs), and its ``name``, ``source`` and ``how`` unless it gives them, from
    ``osai/facts/published_configs.yaml``: each count is stored once, next to its configuration.
    """
    from .facts import load_yaml
    from .published_configs import FACT_FILE

    facts = load_yaml("resources.yaml", path)
    published = load_yaml(FACT_FILE)
    for key, entry in facts.get("parameters", {}).items():
        parts = entry.get("published_configs")
        if not parts:
            continue
        unknown = [part for part in parts if part not in published]
        if unknown:
            raise KeyError(
                f"parameters.{key} names unknown published configs {unknown}; "
                f"{FACT_FILE} has {', '.join(published)}."
            )
        entry["count"] = sum(published[part]["parameters"] for part in parts)
        if len(parts) == 1:
            for field in ("name", "source", "how"):
                entry.setdefault(field, published[parts[0]][field])
        else:
            entry.setdefault(
                "how",
                " + ".join(
                    f"{published[p]['name']} ({published[p]['parameters']:,})" for p in parts
                ),
            )
            entry.setdefault("source", " ".join(published[p]["source"] for p in parts))
    return facts
