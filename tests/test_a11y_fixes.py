"""book/_ext/a11y_fixes.py on the HTML pydata-sphinx-theme and docutils write (small copies)."""

from __future__ import annotations

import sys

from scripts.notebook_cells import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import a11y_fixes  # noqa: E402

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
    import yaml

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["sphinx"]["local_extensions"].get("a11y_fixes") == "book/_ext"


def test_a_hidden_cell_toggle_is_named_by_its_visible_text():
    html = (
        '<details class="admonition hide above-input">\n<summary aria-label="Toggle hidden content">'
        '\n<p class="collapsed admonition-title">Show code cell source</p>\n</summary>'
    )
    fixed = a11y_fixes.name_hidden_cell_toggles(html)
    assert "aria-label" not in fixed and "<summary>" in fixed and "Show code cell source" in fixed
