"""Ultralytics YOLO, offline and reproducible: set-up, a model summary, training on shapes.

Ultralytics reaches for the network on its own in several places: it downloads the fonts
``Arial.ttf``/``Arial.Unicode.ttf`` for its plots, pip-installs missing packages
("AutoUpdate"), checks whether it is online, and sends usage events. :func:`prepare_ultralytics`
switches all of that off *before* ``ultralytics`` is imported (it reads its environment once,
at import time) and keeps its settings, runs and weights inside a build folder that git
ignores. The course's GPU check calls :func:`train_shapes` with ``device="cuda"``.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import env
from .env import OFFLINE_VARIABLES

# The fonts Ultralytics wants in its config folder (utils/checks.py: check_font). Without them
# it downloads them from its assets server the first time it labels a plot.
ULTRALYTICS_FONTS: tuple[str, ...] = ("Arial.ttf", "Arial.Unicode.ttf")
# Settings that would otherwise send events or switch on experiment-tracker integrations.
_QUIET_SETTINGS = {
    "sync": False,
    "clearml": False,
    "comet": False,
    "dvc": False,
    "mlflow": False,
    "raytune": False,
    "tensorboard": False,
    "wandb": False,
    "vscode_msg": False,
    "openvino_msg": False,
}


@dataclass(frozen=True)
class UltralyticsDirs:
    """The folders :func:`prepare_ultralytics` gave Ultralytics, all inside ``build / name``."""

    build: Path
    root: Path
    config: Path
    runs: Path
    datasets: Path
    weights: Path

    def relative(self, path: str | Path) -> str:
        """``path`` relative to the build folder, for printing without machine-specific parts."""
        path = Path(path).resolve()
        try:
            return str(Path("build") / path.relative_to(self.build))
        except ValueError:
            return path.name


def _ultralytics_config_dir() -> Path | None:
    module = sys.modules.get("ultralytics.utils")
    return getattr(module, "USER_CONFIG_DIR", None) if module else None


def prepare_ultralytics(build_dir: str | Path, name: str = "ultralytics") -> UltralyticsDirs:
    """Make Ultralytics work offline, quietly and only inside ``build_dir / name``.

    Sets ``YOLO_OFFLINE=1``, ``YOLO_AUTOINSTALL=0`` (and the course's other offline variables),
    points ``YOLO_CONFIG_DIR`` into the build folder, copies matplotlib's DejaVu Sans there
    under the font names Ultralytics would otherwise download, and then imports Ultralytics
    and sets its runs, datasets and weights folders, with events and integrations off.

    Call it before anything imports ``ultralytics``. If Ultralytics was already imported with
    another config folder, it raises ``RuntimeError``: restart the kernel and call this first.
    """
    build = Path(build_dir).resolve()
    if build.exists() and not build.is_dir():
        raise NotADirectoryError(f"build_dir {build} is a file: give a folder.")
    if not name or Path(name).name != name:
        raise ValueError(f"name must be a plain folder name, got {name!r}.")
    root = build / name
    dirs = UltralyticsDirs(
        build=build,
        root=root,
        config=root / "config",
        runs=root / "runs",
        datasets=root / "datasets",
        weights=root / "weights",
    )
    already = _ultralytics_config_dir()
    if already is not None and Path(already).resolve() != (dirs.config / "Ultralytics"):
        raise RuntimeError(
            "ultralytics was imported before prepare_ultralytics() and keeps its settings in "
            f"{already}. Restart the kernel and call prepare_ultralytics() before importing "
            "ultralytics."
        )
    os.environ.update(OFFLINE_VARIABLES)  # YOLO_OFFLINE=1, YOLO_AUTOINSTALL=0, YOLO_VERBOSE=False
    os.environ["YOLO_CONFIG_DIR"] = str(dirs.config)
    user_dir = dirs.config / "Ultralytics"  # Ultralytics appends this to YOLO_CONFIG_DIR
    user_dir.mkdir(parents=True, exist_ok=True)
    import matplotlib

    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    for font in ULTRALYTICS_FONTS:
        target = user_dir / font
        if not target.exists():
            shutil.copyfile(dejavu, target)
    for folder in (dirs.runs, dirs.datasets, dirs.weights):
        folder.mkdir(parents=True, exist_ok=True)

    from ultralytics import settings

    wanted = {
        **_QUIET_SETTINGS,
        "runs_dir": str(dirs.runs),
        "datasets_dir": str(dirs.datasets),
        "weights_dir": str(dirs.weights),
    }
    if any(settings.get(key) != value for key, value in wanted.items()):
        settings.update(wanted)
    return dirs


def ultralytics_device(device) -> str:
    """Translate a torch device (or its name) into the string Ultralytics expects.

    ``"cuda"``/``"cuda:0"`` -> ``"0"``, ``"cuda:1"`` -> ``"1"``, ``"cpu"`` -> ``"cpu"``,
    ``"mps"`` -> ``"mps"``.
    """
    text = str(device).lower()
    kind, _, index = text.partition(":")
    if kind == "cuda":
        return index or "0"
    if kind in ("cpu", "mps") and not index:
        return kind
    raise ValueError(f"Unknown device {device!r}: use 'cpu', 'cuda', 'cuda:N' or 'mps'.")


def model_summary(model, imgsz: int = 640) -> dict[str, float | int]:
    """Layers, parameters and GFLOPs (at ``imgsz`` x ``imgsz``) of a YOLO model.

    ``model`` is an ``ultralytics.YOLO`` or its underlying ``torch.nn.Module``. Layers are
    counted as Ultralytics counts them: modules without sub-modules.
    """
    from ultralytics.utils.torch_utils import get_flops

    module = getattr(model, "model", model)
    leaves = [m for m in module.modules() if len(m._modules) == 0]
    return {
        "layers": len(leaves),
        "parameters": sum(p.numel() for p in module.parameters()),
        "GFLOPs": round(float(get_flops(module, imgsz)), 2),
    }


@dataclass
class TrainingResult:
    """What :func:`train_shapes` returns: validation metrics, time, and where the weights are."""

    metrics: dict[str, float]
    seconds: float
    device: str
    epochs: int
    imgsz: int
    weights: Path
    save_dir: Path


def train_shapes(
    *,
    device=None,
    epochs: int = 60,
    imgsz: int = 128,
    data_dir: str | Path | None = None,
    model: str = "yolov8n.yaml",
    batch: int = 16,
    seed: int = 0,
    build_dir: str | Path = "build",
    workspace: str = "ultralytics",
    name: str = "shapes",
    n_train: int = 240,
    n_val: int = 60,
    val: bool = True,
    cpu_threads: int | None = None,
) -> TrainingResult:
    """Train a YOLO detector from its configuration (random weights) on the shapes dataset.

    Every argument is a keyword. ``data_dir`` holds a dataset from
    :func:`osai.shapes.make_shapes_dataset` (made there with ``n_train``/``n_val`` images if it
    has no ``data.yaml`` yet; default: inside the build folder ``build_dir / workspace``;
    ``build_dir`` defaults to ``build`` in the working directory, see
    :func:`prepare_ultralytics`; the run is saved as ``runs/<name>`` there). Training is
    reproducible: ``seed``, ``deterministic=True``, ``workers=0`` and ``amp=False`` (mixed
    precision would make Ultralytics download a model to test it). AdamW with ``lr0=0.004`` and
    a one-epoch warm-up suit short runs, as in chapter 5's notebook. ``val=False`` validates
    only after the last epoch (faster on a CPU). ``device`` None means ``osai.device()``.
    ``cpu_threads``: on a CPU, train with this many PyTorch threads (None:
    :func:`osai.env.training_threads`, the cores not busy with other work when training starts;
    Ultralytics' own choice would leave one core of a 2-core laptop idle).
    Returns the final validation metrics (precision, recall, mAP50, mAP50-95) and wall time.
    """
    _check_training_arguments(epochs, imgsz, batch, cpu_threads, model)
    ul_device = ultralytics_device(env.device(device))
    dirs = prepare_ultralytics(build_dir, name=workspace)
    data_yaml = _shapes_data_yaml(
        Path(data_dir) if data_dir is not None else dirs.root / "shapes", n_train, n_val, imgsz
    )

    from ultralytics import YOLO

    detector = YOLO(model)
    if ul_device == "cpu":
        _pin_cpu_threads(detector, cpu_threads or env.training_threads())
    start = time.perf_counter()
    detector.train(
        data=str(data_yaml),
        epochs=epochs,
        imgsz=imgsz,
        batch=batch,
        device=ul_device,
        seed=seed,
        project=str(dirs.runs),
        name=name,
        val=val,
        **SHAPES_TRAINING,
    )
    return _training_result(detector, time.perf_counter() - start, ul_device, epochs, imgsz)


# What every train_shapes run passes Ultralytics besides its arguments.
SHAPES_TRAINING = {
    "workers": 0,
    "deterministic": True,
    "amp": False,  # mixed precision would make Ultralytics download a model to test it
    "pretrained": False,
    "optimizer": "AdamW",  # what Ultralytics picks for short runs, but with lr0=0.0014 for
    "lr0": 0.004,  # three classes: too slow a start for a run of a few epochs
    "warmup_epochs": 1,  # Ultralytics' default, 3, is a quarter of a short run
    "plots": False,
    "exist_ok": True,
    "verbose": False,
}


def _check_training_arguments(epochs, imgsz, batch, cpu_threads, model) -> None:
    """Refuse, with a message saying what to pass, arguments Ultralytics would misread."""
    for label, value, low in (("epochs", epochs, 1), ("imgsz", imgsz, 32), ("batch", batch, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{label} must be an int of at least {low}, got {value!r}.")
    if cpu_threads is not None and (
        isinstance(cpu_threads, bool) or not isinstance(cpu_threads, int) or cpu_threads < 1
    ):
        raise ValueError(f"cpu_threads must be an int of at least 1, or None, got {cpu_threads!r}.")
    if imgsz % 32:
        raise ValueError(f"imgsz must be a multiple of 32 (YOLO's largest stride), got {imgsz}.")
    if not str(model).endswith((".yaml", ".yml")):
        raise ValueError(
            f"model must be a configuration such as 'yolov8n.yaml' or 'yolo11n.yaml' "
            f"(training from scratch, nothing downloaded), got {model!r}."
        )


def _shapes_data_yaml(data_dir: Path, n_train: int, n_val: int, imgsz: int) -> Path:
    """The dataset's ``data.yaml`` in ``data_dir``, made there first if it is missing."""
    from .shapes import make_shapes_dataset

    data_yaml = data_dir / "data.yaml"
    if data_yaml.is_file():
        return data_yaml
    return make_shapes_dataset(data_dir, n_train=n_train, n_val=n_val, imgsz=imgsz).data_yaml


def _pin_cpu_threads(detector, threads: int) -> None:
    """Train with ``threads`` PyTorch threads: Ultralytics sets its own count when it picks the
    device, so this runs after that, at the start of its pre-training routine."""
    import torch

    detector.add_callback(
        "on_pretrain_routine_start", lambda trainer: torch.set_num_threads(threads)
    )


def _training_result(detector, seconds: float, device: str, epochs: int, imgsz: int):
    """A finished run's final validation metrics, its time and where its weights are."""
    trainer = detector.trainer
    box = trainer.validator.metrics.box
    metrics = {
        "precision": float(box.mp),
        "recall": float(box.mr),
        "mAP50": float(box.map50),
        "mAP50-95": float(box.map),
    }
    return TrainingResult(
        metrics=metrics,
        seconds=seconds,
        device=device,
        epochs=epochs,
        imgsz=imgsz,
        weights=Path(trainer.best),
        save_dir=Path(trainer.save_dir),
    )
