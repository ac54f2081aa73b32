"""osai.facts: the fact files and the chapter-4 app's pages are found inside the package, the
pages are in step with the book, and a missing file is an error that says how to fix it."""

from __future__ import annotations

from pathlib import Path

import pytest

from osai import facts
from scripts import course_corpus

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


def test_the_pages_the_chapter_4_app_indexes_are_packaged():
    pages = facts.load_yaml("qa_eval.yaml")["pages"]
    corpus = facts.corpus_dir()
    for page in pages:
        assert (corpus / Path(page).name).is_file(), page


def test_the_packaged_corpus_is_in_step_with_the_book():
    stale = course_corpus.differences()
    assert not stale, f"osai/corpus/ differs from the book's pages {stale}: run `make corpus`"


def test_the_corpus_check_notices_an_edited_page(tmp_path):
    course_corpus.write(tmp_path)
    assert course_corpus.differences(tmp_path) == []
    page = sorted(tmp_path.glob("*.md"))[0]
    page.write_text(page.read_text(encoding="utf-8") + "\nedited\n", encoding="utf-8")
    (tmp_path / "unlisted.md").write_text("# not in qa_eval.yaml\n", encoding="utf-8")
    assert course_corpus.differences(tmp_path) == ["unlisted.md", page.name]
