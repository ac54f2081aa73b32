"""Run the course's GPU code paths once on a CUDA machine and print what ran and how long it took.

Usage (on a machine with an NVIDIA GPU and the course installed, from the repository root):
    python scripts/gpu_check.py [check ...]

The packaged weight files (about 190 MB) need not be there: the language-model checks build
models from SmolLM2's own configuration with random weights, which exercises exactly the same
code (LlamaForCausalLM, the same shapes and kernels) as the real weights would.
Each check runs on its own; a failing one is reported and the others still run. (Chapter 7's
federated classifier is NumPy on the CPU by design, so it has no GPU path to check.)
"""

from __future__ import annotations

import sys
import time
import traceback
from pathlib import Path

import torch

import osai
from osai.measure import synchronize

# Run as a file (python scripts/gpu_check.py), the repository root is not on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def smollm2_shaped_model(device):
    from osai.models import random_smollm2

    return random_smollm2(device).eval()


def check_foundation(device) -> str:
    """Chapter 0's set-up: osai.device() picks CUDA; a SmolLM2-shaped Llama runs and generates."""
    assert osai.device().type == "cuda", "osai.device() did not pick CUDA"
    model = smollm2_shaped_model(device)
    ids = torch.randint(0, model.config.vocab_size, (1, 32), device=device)
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


def check_lora(device) -> str:
    """Chapter 1's LoRA fine-tuning step on a SmolLM2-shaped model."""
    from osai.finetune import lora_finetune
    from scripts.stand_ins import FINETUNE_EXAMPLES, finetune_tokenizer

    model = smollm2_shaped_model(device).train()
    synchronize(device)
    start = time.perf_counter()
    result = lora_finetune(model, finetune_tokenizer(), FINETUNE_EXAMPLES, device=device, steps=30)
    synchronize(device)
    seconds = time.perf_counter() - start
    _, losses = result
    return f"30 LoRA steps in {seconds:.2f} s, loss {losses[0]:.3f} -> {losses[-1]:.3f}"


def check_app(device) -> str:
    """Chapter 4's app (index the book pages, retrieve, answer) with same-shape models."""
    from scripts.stand_ins import time_app

    timings = time_app(device)
    return ", ".join(f"{key}={value:.3g}" for key, value in timings.items())


def check_yolo(device) -> str:
    """Chapter 5's YOLOv8n trained from its configuration on the shapes dataset."""
    from osai.yolo import train_shapes

    result = train_shapes(device="cuda", epochs=20, imgsz=128, val=False)
    map50 = result.metrics.get("mAP50", result.metrics)
    return f"20 epochs in {result.seconds:.1f} s, mAP50 {map50}"


CHECKS = {
    "foundation": check_foundation,
    "lora": check_lora,
    "app": check_app,
    "yolo": check_yolo,
}


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
