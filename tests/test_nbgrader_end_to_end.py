"""The instructor's grading path, end to end, with real nbgrader: book/instructors.md's commands.

A course is built in a temporary folder from 02_components and 06_legal exactly as the guide says
(``nbgrader quickstart``, the course's ``scripts/nbgrader_source.py``, the guide's configuration
lines, ``nbgrader generate_assignment``), and four synthetic learners hand in each released
notebook:

- ``correct``: every answer cell holds the full notebook's solution (written answers its model
  answer);
- ``blank``: the released notebook as it is;
- ``misconceived``: every exercise answered with a plausible wrong answer from the misconception
  bank (data/assessment/), run after the solution as the bank's own test runs it;
- ``gamer``: hard-coded printed values or a copied reference entry (the bank's "copies" and
  "brute-forced" answers), the first exercise's graded cell edited to print "passed" and end with
  the full points, the last exercise's graded cell deleted.

``nbgrader_source.py --check`` and ``nbgrader autograde`` run as the guide says, offline (the
network audit on every process), and the scores are read from nbgrader's gradebook. The written
answers are then graded by hand the way formgrader stores a grade (nbgrader's Gradebook API,
``manual_score``), so the correct learner ends at full marks.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from scripts.notebook_cells import ROOT, assessment_path, check_number, load_assessment, read

pytest.importorskip("nbgrader")
from nbgrader.api import Gradebook  # noqa: E402

ASSIGNMENTS = ("02_components", "06_legal")
LEARNERS = ("correct", "blank", "misconceived", "gamer")
BIN = Path(sys.executable).parent  # the venv's programs, as the guide has instructors use them
# The bank's answers that game a check rather than misunderstand the exercise.
GAMING = re.compile(r"cop(y|ies)|brute|hard-cod", re.IGNORECASE)
# The lines book/instructors.md has instructors add to nbgrader_config.py.
CONFIG_LINES = ("c.ExecutePreprocessor.timeout = 300", "c.OverwriteCells.add_missing_cells = True")


def _run(args, cwd: Path, env: dict, ok=(0,)) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode in ok, (
        f"{' '.join(map(str, args))} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    )
    return done


def _nbgrader(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _points(cell):
    return _nbgrader(cell).get("points")


def _answers(source) -> dict[int, dict]:
    """Check number N -> the answer cell's grade id, the graded cell's grade id and points."""
    by_id = {_nbgrader(c).get("grade_id"): c for c in source.cells if _nbgrader(c)}
    found = {}
    for grade_id, cell in by_id.items():
        match = re.fullmatch(r"exercise-(\d+)-answer", grade_id or "")
        if not match:
            continue
        k = match.group(1)
        number = check_number(by_id[f"exercise-{k}-check"])
        graded = f"exercise-{k}-parts" if f"exercise-{k}-parts" in by_id else f"exercise-{k}-check"
        found[number] = {
            "answer": grade_id,
            "solution": cell.source,
            "graded": graded,
            "points": _points(by_id[graded]),
        }
    return found


def _submission(release, source, bank: dict, learner: str):
    """The notebook ``learner`` hands in, built from the released one."""
    notebook = nbformat.from_dict(release)
    answers = _answers(source)
    model = {
        _nbgrader(c)["grade_id"]: c.source for c in source.cells if _nbgrader(c).get("solution")
    }
    by_answer = {a["answer"]: (n, a) for n, a in answers.items()}
    for cell in notebook.cells:
        grade_id = _nbgrader(cell).get("grade_id")
        if learner == "correct" and _nbgrader(cell).get("solution"):
            cell.source = model[grade_id]
        elif learner in ("misconceived", "gamer") and grade_id in by_answer:
            number, answer = by_answer[grade_id]
            wrong = [w for w in bank[number]["wrong_answers"]]
            if learner == "misconceived":
                pick = next(w for w in wrong if not GAMING.search(w["why"]))
                cell.source = answer["solution"] + "\n\n" + pick["code"]
            else:
                pick = next(w for w in wrong if GAMING.search(w["why"]))
                cell.source = pick["code"]
    if learner == "gamer":
        first, last = answers[min(answers)], answers[max(answers)]
        for cell in notebook.cells:
            if _nbgrader(cell).get("grade_id") == first["graded"]:
                cell.source = f'print("Exercise passed")\n{first["points"]}'
        notebook.cells = [
            c for c in notebook.cells if _nbgrader(c).get("grade_id") != last["graded"]
        ]
    return notebook


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    top = tmp_path_factory.mktemp("nbgrader")
    notebooks = top / "notebooks"
    notebooks.mkdir()
    for name in ASSIGNMENTS:
        shutil.copy(ROOT / "notebooks" / f"{name}.ipynb", notebooks)
    netlog = top / "netaudit.log"
    env = {k: v for k, v in os.environ.items() if k != "OSAI_STATS_FILE"}
    env.update(
        PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}",
        PYTHONPATH=os.pathsep.join([str(ROOT / "tests" / "netaudit"), env.get("PYTHONPATH", "")]),
        OSAI_NETAUDIT_LOG=str(netlog),
        HF_HUB_OFFLINE="1",
    )
    started = time.monotonic()
    # The guide's set-up, command for command.
    _run(["nbgrader", "quickstart", "my-course"], top, env)
    shutil.rmtree(top / "my-course" / "source" / "ps1")
    _run(["python", ROOT / "scripts" / "nbgrader_source.py", notebooks, "my-course"], top, env)
    config = top / "my-course" / "nbgrader_config.py"
    config.write_text(config.read_text() + "\n" + "\n".join(CONFIG_LINES) + "\n")
    home = top / "my-course"
    checks, logs = {}, {}
    for name in ASSIGNMENTS:
        _run(["nbgrader", "generate_assignment", name], home, env)
        release = read(home / "release" / name / f"{name}.ipynb")
        source = read(home / "source" / name / f"{name}.ipynb")
        bank = load_assessment(assessment_path(Path(f"{name}.ipynb")), None)
        for learner in LEARNERS:
            target = home / "submitted" / learner / name / f"{name}.ipynb"
            target.parent.mkdir(parents=True)
            nbformat.write(_submission(release, source, bank, learner), target)
        checks[name] = _run(
            ["python", ROOT / "scripts" / "nbgrader_source.py", "--check", ".", name],
            home,
            env,
            ok=(0, 1),
        )
        logs[name] = _run(["nbgrader", "autograde", name], home, env)
    reached = netlog.read_text() if netlog.exists() else ""
    assert not reached, f"a process tried to reach beyond this machine:\n{reached}"
    scores = {}
    with Gradebook(f"sqlite:///{home / 'gradebook.db'}") as gradebook:
        for name in ASSIGNMENTS:
            for learner in LEARNERS:
                submitted = gradebook.find_submission_notebook(name, name, learner)
                scores[name, learner] = {
                    g.name: (g.auto_score, g.max_score, g.cell.cell_type) for g in submitted.grades
                }
    print(f"\nnbgrader end to end: {time.monotonic() - started:.0f} s")
    for (name, learner), grades in scores.items():
        auto = sum(s or 0 for s, _, t in grades.values() if t == "code")
        most = sum(m for _, m, t in grades.values() if t == "code")
        print(f"{name:14} {learner:13} automatic {auto:g}/{most:g}  {grades}")
    return {"home": home, "scores": scores, "checks": checks, "logs": logs}


def _auto(grades: dict) -> float:
    return sum(score or 0 for score, _, kind in grades.values() if kind == "code")


def _auto_max(grades: dict) -> float:
    return sum(most for _, most, kind in grades.values() if kind == "code")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_correct_gets_every_automatic_point_and_blank_none(course, name):
    correct, blank = course["scores"][name, "correct"], course["scores"][name, "blank"]
    assert _auto_max(correct) > 0
    for grade_id, (score, most, kind) in correct.items():
        if kind == "code":
            assert score == most, f"{name}: the full solution earns {score}/{most} on {grade_id}"
    assert _auto(blank) == 0, f"{name}: the unanswered release earns points: {blank}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_each_misconception_loses_points_and_gaming_pays_no_more(course, name):
    source = read(course["home"] / "source" / name / f"{name}.ipynb")
    misconceived = course["scores"][name, "misconceived"]
    for number, answer in _answers(source).items():
        score, most, _ = misconceived[answer["graded"]]
        assert score < most, f"{name} exercise {number}: a misconception earns {score}/{most}"
    gamer = course["scores"][name, "gamer"]
    assert _auto(gamer) <= _auto(misconceived), (
        f"{name}: the gamer earns {_auto(gamer)}, the misconceived learner {_auto(misconceived)}"
    )


def test_partial_credit_for_independent_parts(course):
    # 06_legal's exercises are five scenarios each: a learner who gets some right earns a share.
    source = read(course["home"] / "source" / "06_legal" / "06_legal.ipynb")
    misconceived = course["scores"]["06_legal", "misconceived"]
    shares = [misconceived[a["graded"]] for a in _answers(source).values()]
    assert any(0 < score < most for score, most, _ in shares), shares


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_deleted_check_is_reported(course, name):
    check = course["checks"][name]
    source = read(course["home"] / "source" / name / f"{name}.ipynb")
    deleted = _answers(source)[max(_answers(source))]["graded"]
    assert check.returncode == 1
    assert check.stdout.strip() == f"submitted/gamer/{name}/{name}.ipynb: missing {deleted}"
    # nbgrader itself puts the deleted graded cell back (c.OverwriteCells.add_missing_cells) and
    # runs it, and says so in its log.
    log = course["logs"][name].stdout + course["logs"][name].stderr
    assert f"Missing grade cell {deleted} encountered" in log


def test_written_answers_graded_by_hand_give_full_marks(course):
    # What formgrader does when the instructor enters a written answer's points: it sets the
    # grade's manual_score through nbgrader's Gradebook API. With the rubric's 2 points for each
    # model answer, the correct learner has every point of the assignment.
    with Gradebook(f"sqlite:///{course['home'] / 'gradebook.db'}") as gradebook:
        for name in ASSIGNMENTS:
            submitted = gradebook.find_submission_notebook(name, name, "correct")
            written = [g for g in submitted.grades if g.cell.cell_type == "markdown"]
            assert written, f"{name} has no written answer"
            for grade in written:
                assert grade.auto_score is None, f"{name}: {grade.name} needs a manual grade"
                grade.manual_score = grade.max_score
            gradebook.db.commit()
            assert (
                submitted.score
                == submitted.max_score
                > _auto_max(course["scores"][name, "correct"])
            )
