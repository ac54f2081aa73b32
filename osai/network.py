"""The optional online cells: is the network there, and the hub let through for one cell.

Every notebook runs offline (``osai.offline()`` sets ``HF_HUB_OFFLINE=1``). A few optional cells
download a model too large for a wheel; they run wherever a learner has a network, on Colab or
on their own machine::

    if osai.online():                       # the Hub answers (and, with gpu=True, a GPU is here)
        with osai.hub_access():             # HF_HUB_OFFLINE lifted inside only
            model = AutoModelForCausalLM.from_pretrained("org/model")
    else:
        print("Skipped: needs a network connection to the Hugging Face Hub.")

The Hub is ``$HF_ENDPOINT`` where that is set (as huggingface_hub reads it), so a mirror, or a
test's server on 127.0.0.1, stands in for it.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from .env import HUB_OFFLINE_VARIABLES

DEFAULT_HUB = "https://huggingface.co"
# Ultralytics' release assets (the COCO-trained YOLO weights); $OSAI_ULTRALYTICS_ASSETS points
# elsewhere (a mirror, or a test's server on 127.0.0.1).
DEFAULT_ULTRALYTICS_ASSETS = "https://github.com/ultralytics/assets/releases/download/v8.4.0"


def hub_endpoint() -> str:
    """The Hugging Face Hub's address: ``$HF_ENDPOINT``, else https://huggingface.co."""
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_HUB).rstrip("/")


def ultralytics_asset(filename: str) -> str:
    """The download address of one of Ultralytics' release assets, e.g. ``"yolov8n.pt"``."""
    if not filename or "/" in filename:
        raise ValueError(f"Give an asset's file name, such as 'yolov8n.pt', not {filename!r}.")
    base = os.environ.get("OSAI_ULTRALYTICS_ASSETS") or DEFAULT_ULTRALYTICS_ASSETS
    return f"{base.rstrip('/')}/{filename}"


def online(url: str | None = None, gpu: bool = False, timeout: float = 3.0) -> bool:
    """Whether an optional online cell can run here.

    True when ``url`` (None: the Hub, :func:`hub_endpoint`) answers an HTTP request within
    ``timeout`` seconds (any HTTP status counts: the server is there), and, with ``gpu=True``,
    when PyTorch also sees a CUDA GPU. False otherwise, so the cell prints why it skipped.
    """
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}.")
    url = url or hub_endpoint()
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"url must start with http:// or https://, got {url!r}.")
    if gpu:
        import torch

        if not torch.cuda.is_available():
            return False
    request = urllib.request.Request(url, method="HEAD")
    try:
        with urllib.request.urlopen(request, timeout=timeout):
            return True
    except urllib.error.HTTPError:
        return True  # an answer, if not a 200: the server is reachable
    except (OSError, ValueError):  # no route, refused, timed out, name not resolved
        return False


@contextmanager
def hub_access() -> Iterator[None]:
    """Let the Hugging Face Hub through inside a ``with`` block, offline again after it.

    ``osai.offline()`` sets ``HF_HUB_OFFLINE=1``, which huggingface_hub reads once, at import;
    this lifts both the variables and the flag huggingface_hub (and transformers before 5)
    already read, and puts every one back as it was on leaving the block.
    """
    names = [*HUB_OFFLINE_VARIABLES, "TRANSFORMERS_OFFLINE"]
    saved_env = {name: os.environ.get(name) for name in names}
    saved_flags = {flag: _flag(*flag) for flag in _OFFLINE_FLAGS}
    try:
        for name in names:
            os.environ.pop(name, None)
        for flag, value in saved_flags.items():
            if value is not None:
                setattr(sys.modules[flag[0]], flag[1], False)
        yield
    finally:
        for name, value in saved_env.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        # A library first imported inside the block read the lifted variables: offline again.
        offline = any(
            (os.environ.get(name) or "").upper() in {"1", "ON", "YES", "TRUE"}
            for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
        )
        for (module, attribute), value in saved_flags.items():
            if module in sys.modules and hasattr(sys.modules[module], attribute):
                setattr(sys.modules[module], attribute, offline if value is None else value)


# The offline flags libraries read from the environment at import: (module, attribute).
_OFFLINE_FLAGS = (
    ("huggingface_hub.constants", "HF_HUB_OFFLINE"),
    ("transformers.utils.hub", "_is_offline_mode"),  # transformers before 5
)


def _flag(module: str, attribute: str):
    """The flag's value where that module is imported and has it, else None."""
    return getattr(sys.modules[module], attribute, None) if module in sys.modules else None
