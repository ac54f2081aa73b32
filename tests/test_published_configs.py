"""Tests for osai.published_configs: the published configs give the publishers' exact parameter counts."""

import pytest
import torch

from osai.published_configs import (
    PUBLISHED_CONFIGS,
    PUBLISHED_PARAMETER_COUNTS,
    build_on_meta,
    component_breakdown,
    count_parameters,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("llama-2-7b", 6_738_415_616),
        ("llama-2-70b", 68_976_648_192),
        ("bloom-176b", 176_247_271_424),
    ],
)
def test_language_model_counts_match_the_publishers(name, expected):
    assert count_parameters(name) == expected
    assert PUBLISHED_PARAMETER_COUNTS[name] == expected


@pytest.mark.parametrize("name", ["sd-v1-5-unet", "sd-v1-5-text-encoder", "sd-v1-5-vae"])
def test_stable_diffusion_counts(name):
    pytest.importorskip("diffusers")
    assert count_parameters(name) == PUBLISHED_PARAMETER_COUNTS[name]


def test_every_config_has_a_source_and_a_count():
    assert set(PUBLISHED_CONFIGS) == set(PUBLISHED_PARAMETER_COUNTS)
    for entry in PUBLISHED_CONFIGS.values():
        assert entry.source.startswith("https://huggingface.co/") and entry.source.endswith(
            "config.json"
        )


def test_models_live_on_the_meta_device():
    model = build_on_meta("llama-2-70b")
    assert {p.device for p in model.parameters()} == {torch.device("meta")}
    assert model.config.num_key_value_heads == 8  # grouped-query attention


def test_bloom_embeddings_are_tied_and_counted_once():
    model = build_on_meta("bloom-176b")
    assert model.lm_head.weight is model.transformer.word_embeddings.weight
    parts = component_breakdown(model)
    assert parts["embeddings"] == 250_880 * 14_336


@pytest.mark.parametrize("name", ["llama-2-7b", "llama-2-70b", "bloom-176b"])
def test_breakdown_adds_up(name):
    parts = component_breakdown(name)
    assert parts["other"] == 0
    assert sum(parts.values()) == PUBLISHED_PARAMETER_COUNTS[name]
    assert parts["MLP"] > parts["attention"] > parts["norms"] > 0


def test_llama_7b_breakdown_by_hand():
    parts = component_breakdown("llama-2-7b")
    assert parts["embeddings"] == 2 * 32_000 * 4096  # input embeddings + untied output head
    assert parts["attention"] == 32 * 4 * 4096 * 4096
    assert parts["MLP"] == 32 * 3 * 4096 * 11008
    assert parts["norms"] == (2 * 32 + 1) * 4096


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(KeyError, match="llama-2-7b"):
        count_parameters("gpt-5")


def test_bad_input_type():
    with pytest.raises(TypeError, match="model name or a torch module"):
        count_parameters(42)
    with pytest.raises(TypeError, match="model name or a torch module"):
        component_breakdown(3.5)


def test_count_parameters_on_a_real_module():
    assert count_parameters(torch.nn.Linear(3, 2)) == 8
