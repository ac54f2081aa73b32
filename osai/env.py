"""The runtime environment of a notebook: offline variables, seeds and the compute device.

`offline()` must run before transformers, diffusers, ultralytics or flwr are imported: those
libraries read their environment variables once, at import time.
"""

from __future__ import annotations

import os
import random

# Variables every notebook sets (CONTRIBUTING.md, "Offline rules"). Each one stops a library from
# reaching the network on its own: a hub download, a telemetry ping, an update check, or an
# automatic `pip install`.
OFFLINE_VARIABLES: dict[str, str] = {
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "YOLO_OFFLINE": "1",
    "YOLO_AUTOINSTALL": "0",
    "YOLO_VERBOSE": "False",
    "FLWR_TELEMETRY_ENABLED": "0",
    "FLWR_DISABLE_UPDATE_CHECK": "1",
    "DO_NOT_TRACK": "1",
}
# The hub itself: on in CI and on laptops, off on Colab only when a learner wants the
# optional online cells.
HUB_OFFLINE_VARIABLES: dict[str, str] = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}

_DEVICE_ORDER = ("cuda", "mps", "cpu")


def offline(allow_hub: bool = False) -> dict[str, str]:
    """Set the offline and no-telemetry variables; return what was set.

    With ``allow_hub=True`` the Hugging Face hub stays reachable (for the optional, skipped
    cells that download larger models on Colab); everything else stays off.
    """
    wanted = dict(OFFLINE_VARIABLES)
    if not allow_hub:
        wanted.update(HUB_OFFLINE_VARIABLES)
    os.environ.update(wanted)
    return wanted


def seed(value: int = 0) -> int:
    """Seed Python, NumPy and (if installed) torch, so printed results repeat exactly."""
    random.seed(value)
    try:
        import numpy as np

        np.random.seed(value)
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    try:
        import torch

        torch.manual_seed(value)
    except ImportError:
        pass
    return value


def _available(kind: str) -> bool:
    import torch

    if kind == "cuda":
        return torch.cuda.is_available()
    if kind == "mps":
        backend = getattr(torch.backends, "mps", None)
        return bool(backend and backend.is_available())
    return kind == "cpu"


def device(prefer: str | None = None):
    """The torch device the course computes on: CUDA, then Apple MPS, then the CPU.

    ``device("cuda")`` (or ``"mps"``/``"cpu"``) asks for one kind and raises a clear error when
    this machine does not have it, instead of silently falling back.
    """
    import torch

    if prefer is None:
        prefer = os.environ.get("OSAI_DEVICE") or None
    if prefer is None:
        for kind in _DEVICE_ORDER:
            if _available(kind):
                return torch.device(kind)
    kind = str(prefer).split(":")[0].lower()
    if kind not in _DEVICE_ORDER:
        raise ValueError(
            f"Unknown device {prefer!r}: choose one of {', '.join(_DEVICE_ORDER)}, "
            "or call osai.device() to pick the best one available."
        )
    if not _available(kind):
        hint = {
            "cuda": "No CUDA GPU is visible to PyTorch here. On Colab choose Runtime > Change "
            "runtime type > T4 GPU; on a laptop call osai.device() to use the CPU.",
            "mps": "Apple's MPS backend is only on Apple-silicon Macs with a recent PyTorch; "
            "call osai.device() to use the CPU.",
        }[kind]
        raise RuntimeError(f"device({prefer!r}) was requested, but {hint}")
    return torch.device(prefer)
