"""The misconception bank: every exercise's check rejects plausible wrong answers, with a message.

data/assessment/<stem>.yaml lists, for every auto-checked exercise (``# Check exercise N``), at
least three wrong answers (``code`` that replaces the solution cell, ``why`` it is wrong, and
``message``: text the check's failure message must contain, case-insensitively) and the
``hidden_tests`` that the nbgrader source appends to the check (scripts/nbgrader_source.py).

One kernel per notebook (nbclient) runs the full notebook's cells in order, offline, with the
network audit on (tests/netaudit/sitecustomize.py), without the ``# NBVAL_SKIP`` cells, from the
notebooks/ folder as nbval does. At each check cell with a bank entry it runs, for every wrong
answer, the wrong code and then the check, and asserts that the check raised an error whose
message is non-empty and contains ``message``; then it runs the real solution again, the check
(which must pass) and the hidden tests (which must pass). `make test` runs it.
"""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from scripts.notebook_cells import (
    NOTEBOOKS,
    ROOT,
    assessment_path,
    check_number,
    exercises,
    is_skipped,
    load_assessment,
    read,
)

NETAUDIT = ROOT / "tests" / "netaudit"
WITH_CHECKS = [p for p in NOTEBOOKS if exercises(read(p))]


def _error(client, source: str, index: int):
    """Run ``source`` in the kernel; the (ename, evalue) it raised, or None if it ran cleanly."""
    cell = nbformat.v4.new_code_cell(source)
    try:
        client.execute_cell(cell, index)
    except CellExecutionError as error:
        return error.ename, error.evalue
    return None


def test_every_notebook_with_checks_is_covered():
    assert WITH_CHECKS, "no notebook has a check cell: is the exercise convention still right?"


@pytest.mark.parametrize("path", WITH_CHECKS, ids=[p.stem for p in WITH_CHECKS])
def test_checks_reject_the_wrong_answers(path, tmp_path, monkeypatch):
    data = assessment_path(path)
    if not data.is_file():
        pytest.skip(
            f"no {data.relative_to(ROOT)} yet: every notebook with checks needs a misconception "
            "bank (the format is in scripts/notebook_cells.py, load_assessment)"
        )
    notebook = read(path)
    bank = load_assessment(data, notebook)
    solutions = {check: solution for solution, check in exercises(notebook)}
    checked = {check_number(notebook.cells[c]): c for c in solutions}
    missing = sorted(set(checked) - set(bank))
    assert not missing, f"{data.name}: no entry for exercises {missing} (each check needs one)"

    netlog = tmp_path / "netaudit.log"
    # The kernel inherits this environment (jupyter_client copies os.environ).
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join([str(NETAUDIT), os.environ.get("PYTHONPATH", "")])
    )
    monkeypatch.setenv("OSAI_NETAUDIT_LOG", str(netlog))
    monkeypatch.delenv("OSAI_STATS_FILE", raising=False)
    client = NotebookClient(
        notebook,
        timeout=600,
        allow_errors=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    problems: list[str] = []
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code" or is_skipped(cell):
                continue
            number = check_number(cell)
            if index in solutions and number in bank:
                label = f"{path.stem} exercise {number}"
                for k, wrong in enumerate(bank[number]["wrong_answers"], start=1):
                    what = f"{label}, wrong answer {k} ({wrong['why']})"
                    raised = _error(client, wrong["code"], index)
                    if raised is not None:
                        problems.append(f"{what}: its code itself raised {raised[0]}: {raised[1]}")
                        continue
                    raised = _error(client, cell.source, index)
                    if raised is None:
                        problems.append(f"{what}: the check passes")
                    elif not raised[1].strip():
                        problems.append(f"{what}: the check fails with a bare {raised[0]}")
                    elif wrong["message"].lower() not in raised[1].lower():
                        problems.append(
                            f"{what}: the message {raised[1]!r} does not contain "
                            f"{wrong['message']!r}"
                        )
                # The real solution, its check and the hidden tests, in the same kernel.
                for part, source in (
                    ("the solution", notebook.cells[solutions[index]].source),
                    ("the check, after the solution", cell.source),
                    ("the hidden tests", bank[number]["hidden_tests"]),
                ):
                    raised = _error(client, source, index)
                    if raised is not None:
                        problems.append(f"{label}: {part} raised {raised[0]}: {raised[1]}")
                continue
            raised = _error(client, cell.source, index)
            assert raised is None, f"{path.stem} cell {index} raised {raised[0]}: {raised[1]}"
    reached = netlog.read_text() if netlog.exists() else ""
    assert not reached, f"a cell tried to reach beyond this machine:\n{reached}"
    assert not problems, "\n".join(problems)
