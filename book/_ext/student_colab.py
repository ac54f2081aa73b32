"""Colab launch buttons open the student versions (student/<name>.ipynb), not the full notebooks.

sphinx-book-theme builds each notebook page's Colab button from the page's own path,
``.../blob/<branch>/notebooks/<name>.ipynb``: the full notebook, with every solution. Learners
should get the committed student version instead, the one the notebook's own "Open in Colab"
badge opens; instructors find the full notebooks through the instructor's guide.

It counts and warns as every rewrite does (book/_ext/rewrite_counts.py): a full build in
which it changed nothing fails ``-W``: upstream has changed; update or drop this rewrite.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
# The count-and-warn helper, book/_ext/rewrite_counts.py, loaded by its file path.
_spec = importlib.util.spec_from_file_location(
    "rewrite_counts", Path(__file__).with_name("rewrite_counts.py")
)
rewrite_counts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rewrite_counts)
FULL = re.compile(r"/blob/(?P<branch>[^/]+)/(?:.+/)?notebooks/(?P<name>[^/]+\.ipynb)$")


def student_url(url: str) -> str | None:
    """The student version's Colab URL for a full notebook's Colab URL (None: not a notebook)."""
    match = FULL.search(url)
    if not match:
        return None
    return url[: match.start()] + f"/blob/{match['branch']}/student/{match['name']}"


def point_colab_at_student_versions(app, pagename, templatename, context, doctree) -> None:
    counts = rewrite_counts.counts(app, "student_colab")
    counts["pages"] += 1
    for group in context.get("header_buttons", []):
        if group.get("label") != "launch-buttons":
            continue
        for button in group.get("buttons", []):
            if button.get("text") != "Colab":
                continue
            url = student_url(button["url"])
            if url is None:
                LOGGER.warning(
                    f"{pagename}: Colab button {button['url']} is not a notebook in notebooks/; "
                    "learners must open student/<name>.ipynb (book/_ext/student_colab.py)"
                )
            else:
                button["url"] = url
                counts["rewritten"] += 1


UNMATCHED = {
    "rewritten": "student_colab rewrote no Colab button: sphinx-book-theme no longer puts a "
    "'launch-buttons' group with a 'Colab' button into header_buttons. Update "
    "book/_ext/student_colab.py, or learners' Colab buttons open the full notebooks."
}


def warn_if_unmatched(app, exception) -> None:
    rewrite_counts.warn_unmatched(app, exception, "student_colab", UNMATCHED)


def setup(app):
    # After sphinx-book-theme's add_launch_buttons (priority 501) has made the buttons.
    app.connect("html-page-context", point_colab_at_student_versions, priority=600)
    app.connect("build-finished", warn_if_unmatched)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
