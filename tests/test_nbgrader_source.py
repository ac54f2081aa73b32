"""scripts/nbgrader_source.py: the notebooks marked for nbgrader, checked with nbgrader's own code."""

from __future__ import annotations

import re

import nbformat
import pytest
from jsonschema import ValidationError
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import CheckCellMetadata, ClearSolutions, LockCells
from nbgrader.utils import is_grade, is_solution

from scripts import nbgrader_source
from scripts.notebook_cells import (
    NOTEBOOKS,
    POINTS,
    ROOT,
    SOLUTION_BEGIN,
    AssessmentError,
    assessment_path,
    check_number,
    exercises,
    graded_cells,
    load_assessment,
    read,
    written_answers,
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_nbgrader_accepts_the_marked_notebook(path):
    notebook = read(path)
    original = nbformat.writes(notebook)
    marked = nbgrader_source.mark_for_nbgrader(notebook, points=2)
    pairs = exercises(notebook)
    # Written answers (markdown) carry their own nbgrader metadata, graded by hand; kept as they are.
    written = written_answers(notebook)
    assert sum(is_solution(c) for c in marked.cells) == len(pairs) + len(written)
    assert sum(is_grade(c) for c in marked.cells) == len(pairs) + len(written)
    for index in written:
        expected = {"locked": False, **notebook.cells[index].metadata.nbgrader}
        assert marked.cells[index].metadata.nbgrader == expected
    for solution, check in pairs:
        assert marked.cells[check].metadata.nbgrader["points"] == 2
        assert marked.cells[solution].source == notebook.cells[solution].source
    # nbgrader's own checks, as `nbgrader generate_assignment` runs them (metadata enforced).
    resources = {}
    marked, _ = CheckCellMetadata().preprocess(marked, resources)
    student, _ = ClearSolutions().preprocess(nbformat.from_dict(marked), resources)
    student, _ = LockCells().preprocess(student, resources)
    assert not any(SOLUTION_BEGIN in cell.source for cell in student.cells)
    for solution, check in pairs:
        assert "raise NotImplementedError()" in student.cells[solution].source
        assert student.cells[check].metadata.deletable is False
    for index in written:
        assert student.cells[index].source == "YOUR ANSWER HERE"
    # The original notebook is not modified.
    assert nbformat.writes(notebook) == original


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_the_notebooks_own_nbgrader_metadata_is_valid(path):
    # book/instructors.md offers copying the notebooks into nbgrader as they are: then nbgrader
    # validates the metadata the notebooks carry (their written answers) with nbgrader's schema.
    notebook = read(path)
    problems = []
    for index, cell in enumerate(notebook.cells):
        if "nbgrader" in cell.metadata:
            try:
                MetadataValidator().validate_cell(cell)
            except ValidationError as error:
                problems.append(f"cell {index}: {error.message}")
    assert not problems, "nbgrader metadata that nbgrader rejects (add the key):\n" + "\n".join(
        problems
    )
    CheckCellMetadata().preprocess(notebook, {})


def test_course_folder_layout(tmp_path):
    source = tmp_path / "notebooks"
    source.mkdir()
    (source / "00_getting_started.ipynb").write_bytes(
        (ROOT / "notebooks" / "00_getting_started.ipynb").read_bytes()
    )
    written = nbgrader_source.write_course_source(source, tmp_path / "course")
    assert written == [tmp_path / "course/source/00_getting_started/00_getting_started.ipynb"]


def _notebook(*sources):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def test_bad_notebooks_get_clear_errors():
    with pytest.raises(ValueError, match="nothing for nbgrader to grade"):
        nbgrader_source.mark_for_nbgrader(_notebook("x = 1"))
    with pytest.raises(ValueError, match="must be followed by its check cell"):
        nbgrader_source.mark_for_nbgrader(_notebook("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"))
    with pytest.raises(ValueError, match="points must be positive"):
        nbgrader_source.mark_for_nbgrader(_notebook("x"), points=0)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_model_answers_sit_collapsed_inside_the_solution_region(path):
    # The book hides a model answer on load (a MyST admonition with the dropdown class); the
    # markers are HTML comments, so neither Jupyter nor the book shows a "BEGIN SOLUTION" heading,
    # while nbgrader's ClearSolutions (which looks for the text on a line) still replaces the region.
    for index in written_answers(read(path)):
        lines = read(path).cells[index].source.strip().splitlines()
        assert lines[0] == f"<!-- {SOLUTION_BEGIN} -->", f"{path.name} cell {index}: {lines[0]!r}"
        assert lines[-1] == "<!-- ### END SOLUTION -->", f"{path.name} cell {index}"
        assert lines[1:3] == ["````{admonition} Model answer", ":class: dropdown"], (
            f"{path.name} cell {index}: the model answer must open a dropdown admonition"
        )
        assert lines[-2] == "````", f"{path.name} cell {index}: close the admonition"
        assert not any(line.startswith("#") for line in lines), (
            f"{path.name} cell {index}: a heading in a model answer shows in the page's contents"
        )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_points_come_from_difficulty_and_hidden_tests_are_appended(path):
    from nbgrader.preprocessors import ClearHiddenTests

    inputs = nbgrader_source.course_inputs(path)
    marked = nbgrader_source.mark_for_nbgrader(read(path), **inputs)
    graded = graded_cells(marked)
    assert [marked.cells[i].metadata.nbgrader["points"] for i in graded] == [
        POINTS[level] for level in inputs["difficulties"]
    ]
    hidden = [c for c in marked.cells if nbgrader_source.HIDDEN_BEGIN in c.source]
    assert len(hidden) == len(inputs["hidden_tests"])
    for cell in hidden:
        assert cell.metadata.nbgrader["grade"], f"hidden tests not in a graded cell: {cell.source}"
        number = check_number(cell)
        if number is None:  # an exercise graded in parts: its own cell, before the check
            grade_id = cell.metadata.nbgrader["grade_id"]
            number = int(re.fullmatch(r"exercise-(\d+)-parts", grade_id).group(1))
            assert inputs["partial_credit"][number].strip() in cell.source
        else:
            assert inputs["hidden_tests"][number].strip() in cell.source
    assert not any("colab.research.google.com" in c.source for c in marked.cells)
    # generate_assignment removes the hidden tests from the released copy.
    released, _ = ClearHiddenTests().preprocess(nbformat.from_dict(marked), {})
    assert not any("HIDDEN TESTS" in c.source for c in released.cells)


def _course_notebook():
    return nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(
                "[![Open In Colab](https://x/b.svg)](https://colab.research.google.com/x)\n# T"
            ),
            nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"),
            nbformat.v4.new_code_cell('# Check exercise 1\nassert x == 1, "x"'),
        ]
    )


def test_hidden_tests_and_points_in_a_small_notebook():
    marked = nbgrader_source.mark_for_nbgrader(
        _course_notebook(), difficulties=["hard"], hidden_tests={1: 'assert x > 0, "positive"'}
    )
    assert marked.cells[0].source == "# T"
    assert marked.cells[2].metadata.nbgrader["points"] == 3
    assert marked.cells[2].source.endswith(
        '### BEGIN HIDDEN TESTS\nassert x > 0, "positive"\n### END HIDDEN TESTS'
    )
    with pytest.raises(ValueError, match="lists 2 exercises"):
        nbgrader_source.mark_for_nbgrader(_course_notebook(), difficulties=["easy", "hard"])
    with pytest.raises(ValueError, match=r"hidden tests for exercises \[2\]"):
        nbgrader_source.mark_for_nbgrader(_course_notebook(), hidden_tests={2: "assert 1"})


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_assessment_files_follow_the_format(path):
    data = assessment_path(path)
    if not data.is_file():
        pytest.skip(f"no {data.relative_to(ROOT)} yet")
    assert load_assessment(data, read(path))


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("[]", "a list under 'exercises:'"),
        (
            "exercises: [{exercise: 9, wrong_answers: [], hidden_tests: 'assert 1'}]",
            "no check cell",
        ),
        ("exercises: [{exercise: 1, wrong_answers: [], hidden_tests: 'assert 1'}]", "at least 3"),
        (
            "exercises: [{exercise: 1, hidden_tests: 'assert 1', wrong_answers: "
            "[{why: a, code: 'x = 2', message: ''}, {}, {}]}]",
            "'message' must be a non-empty string",
        ),
        (
            "exercises: [{exercise: 1, hidden_tests: 'x = ', wrong_answers: "
            + "["
            + ", ".join(["{why: a, code: 'x = 2', message: m}"] * 3)
            + "]}]",
            "needs 'hidden_tests",
        ),
        ("exercises: [{exercise: 1, colour: red}]", "unknown keys"),
        (
            "exercises: [{exercise: 1, hidden_tests: 'assert 1', partial_credit: 'x = 1', "
            "wrong_answers: [" + ", ".join(["{why: a, code: 'x = 2', message: m}"] * 3) + "]}]",
            "must be Python that sets _parts_right",
        ),
    ],
)
def test_bad_assessment_files_get_clear_errors(tmp_path, text, error):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AssessmentError, match=error):
        load_assessment(path, _course_notebook())


def test_deleted_or_stripped_check_cells_are_reported(tmp_path):
    marked = nbgrader_source.mark_for_nbgrader(_course_notebook())
    (tmp_path / "source" / "a").mkdir(parents=True)
    nbformat.write(marked, tmp_path / "source" / "a" / "a.ipynb")
    deleted = nbformat.from_dict(marked)
    del deleted.cells[2]
    stripped = nbformat.from_dict(marked)
    del stripped.cells[2].metadata["nbgrader"]
    for learner, notebook in (("ok", marked), ("deleted", deleted), ("stripped", stripped)):
        (tmp_path / "submitted" / learner / "a").mkdir(parents=True)
        nbformat.write(notebook, tmp_path / "submitted" / learner / "a" / "a.ipynb")
    assert nbgrader_source.check_submissions(tmp_path, "a") == [
        "submitted/deleted/a/a.ipynb: missing exercise-1-check",
        "submitted/stripped/a/a.ipynb: missing exercise-1-check",
    ]


def test_partial_credit_gets_its_own_graded_cell():
    marked = nbgrader_source.mark_for_nbgrader(
        _course_notebook(),
        difficulties=["medium"],
        hidden_tests={1: 'assert x > 0, "positive"'},
        partial_credit={1: "_parts_right = {'a': x == 1, 'b': False}"},
    )
    answer, parts, check = marked.cells[1:]
    assert parts.metadata.nbgrader["grade_id"] == "exercise-1-parts"
    assert parts.metadata.nbgrader["points"] == 2 and parts.metadata.nbgrader["locked"]
    # the check stays for the learner's feedback: read-only, worth nothing, no hidden tests
    assert check.metadata.nbgrader["locked"] and not check.metadata.nbgrader["grade"]
    assert "points" not in check.metadata.nbgrader and "HIDDEN" not in check.source
    namespace = {}
    exec(answer.source, namespace)
    body = parts.source.split(nbgrader_source.HIDDEN_BEGIN)[1].split(nbgrader_source.HIDDEN_END)[0]
    *statements, last = body.strip().splitlines()
    exec("\n".join(statements), namespace)
    assert eval(last, namespace) == 1.0  # one part of two right: half of 2 points
    # nbgrader accepts the metadata, and the release keeps only the cell's first line
    from nbgrader.preprocessors import ClearHiddenTests

    CheckCellMetadata().preprocess(nbformat.from_dict(marked), {})
    released, _ = ClearHiddenTests().preprocess(nbformat.from_dict(marked), {})
    assert released.cells[2].source.startswith("# Exercise 1 is graded here")
    assert "_parts_right" not in released.cells[2].source
    with pytest.raises(ValueError, match=r"partial credit for exercises \[3\]"):
        nbgrader_source.mark_for_nbgrader(_course_notebook(), partial_credit={3: "_parts_right={}"})
