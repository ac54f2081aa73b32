"""osai.facts: the fact files and the book's pages are found inside the package, and a missing
file is an error that says how to fix it."""

from __future__ import annotations

import pytest

from osai import facts

FACT_FILES = (
    "licences.yaml",
    "openness.yaml",
    "published_configs.yaml",
    "qa_eval.yaml",
    "resources.yaml",
)


@pytest.mark.parametrize("name", FACT_FILES)
def test_every_fact_file_ships_inside_the_package(name):
    path = facts.fact_file(name)
    assert path.parent.name == "facts" and path.parent.parent.name == "osai"
    assert isinstance(facts.load_yaml(name), dict)


def test_an_explicit_path_wins(tmp_path):
    mine = tmp_path / "licences.yaml"
    mine.write_text("mine: true\n", encoding="utf-8")
    assert facts.load_yaml("licences.yaml", mine) == {"mine": True}


def test_a_missing_explicit_path_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="pass the path of an existing file"):
        facts.fact_file("licences.yaml", tmp_path / "nowhere.yaml")


def test_an_unknown_fact_file_lists_the_shipped_ones():
    with pytest.raises(FileNotFoundError, match="it ships licences.yaml"):
        facts.fact_file("no-such-facts.yaml")


def test_the_pages_the_chapter_4_app_indexes_are_found():
    pages = facts.load_yaml("qa_eval.yaml")["pages"]
    book = facts.book_dir()
    for page in pages:
        assert page.startswith("book/")
        assert (book / page.removeprefix("book/")).is_file(), page
