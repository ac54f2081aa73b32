"""Tests for osai.published_configs: the published configs give the publishers' exact parameter
counts, each stored once in osai/facts/published_configs.yaml and used from there."""

import re
from pathlib import Path

import pytest
import torch

from osai.compute_costs import load_facts
from osai.facts import load_yaml
from osai.published_configs import (
    FACT_FILE,
    PUBLISHED_CONFIGS,
    PUBLISHED_PARAMETER_COUNTS,
    build_on_meta,
    component_breakdown,
    count_parameters,
)


def test_the_fact_file_holds_every_config_with_its_source_and_count():
    entries = load_yaml(FACT_FILE)
    assert set(entries) == set(PUBLISHED_CONFIGS) == set(PUBLISHED_PARAMETER_COUNTS)
    for key, entry in entries.items():
        assert entry["source"].startswith("https://huggingface.co/"), key
        assert entry["source"].endswith("config.json"), key
        assert PUBLISHED_CONFIGS[key].values == entry["config"], key
        assert PUBLISHED_PARAMETER_COUNTS[key] == entry["parameters"], key


@pytest.mark.parametrize("name", ["llama-2-7b", "llama-2-70b", "bloom-176b"])
def test_language_model_counts_are_what_their_configs_build(name):
    assert count_parameters(name) == PUBLISHED_PARAMETER_COUNTS[name]


@pytest.mark.parametrize(
    ("name", "billions"), [("llama-2-7b", 7), ("llama-2-70b", 70), ("bloom-176b", 176)]
)
def test_counts_round_to_the_size_in_the_publishers_name(name, billions):
    # Independent of the fact file: Meta and BigScience name the models by their rounded size.
    assert PUBLISHED_PARAMETER_COUNTS[name] / 1e9 == pytest.approx(billions, rel=0.05)


@pytest.mark.parametrize("name", ["sd-v1-5-unet", "sd-v1-5-text-encoder", "sd-v1-5-vae"])
def test_stable_diffusion_counts(name):
    pytest.importorskip("diffusers")
    assert count_parameters(name) == PUBLISHED_PARAMETER_COUNTS[name]


def test_resources_facts_take_their_counts_from_the_configs():
    parameters = load_facts()["parameters"]
    for key, entry in parameters.items():
        parts = entry.get("published_configs", [])
        if parts:
            assert entry["count"] == sum(PUBLISHED_PARAMETER_COUNTS[p] for p in parts), key
        assert entry["source"].startswith("https://"), key
    assert parameters["sd-v1-5"]["count"] == sum(
        count for key, count in PUBLISHED_PARAMETER_COUNTS.items() if key.startswith("sd-v1-5-")
    )


def test_an_unknown_published_config_in_the_resources_facts_is_named(tmp_path):
    mine = tmp_path / "resources.yaml"
    mine.write_text("parameters:\n  x:\n    published_configs: [gpt-5]\n", encoding="utf-8")
    with pytest.raises(KeyError, match="gpt-5"):
        load_facts(mine)


def _quoted_numbers(text):
    return {int(m.replace(",", "")) for m in re.findall(r"\b\d{1,3}(?:,\d{3}){2,}\b", text)}


def test_the_book_quotes_the_stored_counts():
    """A number in the book within 5 % of a stored parameter count must be that count."""
    counts = set(PUBLISHED_PARAMETER_COUNTS.values())
    counts |= {entry["count"] for entry in load_facts()["parameters"].values()}
    book = Path(__file__).resolve().parents[1] / "book"
    pages = sorted(book.glob("*.md"))
    assert pages
    for page in pages:
        for number in _quoted_numbers(page.read_text(encoding="utf-8")):
            near = [c for c in counts if c != number and abs(number - c) <= 0.05 * c]
            assert not near, f"{page.name} quotes {number:,}; the stored count is {near[0]:,}"


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


MOE = ["deepseek-v3", "gpt-oss-120b", "gpt-oss-20b"]


@pytest.mark.parametrize("name", MOE)
def test_moe_counts_are_what_their_configs_build_and_match_the_publishers(name):
    from osai.published_configs import active_parameters

    entry = load_yaml(FACT_FILE)[name]
    model = build_on_meta(name)
    total, active = count_parameters(model), active_parameters(model)
    assert (total, active) == (entry["parameters"], entry["active_parameters"])
    # The publishers round to 2-3 significant figures: 671B/37B, 117B/5.1B, 21B/3.6B.
    assert total == pytest.approx(entry["published"]["total"], rel=0.01)
    assert active == pytest.approx(entry["published"]["active"], rel=0.02)
    assert active < total / 5  # sparse: a small fraction of the weights per token
    assert set(entry["bytes_per_parameter"]) == {"experts", "other"}


def test_active_parameters_of_a_dense_model_is_its_total_less_the_input_embedding():
    from osai.published_configs import active_parameters

    model = build_on_meta("llama-2-7b")
    embedding = model.get_input_embeddings().weight.numel()
    assert active_parameters(model) == count_parameters(model) - embedding
    assert active_parameters(model, include_input_embedding=True) == count_parameters(model)


def test_active_parameters_counts_top_k_of_the_routed_experts():
    from transformers import GptOssConfig, GptOssForCausalLM

    from osai.published_configs import active_parameters

    def tiny(k):
        config = GptOssConfig(
            num_hidden_layers=2,
            num_local_experts=8,
            num_experts_per_tok=k,
            vocab_size=64,
            hidden_size=32,
            intermediate_size=16,
            head_dim=8,
            num_attention_heads=4,
            num_key_value_heads=2,
        )
        with torch.device("meta"):
            return GptOssForCausalLM(config)

    per_expert_step = active_parameters(tiny(2)) - active_parameters(tiny(1))
    # one more expert per token in each of the 2 layers: gate_up (32x32 + 32) and down (16x32 + 32)
    assert per_expert_step == 2 * (32 * 2 * 16 + 2 * 16 + 16 * 32 + 32)
    assert active_parameters(tiny(8)) == count_parameters(tiny(8)) - 64 * 32


def test_active_parameters_rejects_what_is_not_a_model():
    from osai.published_configs import active_parameters

    with pytest.raises(TypeError, match="model name or a torch module"):
        active_parameters(42)
