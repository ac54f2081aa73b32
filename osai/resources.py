"""What models cost to hold, train and run: arithmetic from published facts, and measurements.

Facts (parameter counts, GPU-hours, tokens, peak FLOP/s) live in ``data/resources.yaml`` with
their sources; the functions here do the arithmetic and measure this machine. The GPU check of
the course calls :func:`measure_throughput` with ``device="cuda"``.
"""

from __future__ import annotations

import math
import time
import warnings
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


def training_flops(n_parameters: int, n_tokens: float) -> float:
    """The usual estimate of training compute for a dense transformer: 6 · N · D FLOPs."""
    if n_parameters <= 0 or n_tokens <= 0:
        raise ValueError("n_parameters and n_tokens must be positive.")
    return 6.0 * n_parameters * n_tokens


def implied_flops_per_gpu(total_flops: float, gpu_hours: float) -> float:
    """Average FLOP/s each GPU sustained, if ``total_flops`` took ``gpu_hours``."""
    if gpu_hours <= 0:
        raise ValueError(f"gpu_hours must be positive, got {gpu_hours}.")
    return total_flops / (gpu_hours * 3600.0)


def utilisation(achieved_flops_per_s: float, peak_flops_per_s: float) -> float:
    """Achieved over peak: the model FLOPs utilisation (MFU) in [0, 1] for sane inputs."""
    if peak_flops_per_s <= 0:
        raise ValueError("peak_flops_per_s must be positive.")
    return achieved_flops_per_s / peak_flops_per_s


def bandwidth_bound_tokens_per_s(weight_bytes: float, bandwidth_bytes_per_s: float) -> float:
    """Upper bound on decoding speed at batch size 1: every token reads every weight once."""
    if weight_bytes <= 0 or bandwidth_bytes_per_s <= 0:
        raise ValueError("weight_bytes and bandwidth_bytes_per_s must be positive.")
    return bandwidth_bytes_per_s / weight_bytes


def _sync(device) -> None:
    import torch

    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def memory_bandwidth(device="cpu", size_mb: int = 256, repeats: int = 5) -> float:
    """Measured memory bandwidth in bytes/s: copy a ``size_mb`` array, count read + write.

    The best of ``repeats`` copies is returned (the least disturbed by other processes).
    """
    import torch

    if size_mb <= 0 or repeats <= 0:
        raise ValueError("size_mb and repeats must be positive.")
    n = size_mb * 1_000_000 // 4
    source = torch.ones(n, dtype=torch.float32, device=device)
    target = torch.empty_like(source)
    target.copy_(source)  # warm-up: page in both buffers
    _sync(device)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        target.copy_(source)
        _sync(device)
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
        return quantize_dynamic(copy.deepcopy(model).cpu(), spec, dtype=torch.qint8)


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

    The model is moved to ``device`` (and cast to ``dtype`` if given); one short warm-up
    generation runs first, then the best of ``repeats`` timed runs of ``n_tokens`` new tokens
    is returned. The end-of-text token is suppressed so every run generates exactly
    ``n_tokens`` tokens. ``tokenizer=None`` uses a fixed prompt of 16 token ids (for the
    random-weight stand-in of :func:`random_smollm2`).
    """
    import torch

    if n_tokens <= 0 or repeats <= 0:
        raise ValueError("n_tokens and repeats must be positive.")
    if device is not None:
        model = model.to(device)
    if dtype is not None:
        model = model.to(dtype)
    device = next(model.parameters()).device if device is None else torch.device(device)
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
            _sync(device)
            start = time.perf_counter()
            output = model.generate(**inputs, **settings)
            _sync(device)
            best = min(best, time.perf_counter() - start)
    generated = output.shape[1] - inputs["input_ids"].shape[1]
    return generated / best


# SmolLM2-135M's architecture (its published config.json; the GGUF metadata says the same).
SMOLLM2_ARCHITECTURE = dict(
    vocab_size=49152,
    hidden_size=576,
    intermediate_size=1536,
    num_hidden_layers=30,
    num_attention_heads=9,
    num_key_value_heads=3,
    max_position_embeddings=8192,
    rope_theta=100000.0,
    rms_norm_eps=1e-5,
    tie_word_embeddings=True,
)


def smollm2_config():
    """SmolLM2-135M's architecture as a ``LlamaConfig`` (values from its published config)."""
    from transformers import LlamaConfig

    return LlamaConfig(**SMOLLM2_ARCHITECTURE, bos_token_id=1, eos_token_id=2)


def random_smollm2(device="cpu", dtype=None, seed: int = 0):
    """A model with SmolLM2-135M's exact architecture and *random* weights.

    Decoding speed does not depend on the values of the weights, so this stand-in measures
    throughput on machines where the packaged GGUF is not installed (e.g. the course's GPU
    check): ``measure_throughput(random_smollm2("cuda", torch.bfloat16), None, "cuda")``.
    """
    import torch
    from transformers import LlamaForCausalLM

    torch.manual_seed(seed)
    model = LlamaForCausalLM(smollm2_config()).eval()
    if dtype is not None:
        model = model.to(dtype)
    return model.to(device)


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


def data_path(path: str | Path | None = None) -> Path:
    """Where ``resources.yaml`` is: see :func:`osai.data.find_data_file`."""
    from .data import find_data_file

    return find_data_file("resources.yaml", path)


def load_facts(path: str | Path | None = None) -> dict:
    """The published facts in ``data/resources.yaml``."""
    import yaml

    return yaml.safe_load(data_path(path).read_text(encoding="utf-8"))
