"""scripts/nbgrader_source.py: the notebooks marked for nbgrader, checked with nbgrader's own code."""

from __future__ import annotations

import nbformat
import pytest
from jsonschema import ValidationError
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import CheckCellMetadata, ClearSolutions, LockCells
from nbgrader.utils import is_grade, is_solution

from scripts import nbgrader_source
from scripts.notebook_cells import NOTEBOOKS, ROOT, SOLUTION_BEGIN, exercises, read, written_answers


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
