"""book/_ext/a11y_fixes.py on the HTML pydata-sphinx-theme and docutils write (small copies)."""

from __future__ import annotations

from collections import Counter

from scripts.notebook_cells import book_config
from tests.book_extensions import load_extension

a11y_fixes = load_extension("a11y_fixes")

# As pydata-sphinx-theme 0.17's sidebar writes an entry with sub-pages, and a section caption.
SIDEBAR = """<ul class="nav bd-sidenav">
<li class="toctree-l1 has-children"><a class="reference internal" href="book/02.html">2. Components
</a><details><summary><span class="toctree-toggle" role="presentation"><i class="fa-solid
fa-chevron-down"></i></span></summary><ul><li class="toctree-l2"><a href="n.html">Lab</a></li>
</ul></details></li>
<li class="toctree-l1 has-children"><details><summary><p class="caption">Labs</p><span
class="toctree-toggle" role="presentation"></span></summary><ul></ul></details></li></ul>"""
# As docutils 0.19's HTML5 writer writes a bibliography.
CITATIONS = """<div role="list" class="citation-list">
<div class="citation" id="id1" role="doc-biblioentry"><span class="label">1</span><p>A.</p></div>
<div class="citation" id="id2" role="doc-biblioentry"><span class="label">2</span><p>B.</p></div>
</div>"""


def test_an_icon_only_summary_is_named_after_its_entry():
    html = a11y_fixes.label_summaries(SIDEBAR)
    assert 'aria-label="Show or hide the sections of 2. Components"' in html
    # The caption's summary has visible text as its name and is left alone.
    assert html.count("aria-label=") == 1
    assert a11y_fixes.label_summaries(html) == html


def test_bibliography_entries_become_list_items():
    html = a11y_fixes.list_citations(CITATIONS)
    assert "doc-biblioentry" not in html
    assert html.count('role="listitem"') == 2 and 'role="list"' in html


def test_the_extension_is_enabled_in_the_book():
    config = book_config()
    assert config["sphinx"]["local_extensions"].get("a11y_fixes") == "book/_ext"


def test_a_hidden_cell_toggle_is_named_by_its_visible_text():
    html = (
        '<details class="admonition hide above-input">\n<summary aria-label="Toggle hidden content">'
        '\n<p class="collapsed admonition-title">Show code cell source</p>\n</summary>'
    )
    fixed = a11y_fixes.name_hidden_cell_toggles(html)
    assert "aria-label" not in fixed and "<summary>" in fixed and "Show code cell source" in fixed


def test_each_rewrite_counts_what_it_changed():
    counts = Counter()
    a11y_fixes.label_summaries(SIDEBAR, counts)
    a11y_fixes.list_citations(CITATIONS, counts)
    a11y_fixes.name_hidden_cell_toggles(a11y_fixes.TOGGLE + "Show code cell source", counts)
    assert counts == {"label_summaries": 1, "list_citations": 2, "name_hidden_cell_toggles": 1}


def test_a_rewrite_that_matches_nothing_in_a_full_build_is_reported():
    counts = Counter({"pages": 3, "label_summaries": 5, "list_citations": 2})
    assert a11y_fixes.unmatched(counts, pages_in_book=3) == ["name_hidden_cell_toggles"]
    # an incremental build writes only some pages: no verdict
    assert a11y_fixes.unmatched(Counter({"pages": 1}), pages_in_book=3) == []
