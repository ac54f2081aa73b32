"""The chapter pages' figures (book/_ext/chapter_figures.py): every chapter page shows one with
alt text, each is drawn from the course's data, and what they show agrees with osai's scorers."""

from __future__ import annotations

import re

import pytest

from scripts.notebook_cells import ROOT
from tests.book_extensions import load_extension

chapter_figures = load_extension("chapter_figures")

CHAPTER_PAGES = sorted((ROOT / "book").glob("0[1-7]_*.md"))
FIGURE = re.compile(r"```\{figure\} _generated/(?P<name>[\w-]+)\.png\n(?P<options>(?::.*\n)+)")


def test_there_are_seven_chapter_pages():
    assert len(CHAPTER_PAGES) == 7


@pytest.mark.parametrize("page", CHAPTER_PAGES, ids=[p.stem for p in CHAPTER_PAGES])
def test_every_chapter_page_shows_a_generated_figure_with_alt_text(page):
    figures = list(FIGURE.finditer(page.read_text(encoding="utf-8")))
    assert figures, f"{page.name}: show one of {sorted(chapter_figures.FIGURES)}"
    for figure in figures:
        assert figure["name"] in chapter_figures.FIGURES, f"no figure {figure['name']!r} is drawn"
        alt = re.search(r"^:alt: (.+)$", figure["options"], re.MULTILINE)
        assert alt and len(alt[1]) >= 80, "describe what the figure shows in :alt: (80+ chars)"


def test_every_figure_is_drawn_as_a_png(tmp_path):
    written = chapter_figures.draw_all(tmp_path)
    assert {p.stem for p in written} == set(chapter_figures.FIGURES)
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000


def test_a_benefit_is_as_open_as_its_weakest_component():
    entry = {
        "osi_approved": False,
        "weights": {"status": "yes"},
        "inference_code": {"status": "yes"},
        "training_code": {"status": "partial"},
        "data_information": {"status": "yes"},
    }
    value = chapter_figures.benefit_value
    assert value(entry, ("weights", "inference_code")) == 1.0
    assert value(entry, ("training_code", "data_information")) == 0.5
    assert value(entry, ("weights", "licence")) == 0.0


def test_the_app_figure_counts_what_the_app_indexes():
    numbers = chapter_figures.app_pipeline_numbers()
    assert numbers["pages"] == 4 and numbers["passages"] > numbers["pages"]
    assert numbers["questions"] >= 10
