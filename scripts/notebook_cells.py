"""The course's notebooks as the tools and the tests read them: where they are, their cells, the
exercises in them (solution markers and the check cell after each), and where their Colab links
point. scripts/ and tests/ both import this module (tools never import from tests/).

It lives with the tools rather than in the ``osai`` package on purpose: ``osai`` is what a learner
installs and stays light, while reading notebooks needs nbformat, a development dependency.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
# The committed student versions (solutions replaced by stubs, outputs cleared): what learners
# open in Colab. `make student` writes them; tests/test_student_folder.py checks they are current.
STUDENT_DIR = ROOT / "student"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
# nbgrader's own markers: what `make student` and nbgrader's ClearSolutions replace.
SOLUTION_BEGIN = "### BEGIN SOLUTION"
SOLUTION_END = "### END SOLUTION"
STUB = "raise NotImplementedError()"
# nbval's marker for optional cells that the checks never run (online, GPU-only, interactive).
SKIP_MARKER = "# NBVAL_SKIP"
_EXERCISES_HEADING = re.compile(r"^##\s+Exercises?\b", re.IGNORECASE | re.MULTILINE)


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def repository_url() -> str:
    """The repository URL configured once in _config.yml."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"].rstrip("/")


def _colab(folder: str, path: Path) -> str:
    slug = repository_url().removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{slug}/blob/main/{folder}/{Path(path).name}"


def colab_url(path: Path) -> str:
    """Where a notebook's Colab badge points: its student version (solutions removed), which
    is committed in student/ and carries the same badge, so it points at itself."""
    return _colab("student", path)


def full_colab_url(path: Path) -> str:
    """The full notebook (solutions included) on Colab: linked for instructors only."""
    return _colab("notebooks", path)


def code_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def is_solution(cell) -> bool:
    """A code cell holding an exercise's solution between the markers."""
    return cell.cell_type == "code" and SOLUTION_BEGIN in cell.source


def is_skipped(cell) -> bool:
    """An optional cell that nbval skips (a line that is exactly ``# NBVAL_SKIP``)."""
    return cell.cell_type == "code" and any(
        line.strip() == SKIP_MARKER for line in cell.source.splitlines()
    )


def exercises(notebook) -> list[tuple[int, int]]:
    """(solution cell index, check cell index) pairs: the check is the next code cell.

    Raises ValueError when a solution cell is not followed by its own check cell.
    """
    cells = notebook.cells
    pairs = []
    for i, cell in enumerate(cells):
        if is_solution(cell):
            later = [j for j in range(i + 1, len(cells)) if cells[j].cell_type == "code"]
            if not later or SOLUTION_BEGIN in cells[later[0]].source:
                raise ValueError(
                    f"cell {i}: a solution cell must be followed by its check cell (a code cell "
                    "with asserts); add one"
                )
            pairs.append((i, later[0]))
    return pairs


def written_answers(notebook) -> list[int]:
    """Indices of the markdown cells where a learner writes an answer graded by hand: nbgrader
    metadata ``solution: true`` (the student version shows "YOUR ANSWER HERE" there)."""
    return [
        i
        for i, cell in enumerate(notebook.cells)
        if cell.cell_type == "markdown" and cell.metadata.get("nbgrader", {}).get("solution")
    ]


def exercises_start(notebook) -> int:
    """Index of the markdown cell that opens the Exercises section (``## Exercises``)."""
    for i, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown" and _EXERCISES_HEADING.search(cell.source):
            return i
    raise ValueError("no '## Exercises' heading: every notebook has an Exercises section")
