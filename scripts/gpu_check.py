"""Run the course's GPU code paths once on a CUDA machine and print what ran and how long it took.

Usage (on a machine with an NVIDIA GPU, from the repository root):
    PYTHONPATH=. python scripts/gpu_check.py [check ...]

The packaged weight files (about 190 MB) need not be there: the language-model checks build
models from SmolLM2's own configuration with random weights, which exercises exactly the same
code (LlamaForCausalLM, the same shapes and kernels) as the real weights would.
Each check runs on its own; a failing one is reported and the others still run.
"""

from __future__ import annotations

import sys
import time
import traceback

import torch

import osai

# SmolLM2-135M-Instruct's hyperparameters, as its GGUF metadata states them (llama.* keys).
SMOLLM2_CONFIG = dict(
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


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def smollm2_shaped_model(device):
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    return LlamaForCausalLM(LlamaConfig(**SMOLLM2_CONFIG)).to(device).eval()


def check_foundation(device) -> str:
    """Issue 2: osai.device() picks CUDA; the SmolLM2-shaped Llama runs forward and generate."""
    assert osai.device().type == "cuda", "osai.device() did not pick CUDA"
    model = smollm2_shaped_model(device)
    ids = torch.randint(0, SMOLLM2_CONFIG["vocab_size"], (1, 32), device=device)
    with torch.no_grad():
        model(ids)  # warm-up
        synchronize(device)
        start = time.perf_counter()
        out = model.generate(ids, max_new_tokens=64, do_sample=False, min_new_tokens=64)
        synchronize(device)
    seconds = time.perf_counter() - start
    new = out.shape[1] - ids.shape[1]
    params = sum(p.numel() for p in model.parameters())
    return f"{params / 1e6:.1f} M params, greedy generate {new} tokens in {seconds:.2f} s ({new / seconds:.0f} tok/s)"


CHECKS = {"foundation": check_foundation}


def main(names: list[str]) -> int:
    device = osai.device()
    print(
        f"device: {device}, {torch.cuda.get_device_name(0) if device.type == 'cuda' else 'no GPU'}"
    )
    print(f"torch {torch.__version__}")
    failures = 0
    results = []
    for name in names or list(CHECKS):
        start = time.perf_counter()
        try:
            if device.type == "cuda":
                torch.cuda.reset_peak_memory_stats()
            summary = CHECKS[name](device)
            status = "ok"
        except Exception as error:  # report and go on: one broken check must not hide the rest
            traceback.print_exc()
            summary, status = f"{type(error).__name__}: {error}"[:300], "FAILED"
            failures += 1
        seconds = time.perf_counter() - start
        peak = torch.cuda.max_memory_allocated() / 2**20 if device.type == "cuda" else 0
        results.append((name, status, seconds, peak, summary))
    print("\ncheck | status | wall s | peak GPU MB | result")
    for name, status, seconds, peak, summary in results:
        print(f"{name} | {status} | {seconds:.1f} | {peak:.0f} | {summary}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
