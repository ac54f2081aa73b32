"""osai.env: offline variables, seeds and the device choice, including the bad requests."""

from __future__ import annotations

import os
import random

import pytest
import torch

import osai
from osai import env


def test_offline_sets_every_variable(monkeypatch):
    for name in [*env.OFFLINE_VARIABLES, *env.HUB_OFFLINE_VARIABLES]:
        monkeypatch.delenv(name, raising=False)
    applied = osai.offline()
    assert applied["HF_HUB_OFFLINE"] == "1"
    for name, value in {**env.OFFLINE_VARIABLES, **env.HUB_OFFLINE_VARIABLES}.items():
        assert os.environ[name] == value
    assert os.environ["YOLO_AUTOINSTALL"] == "0"
    assert os.environ["FLWR_TELEMETRY_ENABLED"] == "0"


def test_offline_can_leave_the_hub_reachable(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    applied = osai.offline(allow_hub=True)
    assert "HF_HUB_OFFLINE" not in applied and "HF_HUB_OFFLINE" not in os.environ
    assert os.environ["HF_HUB_DISABLE_TELEMETRY"] == "1"


def test_seed_makes_python_numpy_and_torch_repeat():
    import numpy as np

    def draw():
        return random.random(), float(np.random.rand()), float(torch.rand(1))

    osai.seed(123)
    first = draw()
    osai.seed(123)
    assert draw() == first


def test_default_device_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.delenv("OSAI_DEVICE", raising=False)
    monkeypatch.setattr(env, "_available", lambda kind: kind in {"mps", "cpu"})
    assert osai.device().type == "mps"
    monkeypatch.setattr(env, "_available", lambda kind: True)
    assert osai.device().type == "cuda"
    monkeypatch.setattr(env, "_available", lambda kind: kind == "cpu")
    assert osai.device().type == "cpu"


def test_cuda_requested_on_a_cpu_only_machine_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(env, "_available", lambda kind: kind == "cpu")
    with pytest.raises(RuntimeError, match="No CUDA GPU is visible"):
        osai.device("cuda")
    with pytest.raises(RuntimeError, match="MPS"):
        osai.device("mps")


def test_unknown_device_name_lists_the_choices():
    with pytest.raises(ValueError, match="cuda, mps, cpu"):
        osai.device("tpu")


def test_device_from_environment(monkeypatch):
    monkeypatch.setenv("OSAI_DEVICE", "cpu")
    assert osai.device() == torch.device("cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_device_when_present():
    assert osai.device("cuda").type == "cuda"
