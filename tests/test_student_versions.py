"""Student versions: solutions are stripped, every check fails without them and passes with them.

The full notebooks' check cells pass: strict nbval re-executes them in `make test` and the
committed outputs (asserted error-free here) are what it compares against. This test executes
each student version (offline, with the network audit) and requires every check cell to fail.
"""

from __future__ import annotations

import importlib.util

import nbformat
import pytest
from nbclient import NotebookClient

from tests.notebook_cells import NOTEBOOKS, ROOT, SOLUTION_BEGIN, exercises, read

_spec = importlib.util.spec_from_file_location(
    "student_versions", ROOT / "scripts" / "student_versions.py"
)
student_versions = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(student_versions)


def _errors(cell) -> list[str]:
    return [out.ename for out in cell.get("outputs", []) if out.output_type == "error"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_checks_pass_in_the_full_version_and_fail_in_the_student_version(path):
    full = read(path)
    pairs = exercises(full)
    assert pairs, "no exercises"
    for _, check in pairs:
        assert not _errors(full.cells[check]), "a check fails in the committed full notebook"

    student = student_versions.student_version(full)
    assert not any(SOLUTION_BEGIN in cell.source for cell in student.cells)
    for solution, _ in pairs:
        assert "raise NotImplementedError()" in student.cells[solution].source
    # Nothing after the last check cell can change the verdict: skip it to save time.
    student.cells = student.cells[: pairs[-1][1] + 1]

    # Executed next to the original so relative paths resolve as they do for a learner. Under
    # `make test` the kernel runs with the network audit (PYTHONPATH, OSAI_NETAUDIT_LOG).
    client = NotebookClient(
        student, timeout=600, allow_errors=True, resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    for number, (_, check) in enumerate(pairs, 1):
        assert _errors(student.cells[check]), (
            f"exercise {number}'s check passes without a solution: it must test the learner's answer"
        )
    nbformat.validate(student)
