"""book/references.bib is complete: every citation in the book resolves, and no key is defined twice
(several authors append to the file; a duplicate key would make citations ambiguous)."""

from __future__ import annotations

import re
from collections import Counter

from tests.notebook_cells import NOTEBOOKS, ROOT, read

BIB = ROOT / "book" / "references.bib"
ENTRY = re.compile(r"^@\w+\s*\{\s*([^,\s]+)\s*,", re.MULTILINE)
CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


def bib_keys() -> list[str]:
    return ENTRY.findall(BIB.read_text(encoding="utf-8"))


def cited_keys() -> dict[str, set[str]]:
    """key -> the files that cite it (book pages and notebooks' markdown cells)."""
    sources = {p: p.read_text(encoding="utf-8") for p in sorted((ROOT / "book").glob("*.md"))}
    for path in NOTEBOOKS:
        cells = read(path).cells
        sources[path] = "\n".join(c.source for c in cells if c.cell_type == "markdown")
    cited: dict[str, set[str]] = {}
    for path, text in sources.items():
        for match in CITE.finditer(text):
            for key in match.group(1).split(","):
                cited.setdefault(key.strip(), set()).add(str(path.relative_to(ROOT)))
    return cited


def test_no_key_is_defined_twice():
    duplicates = [key for key, count in Counter(bib_keys()).items() if count > 1]
    assert not duplicates, f"keys defined more than once in {BIB.name}: {duplicates}"


def test_every_citation_resolves():
    keys = set(bib_keys())
    missing = {key: sorted(files) for key, files in cited_keys().items() if key not in keys}
    assert not missing, f"cited but not in {BIB.name}: {missing}"


def test_the_parsers_work():
    assert "osi2024osaid" in bib_keys()
    assert CITE.findall("see {cite:p}`a,b` and {cite:t}`c` or {cite}`d`") == ["a,b", "c", "d"]
