"""Drop duplicate <script> tags from every page (a Sphinx 7.4 bug, seen as a JavaScript error).

Sphinx 7.4's HTML builder re-adds, in ``prepare_writing``, every script registered after the
builder started, with the file name ``None`` rewritten as ``''``; an inline script added that way
(sphinx-thebe's ``const THEBE_JS_URL = ...``, sphinx-togglebutton's selector) then no longer
compares equal to itself and is written twice, and the second ``const`` throws
"Identifier 'THEBE_JS_URL' has already been declared" on every page. tests/browser found it.

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


def _key(script) -> tuple:
    attributes = tuple(sorted((k, str(v)) for k, v in script.attributes.items()))
    return (str(script.filename or ""), script.priority, attributes)


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep the first of several identical scripts in this page's ``script_files``."""
    counts = rewrite_counts.counts(app, "script_dedup")
    counts["pages"] += 1
    scripts = context.get("script_files")
    if not scripts:
        return
    seen: set[tuple] = set()
    unique = []
    for script in scripts:
        if not hasattr(script, "attributes"):  # a plain string: nothing to compare
            unique.append(script)
        elif (key := _key(script)) not in seen:
            seen.add(key)
            unique.append(script)
    counts["dropped"] += len(scripts) - len(unique)
    scripts[:] = unique


UNMATCHED = {
    "dropped": "script_dedup found no duplicate <script> on any page: the Sphinx bug it works "
    "around is gone. Remove book/_ext/script_dedup.py and its entry in _config.yml."
}


def warn_if_unmatched(app, exception) -> None:
    rewrite_counts.warn_unmatched(app, exception, "script_dedup", UNMATCHED)


def setup(app):
    # Late, so that the scripts other extensions add for one page are deduplicated too.
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    app.connect("build-finished", warn_if_unmatched)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
