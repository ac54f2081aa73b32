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


def book_config(path: Path = ROOT / "_config.yml") -> dict:
    """The book's _config.yml, parsed: the one reader of it that tools and tests share."""
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def repository(path: Path = ROOT / "_config.yml") -> tuple[str, str]:
    """The repository URL and branch configured once in _config.yml. Both must be set: Jupyter
    Book would fill in a branch of its own for the book's buttons, so no default is guessed."""
    config = book_config(path).get("repository") or {}
    missing = [key for key in ("url", "branch") if not config.get(key)]
    if missing:
        raise ValueError(f"{path}: set repository: {' and '.join(missing)} (e.g. branch: main).")
    return config["url"].rstrip("/"), config["branch"]


def repository_url() -> str:
    """The repository URL configured once in _config.yml."""
    return repository()[0]


def _colab(folder: str, path: Path) -> str:
    url, branch = repository()
    slug = url.removeprefix("https://github.com/")
    return (
        f"https://colab.research.google.com/github/{slug}/blob/{branch}/{folder}/{Path(path).name}"
    )


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


# --- Assessment data: data/assessment/<stem>.yaml and the difficulty in data/instructors/ ---

ASSESSMENT_DIR = ROOT / "data" / "assessment"
INSTRUCTORS_DIR = ROOT / "data" / "instructors"
CHECK_PREFIX = "# Check exercise "
MIN_WRONG_ANSWERS = 3
# What an assessment entry's partial_credit code sets: {part: True if right}.
PARTS_RIGHT = "_parts_right"
# Points per exercise from its difficulty in data/instructors/chNN.yaml.
POINTS = {"easy": 1, "medium": 2, "hard": 3}


class AssessmentError(ValueError):
    """A data/assessment file that does not follow the format (the message says how to fix it)."""


def check_number(cell) -> int | None:
    """N for a check cell whose first line is ``# Check exercise N``, else None."""
    first = (cell.source.splitlines() or [""])[0].strip()
    if cell.cell_type != "code" or not first.startswith(CHECK_PREFIX):
        return None
    number = first.removeprefix(CHECK_PREFIX).split()[0].rstrip(":.")
    return int(number) if number.isdigit() else None


def load_assessment(path: Path, notebook=None) -> dict[int, dict]:
    """The exercises of one data/assessment/<stem>.yaml, by exercise number, validated.

    Each entry: ``exercise`` (the N of the check cell ``# Check exercise N``), ``wrong_answers``
    (at least three, each with ``why``, ``code`` and ``message``) and ``hidden_tests`` (Python);
    optionally ``partial_credit`` (Python that sets ``_parts_right``, a dict part -> bool, for an
    exercise of independent parts: the nbgrader source grades it in proportion, instead of the
    all-or-nothing check and hidden tests).
    Given the notebook, every ``exercise`` must name one of its check cells.
    """
    where = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise AssessmentError(f"{where}: not valid YAML: {error}") from error
    if not isinstance(data, dict) or not isinstance(data.get("exercises"), list):
        raise AssessmentError(f"{where}: expected a mapping with a list under 'exercises:'")
    numbers = None
    if notebook is not None:
        numbers = {n for n in (check_number(c) for c in notebook.cells) if n is not None}
    entries: dict[int, dict] = {}
    for position, entry in enumerate(data["exercises"], start=1):
        label = f"{where}, exercises[{position}]"
        if not isinstance(entry, dict):
            raise AssessmentError(f"{label}: expected a mapping with exercise, wrong_answers, …")
        unknown = set(entry) - {"exercise", "wrong_answers", "hidden_tests", "partial_credit"}
        if unknown:
            raise AssessmentError(f"{label}: unknown keys {sorted(unknown)}")
        number = entry.get("exercise")
        if not isinstance(number, int) or isinstance(number, bool):
            raise AssessmentError(f"{label}: 'exercise' must be the N of '{CHECK_PREFIX}N'")
        if number in entries:
            raise AssessmentError(f"{label}: exercise {number} is listed twice")
        if numbers is not None and number not in numbers:
            raise AssessmentError(
                f"{label}: no check cell starts with '{CHECK_PREFIX}{number}' in the notebook "
                f"(its checks: {sorted(numbers)})"
            )
        wrong = entry.get("wrong_answers")
        if not isinstance(wrong, list) or len(wrong) < MIN_WRONG_ANSWERS:
            raise AssessmentError(
                f"{label}: exercise {number} needs at least {MIN_WRONG_ANSWERS} wrong_answers"
            )
        for k, answer in enumerate(wrong, start=1):
            if not isinstance(answer, dict):
                raise AssessmentError(f"{label}, wrong_answers[{k}]: expected why, code, message")
            for key in ("why", "code", "message"):
                if not isinstance(answer.get(key), str) or not answer[key].strip():
                    raise AssessmentError(
                        f"{label}, wrong_answers[{k}]: '{key}' must be a non-empty string"
                    )
            try:
                compile(answer["code"], f"{label}, wrong_answers[{k}]", "exec")
            except SyntaxError as error:
                raise AssessmentError(f"{label}, wrong_answers[{k}]: code: {error}") from error
        hidden = entry.get("hidden_tests")
        if not isinstance(hidden, str) or "assert" not in hidden:
            raise AssessmentError(
                f"{label}: exercise {number} needs 'hidden_tests: |' with at least one assert"
            )
        try:
            compile(hidden, f"{label}, hidden_tests", "exec")
        except SyntaxError as error:
            raise AssessmentError(f"{label}: hidden_tests: {error}") from error
        partial = entry.get("partial_credit")
        if partial is not None:
            if not isinstance(partial, str) or PARTS_RIGHT not in partial:
                raise AssessmentError(
                    f"{label}: 'partial_credit: |' must be Python that sets {PARTS_RIGHT} "
                    "(each independent part -> True if right)"
                )
            try:
                compile(partial, f"{label}, partial_credit", "exec")
            except SyntaxError as error:
                raise AssessmentError(f"{label}: partial_credit: {error}") from error
        entries[number] = entry
    return entries


def assessment_path(notebook_path: Path) -> Path:
    return ASSESSMENT_DIR / f"{Path(notebook_path).stem}.yaml"


def difficulties(notebook_path: Path) -> list[str]:
    """The difficulty of each exercise of a notebook, written ones included, in notebook order,
    from the data/instructors/chNN.yaml entries whose ``notebook`` is this notebook."""
    name = Path(notebook_path).name
    found = []
    for path in sorted(INSTRUCTORS_DIR.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text(encoding="utf-8")).get("exercises") or []:
            if entry.get("notebook") == name:
                if entry.get("difficulty") not in POINTS:
                    raise ValueError(
                        f"{path.relative_to(ROOT)}: {entry.get('title')!r}: difficulty must be "
                        f"one of {sorted(POINTS)}"
                    )
                found.append(entry["difficulty"])
    return found


def graded_cells(notebook) -> list[int]:
    """The cells that earn points, in notebook order: each exercise's check cell and each written
    answer (the order data/instructors lists the exercises in)."""
    return sorted([check for _, check in exercises(notebook)] + written_answers(notebook))
