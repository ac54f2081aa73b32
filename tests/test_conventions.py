"""The notebook conventions of CONTRIBUTING.md, as tests (one parametrized case per notebook)."""

from __future__ import annotations

import re

import pytest

from scripts.notebook_cells import (
    NOTEBOOKS,
    SOLUTION_BEGIN,
    SOLUTION_END,
    code_cells,
    colab_url,
    exercises,
    read,
    repository_url,
)

MACHINE_PATH = re.compile(r"(/root/|/home/\w+|/tmp/|/work/|site-packages/|[A-Z]:\\\\Users)")
HUB_ID = re.compile(r"""from_pretrained\(\s*["'][\w.-]+/[\w.-]+["']""")
TORCH_LOAD = re.compile(r"torch\.load\((?![^)]*weights_only\s*=\s*True)")
NAME = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")

ids = [path.name for path in NOTEBOOKS]


def test_there_are_notebooks():
    assert NOTEBOOKS, "no notebooks found in notebooks/"


@pytest.fixture(params=NOTEBOOKS, ids=ids)
def notebook(request):
    return request.param, read(request.param)


def _markdown(nb) -> str:
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")


def test_name_and_title(notebook):
    path, nb = notebook
    assert NAME.match(path.name), f"{path.name}: name notebooks NN_slug.ipynb"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


def test_colab_badge_points_at_this_notebook(notebook):
    path, nb = notebook
    head = "\n".join(cell.source for cell in nb.cells[:2])
    assert colab_url(path) in head, f"badge must link {colab_url(path)}"


def test_sections_in_order(notebook):
    _, nb = notebook
    text = _markdown(nb).lower()
    order = ["learning objectives", "exercise", "key takeaways", "further reading"]
    positions = [text.find(f"## {heading}") for heading in order]
    assert all(p >= 0 for p in positions), f"missing one of the sections {order}"
    assert positions == sorted(positions), f"sections must come in the order {order}"


def test_setup_cell_installs_from_the_configured_repository(notebook):
    _, nb = notebook
    setup = code_cells(nb)[0].source
    assert 'IN_COLAB = "google.colab" in sys.modules' in setup
    assert f"git+{repository_url()}" in setup, "install osai from _config.yml's repository url"
    assert "osai.offline(" in setup and "osai.seed(" in setup and "osai.device(" in setup
    assert "pip install" not in setup.replace("%pip install", ""), "use %pip, only on Colab"
    for line in setup.splitlines():
        if "%pip" in line:
            assert line.startswith("    "), "pip installs belong inside `if IN_COLAB:`"
            assert "torch" not in line, "never make Colab reinstall torch"


def test_solutions_are_collapsed_in_the_book(notebook):
    _, nb = notebook
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and SOLUTION_BEGIN in cell.source:
            assert "hide-input" in cell.metadata.get("tags", []), (
                f"cell {index} holds a solution: tag it hide-input so the book collapses it"
            )


def test_at_least_two_exercises_with_checks(notebook):
    _, nb = notebook
    pairs = exercises(nb)
    assert len(pairs) >= 2, "at least two exercises with nbgrader solution markers"
    for solution, check in pairs:
        source = nb.cells[solution].source
        # nbgrader allows several solution regions in a cell (e.g. two functions); each opens
        # before it closes, and none is left open.
        markers = [line.strip() for line in source.splitlines()]
        markers = [m for m in markers if m in (SOLUTION_BEGIN, SOLUTION_END)]
        assert markers and markers == [SOLUTION_BEGIN, SOLUTION_END] * (len(markers) // 2), (
            f"solution markers out of order in cell {solution}: {markers}"
        )
        assert check > 0 and "assert" in nb.cells[check].source, (
            "a check cell follows each solution"
        )
        assert SOLUTION_BEGIN not in nb.cells[check].source


def test_executed_top_to_bottom_without_errors(notebook):
    _, nb = notebook
    counts = [cell.execution_count for cell in code_cells(nb) if cell.source.strip()]
    assert counts == list(range(1, len(counts) + 1)), "re-run it top to bottom in a fresh kernel"
    for cell in code_cells(nb):
        assert all(out.output_type != "error" for out in cell.outputs), cell.source[:80]


def test_no_live_widget_state_is_committed(notebook):
    _, nb = notebook
    views = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and any(
            "application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in cell.outputs
        )
    ]
    assert not views and "widgets" not in nb.metadata, (
        f"widget state in cells {views}: run scripts/strip_widget_state.py (make execute does)"
    )


def test_no_machine_specific_paths_in_outputs(notebook):
    _, nb = notebook
    for cell in code_cells(nb):
        for out in cell.outputs:
            text = str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", ""))
            assert not MACHINE_PATH.search(text), f"machine path in output of: {cell.source[:80]}"


def test_safe_loading_only(notebook):
    _, nb = notebook
    for cell in code_cells(nb):
        source = cell.source
        assert "trust_remote_code=True" not in source
        assert not TORCH_LOAD.search(source), "torch.load needs weights_only=True"
        if HUB_ID.search(source):
            assert "NBVAL_SKIP" in source, "hub downloads only in optional NBVAL_SKIP cells"


def test_every_figure_has_alt_text(notebook):
    _, nb = notebook
    for cell in code_cells(nb):
        if any("image/png" in out.get("data", {}) for out in cell.outputs):
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt) > 20, (
                f"figure without alt text (metadata mystnb.image.alt): {cell.source[:80]}"
            )


def test_markdown_images_have_alt_text(notebook):
    _, nb = notebook
    for match in re.finditer(r"!\[([^\]]*)\]\(([^)]+)\)", _markdown(nb)):
        assert match.group(1).strip(), f"image {match.group(2)} has no alt text"


NBVAL_MARKERS = {
    "# NBVAL_SKIP",
    "# NBVAL_IGNORE_OUTPUT",
    "# NBVAL_CHECK_OUTPUT",
    "# NBVAL_RAISES_EXCEPTION",
}


def test_nbval_markers_are_whole_lines(notebook):
    # nbval honours a marker only when the comment is exactly the marker: any text after it
    # on the same line silently switches it off.
    _, nb = notebook
    for cell in code_cells(nb):
        for line in cell.source.splitlines():
            if line.strip().startswith("# NBVAL"):
                assert line.strip() in NBVAL_MARKERS, f"put the marker alone on its line: {line!r}"
