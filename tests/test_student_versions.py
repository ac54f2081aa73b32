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

Every cell before the Exercises section must run without an error, every check cell must fail,
and ``osai`` must have been imported from the installed wheel. The full notebooks' checks pass:
strict nbval re-executes them in `make test`, and their committed outputs are asserted here.
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

from scripts.notebook_cells import (
    NOTEBOOKS,
    ROOT,
    SOLUTION_BEGIN,
    STUB,
    exercises,
    exercises_start,
    is_skipped,
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
def test_the_student_version_runs_as_on_colab_and_its_checks_fail(
    path, colab, tmp_path, monkeypatch
):
    full = read(path)
    pairs = exercises(full)
    assert pairs, "no exercises"
    for _, check in pairs:
        assert not _errors(full.cells[check]), "a check fails in the committed full notebook"

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
        notebook, timeout=600, allow_errors=True, resources={"metadata": {"path": str(content)}}
    )
    client.execute()
    if keep := os.environ.get("OSAI_COLAB_KEEP"):  # a folder for the executed notebooks, to debug
        nbformat.write(notebook, Path(keep) / path.name)

    reached = netlog.read_text() if netlog.exists() else ""
    assert not reached, f"a cell tried to reach beyond this machine on 'Colab':\n{reached}"
    start = exercises_start(full)
    failures = [
        _describe(i, cell)
        for i, cell in enumerate(notebook.cells[:start])
        if cell.cell_type == "code" and _errors(cell)
    ]
    assert not failures, "before the Exercises section, on 'Colab':\n" + "\n".join(failures)

    probe = "".join(out.get("text", "") for out in notebook.cells[-1].outputs)
    assert PROBE in probe, f"the probe cell did not run: {notebook.cells[-1].outputs}"
    seen = json.loads(probe.split(PROBE, 1)[1])
    assert seen["in_colab"] and seen["google_colab"], "the Colab set-up branch did not run"
    assert Path(seen["osai"]).is_relative_to(site), (
        f"osai was imported from {seen['osai']}, not from the wheel the notebook installed"
    )
    installs = [json.loads(line) for line in piplog.read_text().splitlines()]
    assert any(entry["osai"] for entry in installs), "no `%pip install` of the course package"

    for number, (_, check) in enumerate(pairs, 1):
        assert _errors(notebook.cells[check]), (
            f"exercise {number}'s check passes without a solution: it must test the learner's answer"
        )
    nbformat.validate(notebook)
