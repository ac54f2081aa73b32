"""Accessibility of the book's sources: alt text on every picture, headings that never skip a level.

The notebooks' figures are checked in tests/test_conventions.py (cell metadata mystnb.image.alt);
the rendered pages, in a real browser, in tests/browser. These checks read the sources, so they
run in the unit tests and name the file and line to fix.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scripts.notebook_cells import NOTEBOOKS, ROOT, read

PAGES = sorted((ROOT / "book").glob("*.md"))
FENCE = re.compile(r"^(`{3,}|~{3,})(.*)$")
HEADING = re.compile(r"^(#{1,6})\s+\S")
MARKDOWN_IMAGE = re.compile(r"!\[([^\]]*)\]\(([^)\s]+)[^)]*\)")
HTML_IMAGE = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
HTML_ALT = re.compile(r"""\balt\s*=\s*(["'])(.*?)\1""", re.IGNORECASE | re.DOTALL)
PICTURE_DIRECTIVE = re.compile(r"^\{(figure|image)\}")
MIN_ALT = 10


def _prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) outside code fences; directive fences ({figure} ...) are kept."""
    lines, fence = [], None
    for number, line in enumerate(text.splitlines(), start=1):
        match = FENCE.match(line.strip())
        if fence is None and match:
            info = match.group(2).strip()
            if not info.startswith("{"):  # a code block: skip until its closing fence
                fence = match.group(1)
                continue
        elif fence is not None:
            if line.strip().startswith(fence) and not line.strip()[len(fence) :].strip():
                fence = None
            continue
        lines.append((number, line))
    return lines


def heading_problems(text: str) -> list[str]:
    """Skipped heading levels and a missing or repeated h1, as messages with line numbers."""
    problems, previous, h1 = [], 0, 0
    for number, line in _prose_lines(text):
        match = HEADING.match(line)
        if not match:
            continue
        level = len(match.group(1))
        h1 += level == 1
        if level > previous + 1:
            problems.append(f"line {number}: h{level} after h{previous} skips a level: {line!r}")
        previous = level
    if h1 != 1:
        problems.append(f"expected exactly one top-level '# ' title, found {h1}")
    return problems


def picture_problems(text: str) -> list[str]:
    """Pictures without alt text: markdown images, <img> tags, {figure}/{image} directives."""
    problems = []
    lines = _prose_lines(text)
    for index, (number, line) in enumerate(lines):
        for match in MARKDOWN_IMAGE.finditer(line):
            if len(match.group(1).strip()) < MIN_ALT:
                problems.append(f"line {number}: image {match.group(2)} needs alt text")
        for tag in HTML_IMAGE.findall(line):
            alt = HTML_ALT.search(tag)
            if not alt or len(alt.group(2).strip()) < MIN_ALT:
                problems.append(f"line {number}: <img> needs an alt attribute: {tag[:80]}")
        fence = FENCE.match(line.strip())
        if fence and PICTURE_DIRECTIVE.match(fence.group(2).strip()):
            options = []
            for _, option in lines[index + 1 :]:
                if not option.startswith(":"):
                    break
                options.append(option)
            alt = [o for o in options if o.startswith(":alt:")]
            if not alt or len(alt[0].removeprefix(":alt:").strip()) < MIN_ALT:
                problems.append(f"line {number}: {fence.group(2).strip()} needs an :alt: option")
    return problems


@pytest.mark.parametrize("path", PAGES, ids=[p.name for p in PAGES])
def test_book_page_pictures_have_alt_text(path: Path):
    problems = picture_problems(path.read_text(encoding="utf-8"))
    assert not problems, f"{path.relative_to(ROOT)}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("path", PAGES, ids=[p.name for p in PAGES])
def test_book_page_headings_in_order(path: Path):
    problems = heading_problems(path.read_text(encoding="utf-8"))
    assert not problems, f"{path.relative_to(ROOT)}:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_headings_in_order(path: Path):
    markdown = "\n\n".join(c.source for c in read(path).cells if c.cell_type == "markdown")
    problems = heading_problems(markdown)
    assert not problems, f"{path.relative_to(ROOT)} (markdown cells):\n  " + "\n  ".join(problems)


# The checkers themselves, on small inputs (so a broken checker cannot pass everything).
def test_heading_checker_finds_a_skipped_level_and_ignores_code():
    text = "# Title\n\n```python\n# a comment, not a heading\n```\n\n### Too deep\n"
    problems = heading_problems(text)
    assert len(problems) == 1 and "h3 after h1" in problems[0] and "line 7" in problems[0]
    assert heading_problems("# A\n## B\n### C\n## D\n# E\n") == [
        "expected exactly one top-level '# ' title, found 2"
    ]


def test_picture_checker_finds_missing_alt_text():
    text = (
        "# T\n![](a.png)\n![A bar chart of scores](b.png)\n<img src='c.png'>\n"
        "```{figure} d.png\n:width: 50%\n```\n"
        "```{image} e.png\n:alt: Two curves that cross at x = 3\n```\n"
    )
    problems = picture_problems(text)
    assert [p.split(":")[0] for p in problems] == ["line 2", "line 4", "line 5"]
