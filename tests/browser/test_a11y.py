"""Accessibility and hidden solutions, in the rendered book in headless Chromium.

* axe-core, the standard accessibility engine (npm package ``axe-core``; ``make browser`` installs
  it into build/axe), runs in every page of the book with the WCAG 2.0/2.1/2.2 A and AA rules;
  any serious or critical violation of a WCAG 2 A/AA rule fails (see FAILING_TAGS).
* On every notebook page with exercises, each solution cell's code is collapsed on page load
  (the cell's ``hide-input`` tag), its toggle shows it, and the exercise's check cell below it
  stays visible.

Run it after `make book` (`make browser` does both); see tests/browser/conftest.py.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.browser.conftest import REQUIRED, SUMMARY
from tests.browser.site import ROOT, is_notebook, toc_pages

AXE_JS = Path(os.environ.get("OSAI_AXE_JS", ROOT / "build/axe/node_modules/axe-core/axe.min.js"))
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# A serious or critical violation of a WCAG 2 A/AA rule fails the page. Violations of the rules
# WCAG 2.1/2.2 added are listed in build/artifacts/browser-summary.json: the remaining ones are the
# theme's (label-content-name-mismatch on pydata-sphinx-theme's search and colour-mode buttons).
FAILING_TAGS = {"wcag2a", "wcag2aa"}
FAILING_IMPACTS = {"serious", "critical"}
AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return {version: axe.version, violations: result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, tags: v.tags,
    nodes: v.nodes.map((n) => n.target.join(" ")).slice(0, 5), count: v.nodes.length}))};
}"""
SOLUTION_MARK = "### BEGIN SOLUTION"
PAGES = toc_pages()


def solution_count(page: str) -> int:
    """How many code cells of the page's notebook hold a solution."""
    cells = json.loads((ROOT / f"{page}.ipynb").read_text(encoding="utf-8"))["cells"]
    return sum(c["cell_type"] == "code" and SOLUTION_MARK in "".join(c["source"]) for c in cells)


EXERCISE_PAGES = [p for p in PAGES if is_notebook(p) and solution_count(p)]


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.is_file():
        message = (
            f"no axe-core at {AXE_JS}: install it with `npm install --no-save --prefix build/axe "
            "axe-core@4.14.1` (`make browser` does), or set OSAI_AXE_JS to axe.min.js"
        )
        if REQUIRED:
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return AXE_JS.read_text(encoding="utf-8")


def test_every_notebook_with_exercises_is_checked():
    assert EXERCISE_PAGES, "no notebook page has a solution cell: is SOLUTION_MARK still right?"


@pytest.mark.parametrize("name", PAGES + ["search"])
def test_axe_finds_no_serious_violation(name, open_page, axe_source):
    page = open_page(name).page
    page.add_script_tag(content=axe_source)
    result = page.evaluate(AXE_RUN, AXE_TAGS)
    SUMMARY.setdefault("axe", {})[name] = {
        "version": result["version"],
        "violations": {v["id"]: [v["impact"], v["count"]] for v in result["violations"]},
    }
    failing = [
        v
        for v in result["violations"]
        if v["impact"] in FAILING_IMPACTS and FAILING_TAGS & set(v["tags"])
    ]
    assert not failing, f"{name}.html, axe-core {result['version']}:\n  " + "\n  ".join(
        f"{v['id']} ({v['impact']}, {v['count']} elements): {v['help']}; e.g. {v['nodes']}"
        for v in failing
    )


@pytest.mark.parametrize("name", EXERCISE_PAGES)
def test_solutions_are_hidden_until_wanted(name, open_page):
    page = open_page(name).page
    expected = solution_count(name)
    cells = page.locator("div.cell").filter(has_text=SOLUTION_MARK)
    assert cells.count() == expected, (
        f"{name}: {cells.count()} solution cells on the page, {expected} in the notebook"
    )
    for index in range(expected):
        cell = cells.nth(index)
        source = cell.locator(".cell_input")
        toggle = cell.locator("details.hide > summary")
        label = f"{name}, solution cell {index + 1}"
        assert toggle.count() == 1, f"{label}: no toggle (is the cell tagged hide-input?)"
        assert toggle.is_visible(), f"{label}: the toggle is not visible"
        assert not source.is_visible(), f"{label}: the solution code is visible on page load"
        # The exercise's check, the next code cell, is visible without clicking anything.
        check = cell.locator("xpath=following-sibling::div[contains(@class, 'cell')][1]")
        assert check.count() == 1 and check.locator(".cell_input").is_visible(), (
            f"{label}: the check cell after it is not visible"
        )
        toggle.click()
        assert source.is_visible(), f"{label}: the toggle does not reveal the code"
        assert SOLUTION_MARK in source.inner_text()
        toggle.click()
        assert not source.is_visible(), f"{label}: the toggle does not hide the code again"
    SUMMARY.setdefault("hidden_solutions", {})[name] = expected
