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
