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

All are rewrites of the generated HTML, so they apply with or without JavaScript. Report
upstream: pydata-sphinx-theme (sidebar summary without a name), docutils (citation roles), myst-nb
(toggle label).
"""

from __future__ import annotations

import re

SUMMARY_LABEL = "Show or hide the sections of {}"
_BIBLIOENTRY = re.compile(r'(<div\b[^>]*\brole=")doc-biblioentry(")')


def label_summaries(html: str) -> str:
    """Give each sidebar ``<summary>`` without text an ``aria-label`` naming its entry."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for summary in soup.select("li.has-children > details > summary"):
        if summary.get_text(strip=True) or summary.get("aria-label"):
            continue  # a section caption: the visible text is the name
        link = summary.find_parent("li").find("a", recursive=False)
        title = link.get_text(" ", strip=True) if link else ""
        summary["aria-label"] = SUMMARY_LABEL.format(title) if title else "Show or hide sections"
    return str(soup)


def name_hidden_cell_toggles(html: str) -> str:
    """Let a hidden cell's toggle be named by its visible text ("Show code cell source")."""
    return html.replace('<summary aria-label="Toggle hidden content">', "<summary>")


def list_citations(html: str) -> str:
    """The bibliography's entries as list items of its ``role="list"`` container."""
    return _BIBLIOENTRY.sub(r"\1listitem\2", html)


def _wrap_toctree(generate):
    def generate_toctree_html(kind, *args, **kwargs):
        html = generate(kind, *args, **kwargs)
        return label_summaries(str(html)) if kind == "sidebar" else html

    return generate_toctree_html


def fix_page(app, pagename, templatename, context, doctree) -> None:
    if "generate_toctree_html" in context:
        context["generate_toctree_html"] = _wrap_toctree(context["generate_toctree_html"])
    if "body" in context:
        context["body"] = name_hidden_cell_toggles(list_citations(context["body"]))


def setup(app):
    # After pydata-sphinx-theme's own html-page-context handler (priority 500) has put
    # generate_toctree_html into the page's context.
    app.connect("html-page-context", fix_page, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
