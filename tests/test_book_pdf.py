"""The whole-book PDF (`make pdf`, scripts/book_downloads.py): every page, formulas typeset.

Printing every page takes minutes, so `make test` does not build the PDF; this test checks it
whenever it exists (build/downloads/), and `make pdf` runs it with OSAI_PDF_REQUIRED=1, where a
missing PDF is an error.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from tests.browser.site import ROOT, site_dir, toc_pages

DOWNLOADS = Path(os.environ.get("OSAI_DOWNLOADS_DIR", ROOT / "build" / "downloads"))
PDF = DOWNLOADS / "open-source-ai-course.pdf"
MANIFEST = DOWNLOADS / "open-source-ai-course-pdf.json"
HTML_ZIP = DOWNLOADS / "open-source-ai-course-html.zip"
MATH_ELEMENT = re.compile(r'class="math[^"]*">(.*?)</(?:span|div)>', re.S)
TEX_COMMAND = re.compile(r"\\[A-Za-z]{2,}")


def words(text: str) -> str:
    """Lower-case words only: titles compare across line breaks, ligatures and dashes."""
    return " ".join(re.findall(r"[a-z0-9]+", text.casefold().replace("ﬁ", "fi").replace("ﬂ", "fl")))


def source_title(page: str) -> str:
    """The page's title as written: the first `# ` heading of the .md or the notebook."""
    md = ROOT / f"{page}.md"
    if md.is_file():
        text = md.read_text(encoding="utf-8")
    else:
        cells = json.loads((ROOT / f"{page}.ipynb").read_text(encoding="utf-8"))["cells"]
        text = "".join(cells[0]["source"])
    heading = next(line for line in text.splitlines() if line.startswith("# "))
    return re.sub(r"[*_`]|\{[a-z]+\}", "", heading[2:])


@pytest.fixture(scope="module")
def pdf_text() -> dict[int, str]:
    if not PDF.is_file():
        message = f"no {PDF}: build it with `make pdf` (after `make book`)"
        if os.environ.get("OSAI_PDF_REQUIRED") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    from pypdf import PdfReader

    reader = PdfReader(PDF)
    return {number: page.extract_text() or "" for number, page in enumerate(reader.pages, 1)}


def test_every_page_of_the_book_is_in_the_pdf(pdf_text):
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    assert [p["page"] for p in manifest["pages"]] == toc_pages(), (
        "the PDF's pages are not _toc.yml's, in order: rebuild it with `make pdf`"
    )
    everything = words(" ".join(pdf_text.values()))
    missing = [p for p in toc_pages() if words(source_title(p)) not in everything]
    assert not missing, f"the PDF's text lacks the titles of {missing}"
    for entry in manifest["pages"]:
        start = words(pdf_text[entry["first_pdf_page"]])
        assert words(source_title(entry["page"])) in start, (
            f"{entry['page']}'s title is not on its first PDF page {entry['first_pdf_page']}"
        )


def test_formulas_are_typeset(pdf_text):
    manifest = json.loads(MANIFEST.read_text(encoding="utf-8"))
    formulas = sum(p["formulas"] for p in manifest["pages"])
    assert formulas > 0, "no page had a formula: has the book lost Sphinx's `.math` elements?"
    untypeset = [p["page"] for p in manifest["pages"] if p["typeset"] != p["formulas"]]
    assert not untypeset, f"MathJax did not typeset every formula of {untypeset}"
    # Every TeX command the book's formulas use, from the built HTML: none may show as text.
    commands = set()
    for html in site_dir().rglob("*.html"):
        for source in MATH_ELEMENT.findall(html.read_text(encoding="utf-8")):
            commands.update(TEX_COMMAND.findall(source))
    if not commands:
        pytest.skip(f"no built book at {site_dir()} to read the formulas' TeX from")
    raw = {
        number: sorted(c for c in commands if c in text)
        for number, text in pdf_text.items()
        if any(c in text for c in commands)
    }
    assert not raw, f"raw TeX in the PDF (page: commands): {raw}"


def test_the_html_zip_holds_the_site():
    if not HTML_ZIP.is_file():
        pytest.skip(f"no {HTML_ZIP}: build it with `make pdf`")
    import zipfile

    names = set(zipfile.ZipFile(HTML_ZIP).namelist())
    prefix = "open-source-ai-course/"
    assert prefix + "index.html" in names
    for page in toc_pages():
        assert f"{prefix}{page}.html" in names, f"{page}.html is not in {HTML_ZIP.name}"
    assert any(n.startswith(prefix + "_static/mathjax/") for n in names), (
        "MathJax is not in the zip"
    )
