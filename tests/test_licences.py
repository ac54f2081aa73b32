"""osai.licences: licence strings to SPDX ids, and "may I?" answered from osai/facts/licences.yaml."""

from __future__ import annotations

import pytest
import yaml

from osai import licences
from osai.licences import UnknownLicence, UnknownModel, UnknownScenario, may_i, to_spdx


@pytest.mark.parametrize(
    ("text", "spdx"),
    [
        ("apache-2.0", "Apache-2.0"),
        ("Apache License 2.0", "Apache-2.0"),
        ("  APACHE-2.0 ", "Apache-2.0"),
        ("AGPL-3.0", "AGPL-3.0-only"),
        ("llama2", None),
        ("creativeml-openrail-m", None),
        ("bigscience-bloom-rail-1.0", None),
        ("MIT", "MIT"),
        ("CC-BY-4.0", "CC-BY-4.0"),
        ("Llama 3.1 Community License", None),
        ("gemma", None),
    ],
)
def test_to_spdx(text, spdx):
    assert to_spdx(text) == spdx


@pytest.mark.parametrize("bad", ["", "   ", "WTFPL-9", None, 3])
def test_unknown_licence_is_refused_with_the_known_ones(bad):
    with pytest.raises(UnknownLicence, match="apache-2.0"):
        to_spdx(bad)


def test_every_clause_has_text_and_an_https_source():
    data = licences.load_data()
    for key, entry in data["licences"].items():
        assert entry["url"].startswith("https://"), key
        for name, clause in entry["clauses"].items():
            assert clause["text"].strip(), (key, name)
            assert clause["source"].startswith("https://"), (key, name)
        assert set(entry["scenarios"]) == set(data["scenarios"]), key
        for scenario, rule in entry["scenarios"].items():
            assert rule["answer"] in licences.ANSWERS, (key, scenario)
            assert rule["clause"] in entry["clauses"], (key, scenario)
    for model, entry in data["models"].items():
        assert entry["licence"] in data["licences"], model
        assert entry["source"].startswith("https://"), model


def test_every_licence_and_model_says_when_and_where_it_was_checked():
    import datetime

    data = licences.load_data()
    for key, entry in [*data["licences"].items(), *data["models"].items()]:
        assert isinstance(entry.get("checked"), datetime.date), f"{key}: no ISO `checked:` date"
        assert entry.get("source", "").startswith("https://"), f"{key}: no https source"


def test_llama_3_1_dropped_the_ban_on_improving_other_models():
    llama_3 = may_i("llama-3-8b", "outputs_train_other_model")
    llama_3_1 = may_i("llama-3.1-8b", "outputs_train_other_model")
    assert llama_3.answer == "no" and llama_3_1.answer == "conditional"
    assert "“Llama” at the beginning of any such AI model name" in llama_3_1.clause
    clauses = licences.load_data()["licences"]["llama-3.1"]["clauses"].values()
    assert not any("improve any other large language model" in c["text"] for c in clauses)


def test_llama_3_2_and_4_withhold_the_multimodal_models_from_the_eu():
    for model in ("llama-3.2-11b-vision", "llama-4-scout"):
        verdict = may_i(model, "commercial_product")
        assert verdict.answer == "conditional", model
        assert "principal place of business in, the European Union" in verdict.clause, model
        assert verdict.source.endswith("USE_POLICY.md"), model


def test_hunyuan_territory_clause():
    verdict = may_i("hunyuanvideo", "commercial_product")
    assert verdict.answer == "conditional" and "outside the Territory" in verdict.clause
    territory = licences.load_data()["licences"]["tencent-hunyuan-community"]["clauses"]
    assert "European Union, United Kingdom and South Korea" in territory["territory"]["text"]
    assert may_i("hunyuanvideo", "outputs_train_other_model").answer == "no"
    assert "100 million" in may_i("hunyuanvideo", "billion_users").clause


def test_non_commercial_licences_refuse_commercial_use():
    flux = may_i("flux-1-dev", "commercial_product")
    assert flux.answer == "no" and "Non-Commercial Purposes" in flux.clause
    assert may_i("flux-1-schnell", "commercial_product").answer == "yes"
    qwen = may_i("qwen2.5-3b-instruct", "commercial_product")
    assert qwen.answer == "no" and "FOR NON-COMMERCIAL PURPOSES ONLY" in qwen.clause


def test_outputs_clauses_differ_by_licence():
    flux = may_i("flux-1-dev", "outputs_train_other_model")
    assert flux.answer == "conditional" and "competitive with the FLUX.1 [dev] Model" in flux.clause
    gemma = may_i("gemma-2b-it", "outputs_train_other_model")
    assert gemma.answer == "conditional" and "synthetic data Outputs" in gemma.clause
    assert may_i("deepseek-r1", "outputs_train_other_model").answer == "yes"


def test_falcon_180b_hosting_use_needs_a_separate_licence():
    verdict = may_i("falcon-180b", "network_service")
    assert verdict.answer == "no" and "inference or finetuning API" in verdict.clause


def test_a_licence_can_be_asked_directly():
    assert may_i("MIT", "network_service").answer == "yes"
    verdict = may_i("cc-by-4.0", "modify_redistribute")
    assert verdict.answer == "conditional" and verdict.licence == "cc-by-4.0"
    assert may_i("mit", "billion_users") == may_i("deepseek-r1", "billion_users")


def test_llama_2_forbids_training_other_models_on_its_outputs():
    verdict = may_i("llama-2-7b", "outputs_train_other_model")
    answer, clause, source = verdict[:3]
    assert answer == "no"
    assert "improve any other large language model" in clause
    assert source == "https://github.com/meta-llama/llama/blob/main/LICENSE"


def test_llama_700_million_users_clause():
    verdict = may_i("llama-2-70b", "billion_users")
    assert verdict.answer == "no" and "700 million monthly active users" in verdict.clause
    assert may_i("llama-3-8b", "billion_users").answer == "no"


def test_apache_allows_commercial_use_and_network_service():
    assert may_i("smollm2-135m-instruct", "commercial_product").answer == "yes"
    assert may_i("all-minilm-l6-v2", "network_service").answer == "yes"
    assert may_i("smollm2-135m-instruct", "modify_redistribute").answer == "conditional"


def test_agpl_network_clause():
    verdict = may_i("yolov8n", "network_service")
    assert verdict.answer == "no"
    assert "remotely through a computer network" in verdict.clause
    assert verdict.licence == "agpl-3.0"


def test_rail_licences_pass_their_restrictions_on():
    for model in ("bloom-176b", "stable-diffusion-v1-5"):
        verdict = may_i(model, "outputs_train_other_model")
        assert verdict.answer == "conditional"
        assert "synthetic data" in verdict.clause


def test_stability_revenue_threshold():
    verdict = may_i("stable-diffusion-3-medium", "commercial_product")
    assert verdict.answer == "conditional" and "1,000,000" in verdict.clause


def test_unknown_model_lists_the_known_ones():
    with pytest.raises(UnknownModel, match="llama-2-7b") as info:
        may_i("gpt-5", "commercial_product")
    assert "Unknown model 'gpt-5'" in str(info.value)
    assert "A licence may be named instead" in str(info.value) and "cc-by-4.0" in str(info.value)


def test_unknown_scenario_lists_the_known_ones():
    with pytest.raises(UnknownScenario, match="network_service"):
        may_i("bloom-176b", "sell it as a toaster")


def test_matrix_has_one_row_per_model():
    table = licences.matrix(["smollm2-135m-instruct", "yolov8n"])
    assert list(table.index) == ["smollm2-135m-instruct", "yolov8n"]
    assert list(table.columns) == list(licences.known_scenarios())
    assert table.loc["yolov8n", "network_service"] == "no"


def test_licence_record():
    record = licences.licence("Apache-2.0")
    assert record.key == "apache-2.0" and record.osi_approved
    assert not licences.licence("llama2").osi_approved


def test_explicit_data_path_and_missing_file(tmp_path):
    data = licences.load_data()
    small = {
        "scenarios": data["scenarios"],
        "licences": {"apache-2.0": data["licences"]["apache-2.0"]},
        "models": {"tiny": {"licence": "apache-2.0", "source": "https://example.org"}},
    }
    path = tmp_path / "licences.yaml"
    path.write_text(yaml.safe_dump(small), encoding="utf-8")
    assert may_i("tiny", "commercial_product", path=path).answer == "yes"
    with pytest.raises(UnknownModel):
        may_i("llama-2-7b", "commercial_product", path=path)
