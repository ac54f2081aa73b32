"""The Colab simulation: every student version runs the way a learner who clicks "Open in Colab"
gets it, and every exercise check fails there until the learner writes the answer.

Each student version (generated in memory from notebooks/, identical to the committed copy in
student/, which tests/test_student_folder.py checks) is executed:

- in a fresh temporary working directory outside the checkout, with an empty home directory;
- with a stub ``google.colab`` imported at kernel start-up (tests/colab/), so ``IN_COLAB`` is true
  and the Colab set-up branch runs: its ``%pip install`` lines are answered from this machine
  only, the course package from the wheel built here (``pip wheel --no-deps .``) into the
  runtime's own site folder, and this environment's editable osai is hidden from the kernel;
- with the hub allowed, as ``osai.offline(allow_hub=IN_COLAB)`` allows it on Colab, and the network
  audit on (tests/netaudit/sitecustomize.py): any connection beyond loopback fails the notebook;
- without the optional ``# NBVAL_SKIP`` cells, as nbval skips them.

Every check cell must fail in the student version. At each check the learner then tries the
plausible wrong answers of the exercise's misconception bank (data/assessment/<stem>.yaml, format in
scripts/notebook_cells.py ``load_assessment``): each wrong answer's code replaces the solution and
the check must fail with a non-empty message that contains the entry's ``message``. Then the real
solution (from the full notebook) runs, the check must pass and the exercise's hidden tests (the
nbgrader source's, scripts/nbgrader_source.py) must pass. So the rest of the notebook runs as for
a learner who solved the exercise, and every other cell must run without an error. ``osai`` must
have been imported from the installed wheel. One kernel per notebook does all of it: the banks
cost no second execution of the notebooks.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from scripts.notebook_cells import (
    NOTEBOOKS,
    ROOT,
    SOLUTION_BEGIN,
    STUB,
    assessment_path,
    check_number,
    exercises,
    is_skipped,
    load_assessment,
    read,
    repository_url,
)
from scripts.student_versions import student_version

COLAB = ROOT / "tests" / "colab"
NETAUDIT = ROOT / "tests" / "netaudit"
PROBE = "COLAB-PROBE "
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def colab(tmp_path_factory) -> dict[str, Path]:
    """What every simulated runtime shares: the built wheel, IPython's start-up, an empty home."""
    root = tmp_path_factory.mktemp("colab")
    wheelhouse = root / "wheelhouse"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--disable-pip-version-check", "-w", str(wheelhouse), str(ROOT)],
        check=True,
    )
    (wheel,) = wheelhouse.glob("osai-*.whl")
    startup = root / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text((COLAB / "startup.py").read_text(encoding="utf-8"))
    home = root / "home"
    home.mkdir()
    return {"wheel": wheel, "ipython": root / "ipython", "home": home}


def _errors(cell) -> list:
    return [out for out in cell.get("outputs", []) if out.output_type == "error"]


def _describe(index: int, cell) -> str:
    error = _errors(cell)[0]
    trace = ANSI.sub("", "\n".join(error.get("traceback", [])[-6:]))
    return f"cell {index} ({cell.source.splitlines()[0][:70]!r}): {error.ename}: {error.evalue}\n{trace}"


# Notebooks whose exercises have no misconception bank yet: their checks must still fail without
# a solution and pass with it. Remove a notebook from here when its bank is written.
NOT_YET_BANKED: set[str] = set()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_has_a_misconception_bank(path):
    banked = assessment_path(path).is_file()
    if path.stem in NOT_YET_BANKED:
        assert not banked, f"{path.stem} has a bank now: remove it from NOT_YET_BANKED"
    else:
        assert banked, (
            f"no {assessment_path(path).relative_to(ROOT)}: every notebook with checks needs a "
            "misconception bank (the format is in scripts/notebook_cells.py, load_assessment)"
        )


def _run(client, cell, index: int):
    """Run one cell in the kernel; the (ename, evalue) it raised, or None if it ran cleanly."""
    try:
        client.execute_cell(cell, index)
    except CellExecutionError as error:
        return error.ename, error.evalue
    return None


def _bank_problems(client, label: str, entry: dict, check: str, solution: str, index: int):
    """Each wrong answer, then the solution, the check and the hidden tests, in the kernel.

    The solution runs first too: wrong answers may use helpers it defines, as a learner's second
    try would use what their first defined."""
    problems = []
    raised = _run(client, nbformat.v4.new_code_cell(solution), index)
    if raised is not None:
        return [f"{label}: the solution raised {raised[0]}: {raised[1]}"]
    for k, wrong in enumerate(entry["wrong_answers"], start=1):
        what = f"{label}, wrong answer {k} ({wrong['why']})"
        raised = _run(client, nbformat.v4.new_code_cell(wrong["code"]), index)
        if raised is not None:
            problems.append(f"{what}: its code itself raised {raised[0]}: {raised[1]}")
            continue
        raised = _run(client, nbformat.v4.new_code_cell(check), index)
        if raised is None:
            problems.append(f"{what}: the check passes")
        elif not raised[1].strip():
            problems.append(f"{what}: the check fails with a bare {raised[0]}")
        elif wrong["message"].lower() not in raised[1].lower():
            problems.append(
                f"{what}: the message {raised[1]!r} does not contain {wrong['message']!r}"
            )
    for part, source in (
        ("the solution", solution),
        ("the check, after the solution", check),
        ("the hidden tests", entry["hidden_tests"]),
    ):
        raised = _run(client, nbformat.v4.new_code_cell(source), index)
        if raised is not None:
            problems.append(f"{label}: {part} raised {raised[0]}: {raised[1]}")
    return problems


def _simulated(student: nbformat.NotebookNode, last: int) -> nbformat.NotebookNode:
    """The cells a learner runs up to the last check, optional cells skipped, and a probe."""
    notebook = nbformat.from_dict(student)
    cells = notebook.cells[: last + 1]
    for i, cell in enumerate(cells):
        if is_skipped(cell):  # as nbval skips it; kept as a raw cell so indices stay the same
            cells[i] = nbformat.v4.new_raw_cell(cell.source)
    probe = (
        "import json as _json, sys as _sys\nimport osai as _osai\n"
        f"print({PROBE!r} + _json.dumps({{'in_colab': IN_COLAB, "
        "'google_colab': 'google.colab' in _sys.modules, 'osai': _osai.__file__}))"
    )
    notebook.cells = [*cells, nbformat.v4.new_code_cell(probe)]
    return notebook


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_the_student_version_runs_as_on_colab_and_its_checks_catch_misconceptions(
    path, colab, tmp_path, monkeypatch
):
    full = read(path)
    pairs = exercises(full)
    assert pairs, "no exercises"
    for _, check in pairs:
        assert not _errors(full.cells[check]), "a check fails in the committed full notebook"
    data = assessment_path(path)
    bank = load_assessment(data, full) if data.is_file() else {}
    numbers = {check: check_number(full.cells[check]) for _, check in pairs}
    if path.stem not in NOT_YET_BANKED:
        missing = sorted(n for n in numbers.values() if n not in bank)
        assert not missing, f"{data.name}: no entry for exercises {missing} (each check needs one)"

    student = student_version(full)
    assert not any(SOLUTION_BEGIN in cell.source for cell in student.cells)
    for solution, _ in pairs:
        assert STUB in student.cells[solution].source
    # Nothing after the last check cell can change the verdict: skip it to save time.
    notebook = _simulated(student, pairs[-1][1])

    site, content = tmp_path / "site", tmp_path / "content"
    site.mkdir()
    content.mkdir()
    netlog, piplog = tmp_path / "netaudit.log", tmp_path / "pip.jsonl"
    # The kernel inherits this environment (jupyter_client copies os.environ).
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(map(str, [site, COLAB / "site", NETAUDIT])))
    monkeypatch.setenv("OSAI_NETAUDIT_LOG", str(netlog))
    monkeypatch.setenv("IPYTHONDIR", str(colab["ipython"]))
    monkeypatch.setenv("HOME", str(colab["home"]))
    monkeypatch.setenv("OSAI_COLAB_WHEEL", str(colab["wheel"]))
    monkeypatch.setenv("OSAI_COLAB_SITE", str(site))
    monkeypatch.setenv("OSAI_COLAB_LOG", str(piplog))
    monkeypatch.setenv("OSAI_COLAB_REPOSITORY", repository_url())
    # Colab sets none of these: the notebook's own osai.offline(allow_hub=IN_COLAB) decides.
    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "OSAI_DATA_DIR", "OSAI_STATS_FILE"):
        monkeypatch.delenv(name, raising=False)

    client = NotebookClient(
        notebook, timeout=600, allow_errors=False, resources={"metadata": {"path": str(content)}}
    )
    solutions = {solution for solution, _ in pairs}
    checks = {check: solution for solution, check in pairs}
    failures, passing_checks, problems = [], [], []
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type != "code":
                continue
            raised = _run(client, cell, index)
            if index in solutions:  # the stub: raises NotImplementedError, as it should
                continue
            if index in checks:
                number = numbers[index]
                if raised is None:
                    passing_checks.append(number)
                entry = bank.get(number)
                solution = full.cells[checks[index]].source
                if entry is None:  # no bank yet: the solution and its check must still pass
                    entry = {"wrong_answers": [], "hidden_tests": "pass"}
                problems += _bank_problems(
                    client, f"{path.stem} exercise {number}", entry, cell.source, solution, index
                )
                continue
            if raised is not None:
                failures.append(_describe(index, cell))
    if keep := os.environ.get("OSAI_COLAB_KEEP"):  # a folder for the executed notebooks, to debug
        nbformat.write(notebook, Path(keep) / path.name)

    reached = netlog.read_text() if netlog.exists() else ""
    assert not reached, f"a cell tried to reach beyond this machine on 'Colab':\n{reached}"
    assert not failures, "on 'Colab', with every exercise solved:\n" + "\n".join(failures)

    probe = "".join(out.get("text", "") for out in notebook.cells[-1].outputs)
    assert PROBE in probe, f"the probe cell did not run: {notebook.cells[-1].outputs}"
    seen = json.loads(probe.split(PROBE, 1)[1])
    assert seen["in_colab"] and seen["google_colab"], "the Colab set-up branch did not run"
    assert Path(seen["osai"]).is_relative_to(site), (
        f"osai was imported from {seen['osai']}, not from the wheel the notebook installed"
    )
    installs = [json.loads(line) for line in piplog.read_text().splitlines()]
    assert any(entry["osai"] for entry in installs), "no `%pip install` of the course package"

    assert not passing_checks, (
        f"the checks of exercises {passing_checks} pass without a solution: "
        "they must test the learner's answer"
    )
    assert not problems, "\n".join(problems)
    nbformat.validate(notebook)
