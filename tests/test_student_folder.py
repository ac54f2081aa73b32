"""The committed student versions (student/): current, solution-free, output-free, each with a
Colab badge pointing at itself; the scripts that make them and the book's Colab buttons.

The Colab simulation that executes them is tests/test_student_versions.py.
"""

from __future__ import annotations

import zipfile

import nbformat
import pytest

from scripts import nbgrader_source
from scripts.notebook_cells import (
    NOTEBOOKS,
    ROOT,
    SOLUTION_BEGIN,
    STUB,
    STUDENT_DIR,
    colab_url,
    exercises,
    exercises_start,
    full_colab_url,
    is_skipped,
    read,
    repository,
)
from scripts.student_versions import student_text, student_version, write_student_versions
from tests.book_extensions import load_extension

student_colab = load_extension("student_colab")

ids = [path.name for path in NOTEBOOKS]
STALE = "run `make student` and commit student/"


def test_every_notebook_has_a_student_version_and_nothing_else_is_there():
    committed = {path.name for path in STUDENT_DIR.glob("*.ipynb")}
    expected = {path.name for path in NOTEBOOKS}
    assert committed >= expected, f"missing {sorted(expected - committed)}: {STALE}"
    assert committed <= expected, (
        f"student/{sorted(committed - expected)} has no notebook in notebooks/: delete it"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_the_committed_student_version_is_current(path):
    committed = STUDENT_DIR / path.name
    assert committed.is_file(), f"no student/{path.name}: {STALE}"
    assert committed.read_text(encoding="utf-8") == student_text(read(path)), (
        f"student/{path.name} differs from the student version of notebooks/{path.name}: {STALE}"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=ids)
def test_a_student_version_has_no_solution_no_output_and_its_own_badge(path):
    student = student_version(read(path))
    assert not any(SOLUTION_BEGIN in cell.source for cell in student.cells)
    assert all(not cell.get("outputs") for cell in student.cells if cell.cell_type == "code")
    for solution, _ in exercises(read(path)):
        assert STUB in student.cells[solution].source
    head = "\n".join(cell.source for cell in student.cells[:2])
    assert colab_url(path) in head and colab_url(path).endswith(f"/student/{path.name}")


def _notebook(*cells):
    notebook = nbformat.v4.new_notebook(cells=list(cells))
    notebook.metadata["kernelspec"] = {"name": "python3", "language": "python"}
    return notebook


WRITTEN = nbformat.v4.new_markdown_cell(
    "Because the weights alone cannot be studied.",
    metadata={
        "nbgrader": {
            "grade": True,
            "solution": True,
            "task": False,
            "points": 2,
            "grade_id": "explain-1",
            "locked": False,
            "schema_version": 3,
        }
    },
)


def _exercise_notebook():
    return _notebook(
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_markdown_cell("## Exercises\n\nExplain why."),
        WRITTEN,
        nbformat.v4.new_code_cell("### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION"),
        nbformat.v4.new_code_cell("# Check exercise 1\nassert answer == 6 * 7"),
    )


def test_written_answers_are_cleared_and_keep_their_grading_metadata():
    notebook = _exercise_notebook()
    student = student_version(notebook)
    assert student.cells[2].source == "YOUR ANSWER HERE"
    assert STUB in student.cells[3].source and "answer = 42" not in student.cells[3].source
    assert student.cells[4].source == notebook.cells[4].source
    # Without difficulties every graded cell is worth one point; the rest of the metadata stays.
    marked = nbgrader_source.mark_for_nbgrader(notebook)
    assert marked.cells[2].metadata["nbgrader"] == {**WRITTEN.metadata["nbgrader"], "points": 1}
    hard = nbgrader_source.mark_for_nbgrader(notebook, difficulties=["hard", "easy"])
    assert hard.cells[2].metadata["nbgrader"]["points"] == 3
    assert marked.cells[3].metadata["nbgrader"]["solution"] is True
    assert marked.cells[4].metadata["nbgrader"]["grade"] is True


def test_write_student_versions_writes_the_notebooks_and_the_zip(tmp_path):
    source = tmp_path / "notebooks"
    source.mkdir()
    nbformat.write(_exercise_notebook(), source / "00_demo.ipynb")
    archive = tmp_path / "build" / "student-notebooks.zip"
    written = write_student_versions(source, tmp_path / "student", archive)
    assert written == [tmp_path / "student" / "00_demo.ipynb"]
    assert "answer = 42" not in written[0].read_text(encoding="utf-8")
    assert zipfile.ZipFile(archive).namelist() == ["student-notebooks/00_demo.ipynb"]
    nbformat.write(_notebook(nbformat.v4.new_code_cell("x = 1")), source / "01_none.ipynb")
    with pytest.raises(SystemExit, match="no '### BEGIN SOLUTION' marker"):
        write_student_versions(source, tmp_path / "student")


def test_notebook_cells_reads_exercises_sections_and_skipped_cells():
    notebook = _exercise_notebook()
    assert exercises(notebook) == [(3, 4)]
    assert exercises_start(notebook) == 1
    skipped = nbformat.v4.new_code_cell("# NBVAL_SKIP\nimport this")
    assert is_skipped(skipped) and not is_skipped(nbformat.v4.new_code_cell("# NBVAL_SKIP: no"))
    with pytest.raises(ValueError, match="must be followed by its check cell"):
        exercises(_notebook(nbformat.v4.new_code_cell("### BEGIN SOLUTION\n### END SOLUTION")))
    with pytest.raises(ValueError, match="no '## Exercises' heading"):
        exercises_start(_notebook(nbformat.v4.new_markdown_cell("# Title")))


def test_the_books_colab_button_opens_the_student_version():
    path = NOTEBOOKS[0]
    full = full_colab_url(path)
    assert student_colab.student_url(full) == colab_url(path)
    assert student_colab.student_url("https://example.org/blob/main/book/intro.md") is None
    context = {
        "header_buttons": [
            {
                "label": "launch-buttons",
                "buttons": [
                    {"text": "Binder", "url": "https://mybinder.org/v2/gh/o/r/main"},
                    {"text": "Colab", "url": full},
                ],
            }
        ]
    }
    student_colab.point_colab_at_student_versions(None, "notebooks/x", "page.html", context, None)
    buttons = context["header_buttons"][0]["buttons"]
    assert buttons[1]["url"] == colab_url(path)
    assert buttons[0]["url"] == "https://mybinder.org/v2/gh/o/r/main"


def test_the_instructors_guide_links_the_full_notebooks():
    guide = load_extension("instructors_guide")

    for chapter in guide.load_chapters():
        text = "\n".join(guide.chapter_markdown(chapter, {}, repository=repository()))
        for notebook in chapter["notebooks"]:
            path = ROOT / "notebooks" / notebook
            assert full_colab_url(path) in text, f"{chapter['source']}: no link to {notebook}"
            assert colab_url(path) not in text
