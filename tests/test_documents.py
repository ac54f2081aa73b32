"""The repository's own documents stay sane.

A scripted edit once replaced the empty string in CONTRIBUTING.md, which inserted a paragraph
between every character of the 17 KB guide (12 MB) while every other check stayed green. These
tests read the documents as a contributor would: each is of a plausible size, no `##` section
appears twice, and every path under tests/, osai/ or scripts/ that a document names exists.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Markdown that people read: the README, the contributor's guide, the book's pages.
DOCUMENTS = sorted(
    [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *(ROOT / "book").glob("*.md")],
    key=lambda path: path.as_posix(),
)
MARKDOWN_BUDGET = 64 * 1024  # bytes; the longest page today is about a third of this
TEXT_FILE_BUDGET = 1024 * 1024  # bytes, for any tracked file that is not a notebook
# A path a document names: tests/…, osai/… or scripts/…, up to the first character that
# cannot be part of one. Globs (`osai/facts/*.yaml`) are matched as globs.
NAMED_PATH = re.compile(r"(?<![\w/.-])((?:tests|osai|scripts)/[\w./*-]*[\w*/])")
# Files a document may name that are made by a command, not committed.
GENERATED = ()


def _ids(paths):
    return [path.relative_to(ROOT).as_posix() for path in paths]


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_document_is_within_its_size_budget(document: Path):
    size = document.stat().st_size
    assert size <= MARKDOWN_BUDGET, (
        f"{document.name} is {size:,} bytes (budget {MARKDOWN_BUDGET:,}): was it rewritten by a "
        "script? Compare it with its last good version (git log -p) before splitting it."
    )


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_each_section_heading_appears_once(document: Path):
    text = _without_code_blocks(document.read_text(encoding="utf-8"))
    headings = re.findall(r"^## +(.+?)\s*$", text, flags=re.MULTILINE)
    repeated = sorted({h for h in headings if headings.count(h) > 1})
    assert not repeated, f"{document.name}: sections repeated: {repeated}"


@pytest.mark.parametrize("document", DOCUMENTS, ids=_ids(DOCUMENTS))
def test_every_named_path_exists(document: Path):
    missing = [
        name
        for name in sorted(set(NAMED_PATH.findall(document.read_text(encoding="utf-8"))))
        if name.rstrip("/") not in GENERATED and not _exists(name)
    ]
    assert not missing, f"{document.name} names paths that do not exist: {missing}"


def test_no_tracked_text_file_is_huge():
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.split(b"\0")
    large = []
    for name in filter(None, tracked):
        path = ROOT / name.decode()
        if path.suffix == ".ipynb" or not path.is_file():
            continue
        if path.stat().st_size > TEXT_FILE_BUDGET:
            large.append(f"{name.decode()} ({path.stat().st_size:,} bytes)")
    assert not large, f"tracked files over {TEXT_FILE_BUDGET:,} bytes: {large}"


def test_the_size_check_catches_the_insertion_accident(tmp_path: Path):
    """The failure this file exists for: a paragraph inserted between every character."""
    guide = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    broken = guide[:4096].replace("", "A paragraph of a few hundred characters. " * 8 + "\n\n")
    assert len(broken.encode()) > MARKDOWN_BUDGET
    path = tmp_path / "CONTRIBUTING.md"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(AssertionError, match="budget"):
        test_document_is_within_its_size_budget(path)


def _without_code_blocks(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)


def _exists(name: str) -> bool:
    if "*" in name:
        return any(ROOT.glob(name))
    return (ROOT / name).exists()
