"""Drop duplicate <script> tags from every page (a Sphinx 7.4 bug, seen as a JavaScript error).

Sphinx 7.4's HTML builder re-adds, in ``prepare_writing``, every script registered after the
builder started, with the file name ``None`` rewritten as ``''``; an inline script added that way
(sphinx-thebe's ``const THEBE_JS_URL = ...``, sphinx-togglebutton's selector) then no longer
compares equal to itself and is written twice, and the second ``const`` throws
"Identifier 'THEBE_JS_URL' has already been declared" on every page. tests/browser found it.
"""

from __future__ import annotations


def _key(script) -> tuple:
    attributes = tuple(sorted((k, str(v)) for k, v in script.attributes.items()))
    return (str(script.filename or ""), script.priority, attributes)


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    """Keep the first of several identical scripts in this page's ``script_files``."""
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
    scripts[:] = unique


def setup(app):
    # Late, so that the scripts other extensions add for one page are deduplicated too.
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
