"""The notebooks' "Open in Colab" badge image, shipped with the book instead of loaded from Colab.

Each notebook's first cell links its student version in Colab with Colab's badge image,
``https://colab.research.google.com/assets/colab-badge.svg`` (CONTRIBUTING.md). The notebooks keep
that image (on GitHub and in Colab it loads); in the book, which must read offline, this extension
points every such image at the course's own copy, ``_static/colab-badge.svg`` (book/_static/).
The link itself is unchanged.

It counts and warns as every rewrite does (book/_ext/rewrite_counts.py): a full build in
which it changed nothing fails ``-W``: upstream has changed; update or drop this rewrite.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

# The count-and-warn helper, book/_ext/rewrite_counts.py, loaded by its file path.
_spec = importlib.util.spec_from_file_location(
    "rewrite_counts", Path(__file__).with_name("rewrite_counts.py")
)
rewrite_counts = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rewrite_counts)

REMOTE_BADGE = "https://colab.research.google.com/assets/colab-badge.svg"
LOCAL_BADGE = "_static/colab-badge.svg"


def ship_the_badge(app, pagename, templatename, context, doctree) -> None:
    counts = rewrite_counts.counts(app, "offline_badge")
    counts["pages"] += 1
    body = context.get("body")
    if body and REMOTE_BADGE in body:
        local = context["pathto"](LOCAL_BADGE, 1)
        counts["badges"] += body.count(f'src="{REMOTE_BADGE}"')
        context["body"] = body.replace(f'src="{REMOTE_BADGE}"', f'src="{local}"')


UNMATCHED = {
    "badges": f'offline_badge found no <img src="{REMOTE_BADGE}"> on any page: the notebooks\' '
    "badge or myst-nb's rendering of it changed. Update book/_ext/offline_badge.py."
}


def warn_if_unmatched(app, exception) -> None:
    rewrite_counts.warn_unmatched(app, exception, "offline_badge", UNMATCHED)


def setup(app):
    app.connect("html-page-context", ship_the_badge)
    app.connect("build-finished", warn_if_unmatched)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
