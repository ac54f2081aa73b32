"""osai.data: the facts-as-data files are found from a checkout, an explicit path or $OSAI_DATA_DIR."""

from __future__ import annotations

import pytest

from osai.data import find_data_file


def test_finds_the_repository_data_folder(monkeypatch):
    monkeypatch.delenv("OSAI_DATA_DIR", raising=False)
    assert find_data_file("licences.yaml").parent.name == "data"


def test_explicit_path_and_environment_come_first(monkeypatch, tmp_path):
    mine = tmp_path / "licences.yaml"
    mine.write_text("{}")
    assert find_data_file("licences.yaml", mine) == mine
    monkeypatch.setenv("OSAI_DATA_DIR", str(tmp_path))
    assert find_data_file("licences.yaml") == mine


def test_missing_file_says_how_to_fix_it(monkeypatch):
    monkeypatch.delenv("OSAI_DATA_DIR", raising=False)
    with pytest.raises(FileNotFoundError, match="set OSAI_DATA_DIR"):
        find_data_file("no-such-facts.yaml")
