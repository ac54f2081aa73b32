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
import sys
from pathlib import Path

import nbformat

# Run as a file (python scripts/nbgrader_source.py), the repository root is not on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts.notebook_cells import (  # noqa: E402
    SOLUTION_BEGIN,
    exercises,
    read,
    written_answers,
)

SCHEMA_VERSION = 3


def mark_for_nbgrader(notebook: nbformat.NotebookNode, points: float = 1) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with nbgrader metadata on every exercise's answer and check cell."""
    if points <= 0:
        raise ValueError(f"points must be positive, not {points}")
    copy = nbformat.from_dict(notebook)
    pairs = exercises(copy)
    if not pairs:
        raise ValueError(f"no '{SOLUTION_BEGIN}' marker: nothing for nbgrader to grade")
    # Written answers (markdown cells the notebook already marks for grading by hand) keep their
    # metadata; nbgrader's schema also requires "locked", false for an answer the learner edits.
    for index in written_answers(copy):
        copy.cells[index].metadata["nbgrader"].setdefault("locked", False)
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
        notebook = read(path)
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
