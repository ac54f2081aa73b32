"""Remove live-widget state from executed notebooks: Usage: python scripts/strip_widget_state.py NB...

An interactive cell (ipywidgets) executed without a browser leaves widget views in its outputs and
the widget state in the notebook's metadata. Jupyter Book then loads the widget runtime from a CDN
on that page, which an offline reader cannot reach and which shows nothing useful anyway. The
cell's code stays; only the dead widget outputs go. `make execute` and `make outputs` run this.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def strip(notebook: nbformat.NotebookNode) -> int:
    """Drop widget-view outputs and the widget-state metadata in place; return how many went."""
    removed = 0
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        kept = [o for o in cell.outputs if WIDGET_VIEW not in o.get("data", {})]
        removed += len(cell.outputs) - len(kept)
        cell.outputs = kept
    if notebook.metadata.pop("widgets", None) is not None:
        removed += 1
    return removed


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__)
    for name in sys.argv[1:]:
        path = Path(name)
        notebook = nbformat.read(path, as_version=4)
        if strip(notebook):
            nbformat.write(notebook, path)
            print(f"{path}: removed widget state")
