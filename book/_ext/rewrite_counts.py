"""Count-and-warn, the one shape of every HTML rewrite of the book (a11y_fixes, offline_badge,
script_dedup, student_colab).

A rewrite of another package's HTML matches exact strings, labels or handler priorities, so it
silently does nothing when upstream changes. Each rewrite therefore counts, per build, the pages
written and what it changed (one counter per extension, kept on the Sphinx app); after a build
that wrote every page, a rewrite that changed nothing is a Sphinx warning, which fails the ``-W``
build. An incremental build that wrote only some pages gives no verdict.

This module is a helper, not an extension: the extensions load it by file path (never by bare
name, CONTRIBUTING.md), and tests load it with ``tests/book_extensions.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)


def counts(app, extension: str) -> Counter:
    """This build's counter of ``extension`` (``app`` None, as in a unit test: a fresh one)."""
    attribute = f"{extension}_counts"
    counter = getattr(app, attribute, None)
    if counter is None:  # the first page of this build
        counter = Counter()
        if app is not None:
            setattr(app, attribute, counter)
    return counter


def unmatched(counter: Mapping[str, int], rewrites, pages_in_book: int) -> list[str]:
    """The rewrites that changed nothing in a build that wrote every page (else: none)."""
    if counter.get("pages", 0) < pages_in_book:
        return []  # an incremental build: the pages written may not hold what a rewrite fixes
    return [name for name in rewrites if not counter.get(name, 0)]


def warn_unmatched(app, exception, extension: str, warnings: Mapping[str, str]) -> None:
    """At ``build-finished``: warn, with its message in ``warnings``, for each rewrite of
    ``extension`` that changed nothing although every page was written."""
    if exception is not None or app.builder.format != "html":
        return
    for name in unmatched(counts(app, extension), warnings, len(app.env.found_docs)):
        LOGGER.warning(warnings[name])
