"""Reading notebooks for the convention tests: cells, their text and the exercises in them."""

from __future__ import annotations

from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def repository_url() -> str:
    """The repository URL configured once in _config.yml."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"].rstrip("/")


def colab_url(path: Path) -> str:
    """Where a notebook's Colab badge points: its student version (solutions removed), which
    is committed in student/ and carries the same badge, so it points at itself."""
    slug = repository_url().removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{slug}/blob/main/student/{path.name}"


def code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def exercises(notebook) -> list[tuple[int, int]]:
    """(solution cell index, check cell index) pairs: the check is the next code cell."""
    cells = notebook.cells
    pairs = []
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and SOLUTION_BEGIN in cell.source:
            later = [j for j in range(i + 1, len(cells)) if cells[j].cell_type == "code"]
            pairs.append((i, later[0] if later else -1))
    return pairs
