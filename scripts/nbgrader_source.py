"""Put the course's notebooks into an nbgrader course, marked for autograding with points.

Usage: python scripts/nbgrader_source.py NOTEBOOK_DIR COURSE_DIR [--points N]

For every notebook NN_slug.ipynb it writes COURSE_DIR/source/NN_slug/NN_slug.ipynb with nbgrader's
cell metadata added: each cell holding ``### BEGIN SOLUTION`` becomes an "Autograded answer", the
check cell after it (the next code cell, ``# Check exercise N``) an "Autograder tests" cell worth
N points (default 1), read-only. Nothing else changes. Then, in COURSE_DIR::

    nbgrader generate_assignment NN_slug     # student version in release/NN_slug/
    nbgrader autograde NN_slug               # after collecting submissions: points per check

See book/instructors.md ("Import into nbgrader").
"""

from __future__ import annotations

import argparse
from pathlib import Path

import nbformat

SOLUTION_BEGIN = "### BEGIN SOLUTION"
SCHEMA_VERSION = 3


def exercise_cells(notebook: nbformat.NotebookNode) -> list[tuple[int, int]]:
    """(solution cell index, check cell index) pairs; the check is the next code cell."""
    cells = notebook.cells
    pairs = []
    for i, cell in enumerate(cells):
        if cell.cell_type == "code" and SOLUTION_BEGIN in cell.source:
            later = [j for j in range(i + 1, len(cells)) if cells[j].cell_type == "code"]
            if not later or SOLUTION_BEGIN in cells[later[0]].source:
                raise ValueError(
                    f"cell {i}: a solution cell must be followed by its check cell (a code cell "
                    "with asserts); add one"
                )
            pairs.append((i, later[0]))
    return pairs


def mark_for_nbgrader(notebook: nbformat.NotebookNode, points: float = 1) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with nbgrader metadata on every exercise's answer and check cell."""
    if points <= 0:
        raise ValueError(f"points must be positive, not {points}")
    copy = nbformat.from_dict(notebook)
    pairs = exercise_cells(copy)
    if not pairs:
        raise ValueError(f"no '{SOLUTION_BEGIN}' marker: nothing for nbgrader to grade")
    for number, (solution, check) in enumerate(pairs, start=1):
        copy.cells[solution].metadata["nbgrader"] = {
            "grade": False,
            "grade_id": f"exercise-{number}-answer",
            "locked": False,
            "schema_version": SCHEMA_VERSION,
            "solution": True,
            "task": False,
        }
        copy.cells[check].metadata["nbgrader"] = {
            "grade": True,
            "grade_id": f"exercise-{number}-check",
            "locked": True,
            "points": points,
            "schema_version": SCHEMA_VERSION,
            "solution": False,
            "task": False,
        }
    return copy


def write_course_source(source: Path, course: Path, points: float = 1) -> list[Path]:
    """Write COURSE/source/<stem>/<notebook> for every notebook in ``source``."""
    written = []
    for path in sorted(source.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        try:
            marked = mark_for_nbgrader(notebook, points)
        except ValueError as error:
            raise SystemExit(f"{path}: {error}") from error
        target = course / "source" / path.stem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(marked, target)
        written.append(target)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", type=Path, help="folder of the course's notebooks")
    parser.add_argument(
        "course", type=Path, help="the nbgrader course folder (nbgrader quickstart)"
    )
    parser.add_argument("--points", type=float, default=1, help="points per exercise (default 1)")
    args = parser.parse_args()
    for out in write_course_source(args.notebooks, args.course, args.points):
        print(f"wrote {out}")
