"""No exercise's answer is visible in the rendered book until the reader asks for it.

For every notebook page with exercises and every chapter page, in headless Chromium:

* no solution code is visible on load (``### BEGIN SOLUTION`` and the solution's lines);
* no written exercise's model answer is visible on load, and clicking its "Model answer" toggle
  reveals it (notebook pages only: that is where the written answers live);
* no answer value is visible on load: the numbers (three digits or more) that the full notebook's
  committed outputs of solution and check cells contain, and those quoted in model answers, unless
  the lesson before the Exercises section or an exercise's prompt shows the same number, where it
  is not an answer. A check cell prints pass or fail about the learner's value, never the value.

Everything forbidden is read from the committed, executed notebooks, so the test follows them.
Run it after `make book` (`make browser` does both); see tests/browser/conftest.py.
"""

from __future__ import annotations

import re
from functools import cache

import pytest

from scripts.notebook_cells import (
    NOTEBOOKS,
    SOLUTION_BEGIN,
    exercises,
    exercises_start,
    is_solution,
    read,
    written_answers,
)
from tests.browser.site import is_notebook, toc_pages

PAGES = toc_pages()
# A number worth hiding: at least three digits (a single "2" or "0.5" occurs everywhere).
NUMBER = re.compile(r"(?<![\w.])\d[\d,]*(?:\.\d+)?(?![\w])")
# A quoted word a check prints (a clause id, a token): the answer to a dict- or text-valued exercise.
QUOTED = re.compile(r"""['"]([\w-]{4,})['"]""")
# A model answer's words as the browser shows them: the longest run free of Markdown syntax.
PLAIN_RUN = re.compile(r"[A-Za-z][A-Za-z ,;'’-]{30,}[A-Za-z]")


def _text(cell) -> str:
    parts = []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif "text/plain" in output.get("data", {}):
            parts.append(output["data"]["text/plain"])
    return "".join(parts)


def _numbers(text: str) -> set[str]:
    return {n for n in NUMBER.findall(text) if sum(ch.isdigit() for ch in n) >= 3}


@cache
def answers(stem: str) -> dict:
    """What a notebook must not show on load: solution lines, model-answer phrases, values."""
    path = next(p for p in NOTEBOOKS if p.stem == stem)
    notebook = read(path)
    start = exercises_start(notebook)
    lesson = "".join(c.source + _text(c) for c in notebook.cells[:start])
    written = written_answers(notebook)
    pairs = exercises(notebook)
    checks = {check for _, check in pairs}
    # The exercises' own prompts may state numbers (a configuration to apply the idea to).
    prompts = "".join(
        c.source
        for i, c in enumerate(notebook.cells[start:], start)
        if c.cell_type == "markdown" and i not in written
    )
    # Solution lines the lesson or a prompt also shows (a loop header, a call) give nothing away.
    shown = "".join(
        c.source for c in notebook.cells if not is_solution(c) and c.cell_type == "code"
    )
    shown += "".join(
        c.source
        for i, c in enumerate(notebook.cells)
        if c.cell_type == "markdown" and i not in written
    )
    values: set[str] = set()
    code: list[str] = []
    for index, cell in enumerate(notebook.cells):
        if index in checks:
            # What a check prints about the learner's value is, for the full notebook, the answer.
            values |= _numbers(_text(cell)) | set(QUOTED.findall(_text(cell)))
        if index in written:
            values |= _numbers(cell.source)
        if is_solution(cell):
            values |= _numbers(_text(cell))
            inside = cell.source.split(SOLUTION_BEGIN, 1)[1].split("### END SOLUTION", 1)[0]
            # ... and the source a cell before this solution prints on purpose (inspect.getsource
            # of a function the exercise builds on, e.g. chapter 7's task.train); a cell after
            # the solution that printed its lines would show the answer.
            printed = "".join(
                _text(c)
                for i, c in enumerate(notebook.cells[:index])
                if c.cell_type == "code" and not is_solution(c) and i not in checks
            )
            code += [
                line.strip()
                for line in inside.splitlines()
                if len(line.strip()) >= 25 and line.strip() not in shown + printed
            ]
    model = []
    for index in written:
        runs = sorted(PLAIN_RUN.findall(notebook.cells[index].source), key=len, reverse=True)
        assert runs, f"{path.name} cell {index}: no plain sentence in the model answer to look for"
        model.append(runs[0].strip()[:60])
    return {
        "values": sorted(v for v in values if v not in lesson and v not in prompts),
        "code": code,
        "model": model,
        "exercises": len(pairs),
    }


def _stem(page: str) -> str:
    return page.rsplit("/", 1)[-1]


EXERCISE_PAGES = [p for p in PAGES if is_notebook(p) and _stem(p) in {n.stem for n in NOTEBOOKS}]
CHAPTER_PAGES = [p for p in PAGES if not is_notebook(p)]


# The book typesets quotes and ellipses (MyST's smartquotes): compare the rendered text with the
# notebook's source after undoing that, or a leaked "block's" would hide as "block’s".
_TYPOGRAPHY = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


def _plain(text: str) -> str:
    return text.translate(_TYPOGRAPHY).replace("…", "...")


def _visible(page) -> str:
    # innerText leaves out what is not rendered: closed <details> and hidden toggles' bodies.
    return _plain(page.locator("main").first.inner_text())


def _leaks(text: str, forbidden: dict, label: str) -> list[str]:
    found = [
        f"{label}: solution code visible: {line!r}" for line in forbidden["code"] if line in text
    ]
    found += [
        f"{label}: model answer visible: {m!r}" for m in forbidden["model"] if _plain(m) in text
    ]
    found += [
        f"{label}: answer value {v} visible"
        for v in forbidden["values"]
        if re.search(rf"(?<![\w.,]){re.escape(v)}(?![\w]|[.,]\d)", text)
    ]
    return found


def test_pages_are_found():
    assert EXERCISE_PAGES, "no notebook page in _toc.yml matches a notebook in notebooks/"
    assert all(answers(_stem(p))["exercises"] for p in EXERCISE_PAGES)


# Notebooks whose check cells still print an answer value (their checks are next in line to be
# rewritten as in 01-04 and 06_legal: report the learner's property, never the expected value).
# Expected to fail until then; remove a name once its page passes.
CHECKS_STILL_PRINT_ANSWERS: set[str] = set()


def _exercise_page(name):
    if _stem(name) in CHECKS_STILL_PRINT_ANSWERS:
        reason = "its check cells still print answer values"
        return pytest.param(name, marks=pytest.mark.xfail(reason=reason))
    return name


@pytest.mark.parametrize("name", [_exercise_page(n) for n in EXERCISE_PAGES])
def test_notebook_page_shows_no_answer_until_asked(name, open_page):
    forbidden = answers(_stem(name))
    page = open_page(name).page
    text = _visible(page)
    assert SOLUTION_BEGIN not in text, f"{name}: '{SOLUTION_BEGIN}' is visible on load"
    assert "BEGIN SOLUTION" not in page.locator("nav").all_inner_texts().__str__(), (
        f"{name}: a 'BEGIN SOLUTION' heading is in the page's navigation"
    )
    leaks = _leaks(text, forbidden, name)
    assert not leaks, "\n".join(leaks)
    toggles = page.locator("div.admonition.dropdown").filter(has_text="Model answer")
    assert toggles.count() == len(forbidden["model"]), (
        f"{name}: {toggles.count()} 'Model answer' dropdowns, "
        f"{len(forbidden['model'])} written answers in the notebook"
    )
    for index, phrase in enumerate(forbidden["model"]):
        box = toggles.nth(index)
        box.locator(".admonition-title").first.click()
        page.wait_for_timeout(300)
        revealed = _plain(box.inner_text())
        assert _plain(phrase) in revealed, f"{name}: the toggle does not reveal {phrase!r}"


@pytest.mark.parametrize("name", CHAPTER_PAGES)
def test_chapter_page_shows_no_answer(name, open_page):
    text = _visible(open_page(name).page)
    leaks = []
    for path in NOTEBOOKS:
        forbidden = answers(path.stem)
        leaks += _leaks(text, {**forbidden, "values": []}, f"{name} ({path.stem})")
    assert not leaks, "\n".join(leaks)
