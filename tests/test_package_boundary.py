"""The learner's package stands alone: no module of osai/ names the checkout around it (the book's
table of contents, its folders, the tests), so `pip install osai` works with no clone nearby.
What the package needs from the book it owns as data (osai/corpus/, see CONTRIBUTING.md)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What a module of the package must not mention: the repository's layout around it.
FORBIDDEN = ("_toc.yml", "book/", "tests/", "course_book")


def boundary_problems(path: Path) -> list[str]:
    """Each mention of the repository layout in a Python file: in a string or name (AST), or in a
    comment or docstring (text); as ``"file:line: text"``."""
    source = path.read_text(encoding="utf-8")
    problems = set()
    for number, line in enumerate(source.splitlines(), start=1):
        problems.update(f"{path.name}:{number}: {word}" for word in FORBIDDEN if word in line)
    for node in ast.walk(ast.parse(source, filename=str(path))):
        text = None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.Attribute):
            text = node.attr
        elif isinstance(node, ast.Name):
            text = node.id
        if text is not None:
            problems.update(
                f"{path.name}:{node.lineno}: {word}" for word in FORBIDDEN if word in text
            )
    return sorted(problems)


def test_no_osai_module_names_the_repository_layout():
    problems = [
        p for path in sorted((ROOT / "osai").rglob("*.py")) for p in boundary_problems(path)
    ]
    assert not problems, (
        "osai/ must not depend on the checkout (the package is installed without it); ship the "
        f"data the package needs inside it instead: {problems}"
    )


@pytest.mark.parametrize(
    "code",
    [
        'PAGES = Path(__file__).parents[2] / "book" / "intro.md"\nTOC = "_toc.yml"\n',
        "# read tests/conftest.py\nX = 1\n",
        'import importlib\nmodule = importlib.import_module("osai." + "course_book")\n',
        'x = "../book/"\n',
    ],
)
def test_the_scan_finds_a_mention(tmp_path, code):
    module = tmp_path / "module.py"
    module.write_text(code, encoding="utf-8")
    assert boundary_problems(module)


def test_the_scan_passes_a_clean_module(tmp_path):
    module = tmp_path / "module.py"
    module.write_text('"""Pages from the package\'s own corpus."""\nBOOKS = 3\n', encoding="utf-8")
    assert boundary_problems(module) == []
