"""book/references.bib is complete: every citation in the book resolves, no key is defined twice
(several authors append to the file; a duplicate key would make citations ambiguous), and no work
is defined twice under two keys (same DOI, arXiv id or URL), which the references page would
list twice."""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest

from scripts.notebook_cells import NOTEBOOKS, ROOT, read

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


ARXIV = re.compile(r"(?:arxiv\.org/(?:abs|pdf)/|arXiv:\s*|10\.48550/arXiv\.)(\d{4}\.\d{4,5})", re.I)
URL = re.compile(r"\\url\{([^}]+)\}|(https?://\S+)")


def normalise_url(url: str) -> str:
    url = url.strip().rstrip("}").lower()
    url = re.sub(r"^https?://(www\.)?", "", url).rstrip("/")
    return re.sub(r"\.pdf$", "", url)


def identifiers(fields: dict[str, str]) -> set[tuple[str, str]]:
    """The DOI, arXiv ids and URLs an entry names (in doi, eprint, url, howpublished or note)."""
    ids = set()
    if fields.get("doi"):
        ids.add(("doi", fields["doi"].lower().removeprefix("https://doi.org/")))
    if fields.get("eprint"):
        ids.add(("arXiv", re.sub(r"v\d+$", "", fields["eprint"].strip())))
    for name in ("doi", "url", "howpublished", "note"):
        value = fields.get(name, "")
        ids |= {("arXiv", m) for m in ARXIV.findall(value)}
        if name in ("url", "howpublished"):
            for braced, bare in URL.findall(value):
                ids.add(("URL", normalise_url(braced or bare)))
            if value.startswith("http"):
                ids.add(("URL", normalise_url(value)))
    return ids


def entries() -> dict[str, dict[str, str]]:
    from pybtex.database import parse_file

    return {key: dict(e.fields) for key, e in parse_file(str(BIB)).entries.items()}


def duplicated_works(by_key: dict[str, dict[str, str]]) -> dict[tuple[str, str], list[str]]:
    seen: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key, fields in by_key.items():
        for ident in identifiers(fields):
            seen[ident].append(key)
    return {ident: keys for ident, keys in seen.items() if len(keys) > 1}


def test_no_work_is_defined_twice_under_two_keys():
    duplicates = duplicated_works(entries())
    assert not duplicates, (
        f"works defined more than once in {BIB.name} (merge them and keep one key): {duplicates}"
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"doi": "10.1145/3458723"}, {"doi": "https://doi.org/10.1145/3458723"}),
        ({"eprint": "2106.09685"}, {"howpublished": "\\url{https://arxiv.org/abs/2106.09685}"}),
        (
            {"url": "https://spdx.org/licenses/"},
            {"howpublished": "\\url{https://spdx.org/licenses}"},
        ),
    ],
)
def test_the_duplicate_check_sees_the_same_work_in_different_fields(a, b):
    assert duplicated_works({"one": a, "two": b})
    assert not duplicated_works({"one": a, "two": {"url": "https://example.org/other"}})


def test_every_entry_has_a_type_that_fits_its_fields():
    from pybtex.database import parse_file

    for key, entry in parse_file(str(BIB)).entries.items():
        if "journal" in entry.fields:
            assert entry.type == "article", f"{key} has a journal, so it is an @article"


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
