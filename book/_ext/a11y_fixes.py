"""Accessibility fixes for HTML the theme and docutils write (found by axe-core in tests/browser).

1. pydata-sphinx-theme's sidebar (``toctree.py``, ``add_collapse_checkboxes``) makes each entry
   with sub-pages collapsible with a ``<summary>`` that holds only a decorative chevron
   (``role="presentation"``): a screen reader announces an unnamed control (axe: ``summary-name``,
   serious, on every page). Each such ``<summary>`` gets an ``aria-label`` naming the entry.
2. docutils' HTML5 writer (``_html_base.py``, ``visit_citation``) writes the references page's
   bibliography as ``<div role="list">`` whose entries have the DPUB role ``doc-biblioentry``,
   which ARIA 1.2 deprecates and which is not a list item (axe: ``aria-required-children``,
   critical, and ``aria-deprecated-role``). The entries get ``role="listitem"``.
3. myst-nb (``sphinx_.py``, ``visit_HideCellInput``) names the toggle of a hidden cell
   ``aria-label="Toggle hidden content"`` while it shows "Show code cell source": a speech-input
   user saying what they see misses it (axe: ``label-content-name-mismatch``, WCAG 2.1). The
   label is dropped, so the visible text is the name.

All are rewrites of the generated HTML, so they apply with or without JavaScript. Each rewrite
counts what it changed; after a full build, one that changed nothing is a Sphinx warning (which
fails the ``-W`` build): upstream has changed its HTML, so the rewrite is either no longer needed
or no longer matches, and tests/browser/test_a11y.py says which. Report
upstream: pydata-sphinx-theme (sidebar summary without a name), docutils (citation roles), myst-nb
(toggle label).
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from pathlib import Path

# The count-and-warn helper, book/_ext/rewrite_counts.py, loaded by its file path.
_spec = importlib.util.spec_from_file_location(
    "rewrite_counts", Path(__file__).with_name("rewrite_counts.py")
)
rewrite_counts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rewrite_counts)
# The rewrites, and whose HTML each one rewrites (named in the warning when one matches nothing)
REWRITES = {
    "label_summaries": "pydata-sphinx-theme's sidebar <summary>",
    "list_citations": 'docutils\' role="doc-biblioentry" citations',
    "name_hidden_cell_toggles": "myst-nb's hidden-cell toggle label",
}
SUMMARY_LABEL = "Show or hide the sections of {}"
_BIBLIOENTRY = re.compile(r'(<div\b[^>]*\brole=")doc-biblioentry(")')


def label_summaries(html: str, counts: Counter | None = None) -> str:
    """Give each sidebar ``<summary>`` without text an ``aria-label`` naming its entry."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for summary in soup.select("li.has-children > details > summary"):
        if summary.get_text(strip=True) or summary.get("aria-label"):
            continue  # a section caption: the visible text is the name
        link = summary.find_parent("li").find("a", recursive=False)
        title = link.get_text(" ", strip=True) if link else ""
        summary["aria-label"] = SUMMARY_LABEL.format(title) if title else "Show or hide sections"
        if counts is not None:
            counts["label_summaries"] += 1
    return str(soup)


TOGGLE = '<summary aria-label="Toggle hidden content">'


def name_hidden_cell_toggles(html: str, counts: Counter | None = None) -> str:
    """Let a hidden cell's toggle be named by its visible text ("Show code cell source")."""
    if counts is not None:
        counts["name_hidden_cell_toggles"] += html.count(TOGGLE)
    return html.replace(TOGGLE, "<summary>")


def list_citations(html: str, counts: Counter | None = None) -> str:
    """The bibliography's entries as list items of its ``role="list"`` container."""
    html, n = _BIBLIOENTRY.subn(r"\1listitem\2", html)
    if counts is not None:
        counts["list_citations"] += n
    return html


def _wrap_toctree(generate, counts: Counter):
    def generate_toctree_html(kind, *args, **kwargs):
        html = generate(kind, *args, **kwargs)
        return label_summaries(str(html), counts) if kind == "sidebar" else html

    return generate_toctree_html


def fix_page(app, pagename, templatename, context, doctree) -> None:
    counts = rewrite_counts.counts(app, "a11y_fixes")
    counts["pages"] += 1
    if "generate_toctree_html" in context:
        context["generate_toctree_html"] = _wrap_toctree(context["generate_toctree_html"], counts)
    if "body" in context:
        body = list_citations(context["body"], counts)
        context["body"] = name_hidden_cell_toggles(body, counts)


def unmatched(counts: Counter, pages_in_book: int) -> list[str]:
    """The rewrites that changed nothing in a build that wrote every page (else: none)."""
    return rewrite_counts.unmatched(counts, REWRITES, pages_in_book)


UNMATCHED = {
    name: f"a11y_fixes.{name} changed nothing in this build: {html} is no longer written as "
    "book/_ext/a11y_fixes.py expects. Run tests/browser/test_a11y.py; drop the rewrite if "
    "axe-core passes without it, else update it to the new HTML."
    for name, html in REWRITES.items()
}


def warn_if_unmatched(app, exception) -> None:
    rewrite_counts.warn_unmatched(app, exception, "a11y_fixes", UNMATCHED)


def setup(app):
    # After pydata-sphinx-theme's own html-page-context handler (priority 500) has put
    # generate_toctree_html into the page's context.
    app.connect("html-page-context", fix_page, priority=900)
    app.connect("build-finished", warn_if_unmatched)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
