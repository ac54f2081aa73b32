"""Put the course's notebooks into an nbgrader course, marked for autograding with points.

Usage: python scripts/nbgrader_source.py NOTEBOOK_DIR COURSE_DIR [--points N]

For every notebook NN_slug.ipynb it writes COURSE_DIR/source/NN_slug/NN_slug.ipynb with nbgrader's
cell metadata added: each cell holding ``### BEGIN SOLUTION`` becomes an "Autograded answer", the
check cell after it (the next code cell, ``# Check exercise N``) an "Autograder tests" cell,
read-only, with the exercise's hidden tests from data/assessment/<stem>.yaml appended between
``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``. Points come from each exercise's
difficulty in data/instructors/ (easy 1, medium 2, hard 3; written answers too), or --points N for
all. The Colab badge is removed (it opens the public student copy, which cannot be graded). Then,
in COURSE_DIR::

    nbgrader generate_assignment NN_slug     # student version in release/NN_slug/
    nbgrader autograde NN_slug               # after collecting submissions: points per check

After collecting, ``python scripts/nbgrader_source.py --check COURSE_DIR NN_slug`` lists the
submissions that lack a graded cell (deleted, or its metadata stripped). See book/instructors.md
("Import into nbgrader").
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat

# Run as a file (python scripts/nbgrader_source.py), the repository root is not on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts.notebook_cells import (  # noqa: E402
    PARTS_RIGHT,
    POINTS,
    SOLUTION_BEGIN,
    assessment_path,
    check_number,
    difficulties,
    exercises,
    graded_cells,
    load_assessment,
    read,
    written_answers,
)

SCHEMA_VERSION = 3


HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
COLAB_BADGE = re.compile(r"\[!\[Open In Colab\]\([^)]*\)\]\([^)]*\)\s*")


def mark_for_nbgrader(
    notebook: nbformat.NotebookNode,
    points: float | None = None,
    difficulties: list[str] | None = None,
    hidden_tests: dict[int, str] | None = None,
    partial_credit: dict[int, str] | None = None,
) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with nbgrader metadata on every exercise's answer and check cell.

    Points: ``points`` for every graded cell if given; otherwise from ``difficulties`` (one per
    exercise, written ones included, in notebook order: easy 1, medium 2, hard 3); otherwise 1.
    ``hidden_tests`` (exercise number N of ``# Check exercise N`` -> Python) are appended to that
    check cell between nbgrader's hidden-test markers, which ``generate_assignment`` removes.
    ``partial_credit`` (N -> Python that sets ``_parts_right``, part -> bool) grades exercise N in
    proportion to its parts right: a graded cell of hidden tests inserted between the answer and
    the check ends with the points earned (nbgrader takes a number as a test cell's last
    expression as partial credit), and the check stays for the learner's feedback, read-only.
    The Colab badge goes: it opens the public student copy, which nbgrader cannot grade.
    """
    if points is not None and points <= 0:
        raise ValueError(f"points must be positive, not {points}")
    copy = nbformat.from_dict(notebook)
    pairs = exercises(copy)
    if not pairs:
        raise ValueError(f"no '{SOLUTION_BEGIN}' marker: nothing for nbgrader to grade")
    graded = graded_cells(copy)
    if points is not None:
        worth = dict.fromkeys(graded, points)
    elif difficulties is not None:
        if len(difficulties) != len(graded):
            raise ValueError(
                f"data/instructors lists {len(difficulties)} exercises for this notebook, which "
                f"has {len(graded)} (checks and written answers): list each once, in order"
            )
        worth = {cell: POINTS[level] for cell, level in zip(graded, difficulties, strict=True)}
    else:
        worth = dict.fromkeys(graded, 1)
    hidden = dict(hidden_tests or {})
    partial = dict(partial_credit or {})
    inserted = []  # (index to insert before, cell), added once every index above is used
    # Written answers (markdown cells the notebook already marks for grading by hand) keep their
    # metadata but take the points of their difficulty; nbgrader's schema also requires "locked",
    # false for an answer the learner edits.
    for index in written_answers(copy):
        copy.cells[index].metadata["nbgrader"].setdefault("locked", False)
        copy.cells[index].metadata["nbgrader"]["points"] = worth[index]
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
            "points": worth[check],
            "schema_version": SCHEMA_VERSION,
            "solution": False,
            "task": False,
        }
        n = check_number(copy.cells[check])
        tests = hidden.pop(n, None)
        if n in partial:
            # The check cell (all or nothing) is only the learner's feedback here: read-only, so
            # autograde restores it, but worth nothing; the points go to the inserted cell.
            copy.cells[check].metadata["nbgrader"].update(grade=False)
            del copy.cells[check].metadata["nbgrader"]["points"]
            cell = parts_cell(n, partial.pop(n), worth[check], f"exercise-{number}-parts")
            inserted.append((check, cell))
        elif tests is not None:
            copy.cells[check].source = (
                copy.cells[check].source.rstrip("\n")
                + f"\n\n{HIDDEN_BEGIN}\n{tests.rstrip()}\n{HIDDEN_END}"
            )
    if hidden:
        raise ValueError(f"hidden tests for exercises {sorted(hidden)}, which have no check cell")
    if partial:
        raise ValueError(
            f"partial credit for exercises {sorted(partial)}, which have no check cell"
        )
    for index, cell in sorted(inserted, key=lambda pair: pair[0], reverse=True):
        copy.cells.insert(index, cell)
    for cell in copy.cells:
        if cell.cell_type == "markdown" and "colab.research.google.com" in cell.source:
            cell.source = COLAB_BADGE.sub("", cell.source)
    return copy


def parts_cell(number: int, code: str, points: float, grade_id: str) -> nbformat.NotebookNode:
    """The graded cell of exercise ``number``'s parts: ``code`` sets ``_parts_right`` (part ->
    bool); the cell prints which parts are right and ends with the points they earn, which
    nbgrader records as partial credit. Everything but its first line is hidden tests."""
    score = (
        f"print('Exercise {number}, graded in parts:', {{p: 'right' if r else 'wrong' "
        f"for p, r in {PARTS_RIGHT}.items()}})\n"
        f"round({points} * sum(map(bool, {PARTS_RIGHT}.values())) / len({PARTS_RIGHT}), 2)"
    )
    cell = nbformat.v4.new_code_cell(
        f"# Exercise {number} is graded here, in parts, by tests your instructor runs: "
        f"leave this cell as it is.\n{HIDDEN_BEGIN}\n{code.rstrip()}\n{score}\n{HIDDEN_END}"
    )
    cell.metadata["nbgrader"] = {
        "grade": True,
        "grade_id": grade_id,
        "locked": True,
        "points": points,
        "schema_version": SCHEMA_VERSION,
        "solution": False,
        "task": False,
    }
    return cell


def course_inputs(path: Path) -> dict:
    """The difficulty list and hidden tests of one notebook, from data/instructors and
    data/assessment (a notebook without an assessment file gets no hidden tests)."""
    data = assessment_path(path)
    entries = load_assessment(data, read(path)) if data.is_file() else {}
    return {
        "difficulties": difficulties(path),
        "hidden_tests": {n: e["hidden_tests"] for n, e in entries.items()},
        "partial_credit": {
            n: e["partial_credit"] for n, e in entries.items() if "partial_credit" in e
        },
    }


def write_course_source(source: Path, course: Path, points: float | None = None) -> list[Path]:
    """Write COURSE/source/<stem>/<notebook> for every notebook in ``source``."""
    written = []
    for path in sorted(source.glob("*.ipynb")):
        notebook = read(path)
        try:
            marked = mark_for_nbgrader(notebook, points, **course_inputs(path))
        except ValueError as error:
            raise SystemExit(f"{path}: {error}") from error
        target = course / "source" / path.stem / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(marked, target)
        written.append(target)
    return written


def missing_checks(source: nbformat.NotebookNode, submission: nbformat.NotebookNode) -> list[str]:
    """The graded and read-only cells of ``source`` (nbgrader grade ids) that ``submission``
    lacks: deleted, or with their nbgrader metadata stripped. nbgrader grades only the cells it finds, so such a
    submission would skip the real test; report it and grade that notebook by hand."""
    present = {cell.metadata.get("nbgrader", {}).get("grade_id") for cell in submission.cells}
    return [
        cell.metadata.nbgrader["grade_id"]
        for cell in source.cells
        if (
            cell.metadata.get("nbgrader", {}).get("grade")
            or cell.metadata.get("nbgrader", {}).get("locked")
        )
        and cell.metadata.nbgrader["grade_id"] not in present
    ]


def check_submissions(course: Path, assignment: str) -> list[str]:
    """One line per submission of ``assignment`` in COURSE/submitted/ that lacks a graded cell."""
    source = read(course / "source" / assignment / f"{assignment}.ipynb")
    problems = []
    for path in sorted((course / "submitted").glob(f"*/{assignment}/{assignment}.ipynb")):
        missing = missing_checks(source, read(path))
        if missing:
            problems.append(f"{path.relative_to(course)}: missing {', '.join(missing)}")
    return problems


if __name__ == "__main__":
    if sys.argv[1:2] == ["--check"]:
        # python scripts/nbgrader_source.py --check COURSE_DIR ASSIGNMENT
        if len(sys.argv) != 4:
            raise SystemExit("usage: nbgrader_source.py --check COURSE_DIR ASSIGNMENT")
        found = check_submissions(Path(sys.argv[2]), sys.argv[3])
        print("\n".join(found) or "every submission has all graded cells")
        raise SystemExit(1 if found else 0)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", type=Path, help="folder of the course's notebooks")
    parser.add_argument(
        "course", type=Path, help="the nbgrader course folder (nbgrader quickstart)"
    )
    parser.add_argument(
        "--points",
        type=float,
        default=None,
        help="the same points for every exercise (default: from its difficulty, easy 1, "
        "medium 2, hard 3, in data/instructors/)",
    )
    args = parser.parse_args()
    for out in write_course_source(args.notebooks, args.course, args.points):
        print(f"wrote {out}")
