"""A pretrained diffusion model that runs offline in one step: terrain height-maps.

The wheel ``adaptive-terrain-diffusion`` (MIT) ships a consistency-model UNet exported to ONNX
(``terrain_diffusion/weights/terrain_consistency_unet_difficulty100.onnx``). Given pure noise, its
noise level and a difficulty from 1 to 100, one forward pass returns a denoised 128x128 height-map.

The constants the model was trained with (noise levels, the height transform) are read from the
package's own ``TerrainGenerator`` class, never typed in here; :func:`one_step` is that package's
one-step sampler written out in plain NumPy, and the course's tests check that both give the
same maps. The model runs on ONNX Runtime's CPU provider (the course installs the CPU build).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .models import package_dir, weights_info, weights_path

MODEL = "terrain_consistency"
REPOSITORY = "https://github.com/youwyu/Adaptive-Diffusion-Terrain"
# The repository at the commit the course read (2026-08-12), for the openness sources below
REPOSITORY_AT = f"{REPOSITORY}/tree/262488c"
# ONNX element types that hold learned numbers; the graph's integer initializers are shapes
FLOAT_TYPES = frozenset({1, 10, 11, 16})  # FLOAT, FLOAT16, DOUBLE, BFLOAT16


@dataclass(frozen=True)
class Constants:
    """What the package's sampler knows about the trained model (``TerrainGenerator``)."""

    native_size: int  # the model's height-maps are native_size x native_size
    num_classes: int  # difficulties 1..num_classes
    sigma_min: float
    sigma_max: float  # the noise level one step starts from
    sigma_data: float
    height_range: float  # heights are mapped from [0, height_range] to [-1, 1] ...
    asinh_scale: float  # ... through asinh(h / asinh_scale), normalised


def constants() -> Constants:
    """The sampler's constants, read from the installed package's ``TerrainGenerator``."""
    weights_path(MODEL, check=False)  # a missing wheel says which pip install fixes it
    from terrain_diffusion.generator import TerrainGenerator as G

    return Constants(
        native_size=int(G.native_size),
        num_classes=int(G.num_classes),
        sigma_min=float(G.sigma_min),
        sigma_max=float(G.sigma_max),
        sigma_data=float(G.sigma_data),
        height_range=float(G.height_range),
        asinh_scale=float(G.asinh_scale),
    )


def load_session(threads: int | None = None):
    """An ONNX Runtime session on the verified ONNX file, CPU provider only.

    ``threads``: ONNX Runtime's intra-op threads (None: ``osai.training_threads()``, the cores
    other work leaves free).
    """
    path = weights_path(MODEL)  # checks the SHA-256 before anything is loaded
    import onnxruntime as ort

    from .env import training_threads

    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int)):
        raise ValueError(f"threads must be a positive whole number or None, not {threads!r}.")
    if threads is not None and threads < 1:
        raise ValueError(f"threads must be at least 1, not {threads}.")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or training_threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only
    return ort.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])


def parameter_count(path=None) -> int:
    """The number of learned parameters in the ONNX graph: the summed sizes of its
    floating-point initializers (its integer initializers are shape constants)."""
    import onnx

    model = onnx.load(str(path or weights_path(MODEL)), load_external_data=False)
    return sum(
        int(np.prod(init.dims, dtype=np.int64))
        for init in model.graph.initializer
        if init.data_type in FLOAT_TYPES
    )


def graph_metadata(path=None) -> dict[str, str]:
    """The key-value metadata the exporter wrote into the ONNX file."""
    import onnx

    model = onnx.load(str(path or weights_path(MODEL)), load_external_data=False)
    return {prop.key: prop.value for prop in model.metadata_props}


def _difficulty_labels(difficulties, num_classes: int) -> np.ndarray:
    values = np.asarray(difficulties, dtype=np.float64)
    if values.ndim != 1 or values.size == 0:
        raise ValueError(
            "difficulties must be a non-empty list of whole numbers, e.g. [1, 50, 100]."
        )
    if not np.isfinite(values).all() or (values != np.floor(values)).any():
        raise ValueError(
            f"difficulties must be whole numbers from 1 to {num_classes}: {difficulties}"
        )
    if (values < 1).any() or (values > num_classes).any():
        raise ValueError(f"difficulties must lie between 1 and {num_classes}: {difficulties}")
    return ((values - 1) / (num_classes - 1)).astype(np.float32)  # 1..100 -> 0..1


def one_step(session, difficulties, seed: int = 0, batch_size: int = 3) -> np.ndarray:
    """Height-maps for ``difficulties`` (whole numbers 1..100) in one model evaluation.

    Start from Gaussian noise at the largest noise level, ask the consistency model once for the
    clean image, and map its output from the model's [-1, 1] range back to heights. Returns an
    array (len(difficulties), 128, 128), each map shifted so that its lowest point is 0.
    The model sees ``batch_size`` maps at a time (its activations for 18 maps at once take about
    a gigabyte); the noise is drawn for all of them first, so the maps do not depend on it.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a whole number of at least 1, not {batch_size!r}.")
    c = constants()
    labels = _difficulty_labels(difficulties, c.num_classes)
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((len(labels), 1, c.native_size, c.native_size), dtype=np.float32)
    noisy = noise * np.float32(c.sigma_max)  # pure noise at sigma_max
    sigma = np.full(len(labels), c.sigma_max, dtype=np.float32)
    denoised = np.concatenate(
        [
            session.run(  # the one step
                ["denoised"],
                {
                    "noisy": noisy[i : i + batch_size],
                    "sigma": sigma[i : i + batch_size],
                    "difficulty": labels[i : i + batch_size],
                },
            )[0][:, 0]
            for i in range(0, len(labels), batch_size)
        ]
    )
    unit = np.clip((denoised + 1.0) * 0.5, 0.0, 1.0)  # [-1, 1] -> [0, 1]
    heights = c.asinh_scale * np.sinh(unit * np.arcsinh(c.height_range / c.asinh_scale))
    heights = np.clip(heights, 0.0, c.height_range).astype(np.float32)
    return heights - heights.min(axis=(-2, -1), keepdims=True)


def openness_entry() -> dict:
    """The terrain model as an ``osai.openness`` entry, for ``osaid`` and ``mof_class``.

    The licence is read from the wheel (``osai.weights_info``) and looked up in the course's
    licence facts; the statuses are the course's reading of the wheel and the repository.
    """
    from . import licences

    info = weights_info(MODEL)
    terms = licences.licence(licences.licence_key(info.license or ""))
    wheel = "https://pypi.org/project/adaptive-terrain-diffusion/0.4.2/"
    return {
        "name": "Adaptive terrain diffusion (consistency UNet, ONNX)",
        "kind": "one-step terrain height-map generator",
        "licence": terms.name,
        "spdx": terms.spdx,
        "osi_approved": terms.osi_approved,
        "licence_source": wheel,
        "weights": {
            "status": "yes",
            "source": [wheel],
            "note": "The ONNX file ships in the MIT-licensed wheel.",
        },
        "training_code": {
            "status": "no",
            "source": [REPOSITORY_AT],
            "note": "Neither the wheel nor the repository holds the consistency model's "
            "training or distillation code (the repository has an older DDPM's training script).",
        },
        "inference_code": {
            "status": "yes",
            "source": [wheel, f"{REPOSITORY_AT}/contexts/standalone"],
            "note": "terrain_diffusion/generator.py, MIT; the UNet comes from OpenAI's "
            "consistency-models code (MIT, licence file in the wheel).",
        },
        "data_information": {
            "status": "no",
            "source": [wheel, REPOSITORY_AT],
            "note": "The wheel's README (its METADATA) does not say what the model was trained "
            "on; the repository holds elevation maps, but no document ties them to this model.",
        },
    }


def licence_files() -> list[str]:
    """The licence files the wheel ships inside its package folder, relative to it."""
    folder = package_dir(MODEL)
    return sorted(str(p.relative_to(folder)) for p in (folder / "licenses").glob("*"))
