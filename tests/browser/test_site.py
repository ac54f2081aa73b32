"""The rendered book in a real browser: every page of _toc.yml in Debian's headless Chromium.

For each page: it has its title, no JavaScript console errors, every image has loaded and has alt
text, every internal link resolves (fragments included), headings do not skip a level; notebook
pages carry a Colab launch link to that notebook in the repository, and their .ipynb download
works. The search page finds "BLOOM". Every request beyond 127.0.0.1 is blocked and fails the
test, except the few listed in ALLOWED_EXTERNAL. Screenshots go to build/artifacts/.

Run it after `make book` (`make browser` does both); see tests/browser/conftest.py.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import ARTIFACTS, IMAGES_JS, SUMMARY, TIMEOUT_MS, is_loopback
from tests.browser.site import ROOT, colab_url, is_notebook, toc_pages

PAGES = toc_pages()
NOTEBOOK_PAGES = [page for page in PAGES if is_notebook(page)]
# The only requests beyond 127.0.0.1 a page may attempt (they are still blocked, and listed in the
# summary). Anything else fails the test.
# None: MathJax comes from the book's _static/mathjax (sphinx-mathjax-offline) and the Colab badge
# image from _static/colab-badge.svg (book/_ext/offline_badge.py).
ALLOWED_EXTERNAL: set[str] = set()
# The downloads `make pdf` and the deploy workflow put next to the pages after the book is built
# (book/intro.md links them): their links are checked when they are there.
DOWNLOADS = {"open-source-ai-course.pdf", "open-source-ai-course-html.zip", "student-notebooks.zip"}
SEARCH_QUERY = "BLOOM"

HEADINGS_JS = """() => {
  const main = document.querySelector("article") || document.querySelector("main") || document.body;
  return Array.from(main.querySelectorAll("h1, h2, h3, h4, h5, h6")).map((h) => {
    const copy = h.cloneNode(true);
    copy.querySelectorAll(".headerlink").forEach((a) => a.remove());
    return {level: Number(h.tagName[1]), text: copy.textContent.trim()};
  });
}"""
LINKS_JS = "() => Array.from(document.querySelectorAll('a[href]'), (a) => a.href)"

_STATUS: dict[str, int] = {}
_IDS: dict[str, set[str]] = {}


def _fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # loopback only
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def _link_problem(url: str) -> str | None:
    """None if ``url`` (on the local server) resolves, fragment included; else what is wrong."""
    target, _, fragment = url.partition("#")
    if target not in _STATUS:
        status, body = _fetch(target)
        _STATUS[target] = status
        ids = re.findall(rb'\bid="([^"]+)"', body) if target.endswith((".html", "/")) else []
        _IDS[target] = {i.decode() for i in ids}
    if _STATUS[target] != 200:
        return f"{url} -> HTTP {_STATUS[target]}"
    fragment = urllib.parse.unquote(fragment)
    if fragment and target.endswith((".html", "/")) and fragment not in _IDS[target]:
        return f"{url} -> no element with id {fragment!r} on that page"
    return None


def test_the_toc_lists_pages():
    assert PAGES, "_toc.yml lists no pages"


@pytest.mark.parametrize("name", PAGES)
def test_page(name, site, base_url, open_page):
    html = site / f"{name}.html"
    assert html.is_file(), f"{name} is in _toc.yml but {html} was not built"
    seen = open_page(name)
    page = seen.page
    problems: list[str] = []

    # Title: one h1 in the article, and the window title starts with it.
    headings = page.evaluate(HEADINGS_JS)
    h1 = [h["text"] for h in headings if h["level"] == 1]
    title = page.title()
    if len(h1) != 1:
        problems.append(f"expected exactly one h1 in the article, found {h1}")
    elif not title.startswith(h1[0]):
        problems.append(f"window title {title!r} does not start with the h1 {h1[0]!r}")
    if not page.evaluate("() => document.documentElement.lang"):
        problems.append("<html> has no lang attribute (screen readers need the language)")

    # Headings in order: start at h1, never skip a level going down.
    previous = 0
    for heading in headings:
        if heading["level"] > previous + 1:
            problems.append(
                f"heading h{heading['level']} {heading['text']!r} follows h{previous} "
                "(skipped a level)"
            )
        previous = heading["level"]

    # Images: loaded (natural width > 0) and with alt text.
    images = page.evaluate(IMAGES_JS)
    for image in images:
        local = is_loopback(image["src"])
        if not (image["alt"] or "").strip():
            problems.append(f"image without alt text: {image['src']}")
        if local and image["width"] == 0:
            problems.append(f"image did not load: {image['src']}")
        if not local and image["src"] not in ALLOWED_EXTERNAL:
            problems.append(f"image from outside the book: {image['src']}")
        SUMMARY["images"].append(
            {"page": name, "src": image["src"], "alt": image["alt"], "loaded": image["width"] > 0}
        )

    # Internal links: every link into the site resolves, fragments included.
    internal = sorted({u for u in page.evaluate(LINKS_JS) if u.startswith(base_url)})
    for url in internal:
        built = url.removeprefix(base_url)
        if built in DOWNLOADS and not (site / built).is_file():
            continue
        if problem := _link_problem(url):
            problems.append(f"broken link {problem}")
    SUMMARY["internal_links"].update(internal)

    # Notebook pages: the Colab launch button and the .ipynb download.
    if is_notebook(name):
        problems += _notebook_problems(page, name)

    problems += [f"JavaScript console error: {e}" for e in seen.console_errors]
    problems += [f"failed request: {e}" for e in seen.failed_local]
    problems += [
        f"request beyond 127.0.0.1 attempted: {url}"
        for url in seen.external
        if url not in ALLOWED_EXTERNAL
    ]
    SUMMARY["pages"].append(
        {
            "page": name,
            "title": title,
            "images": len(images),
            "links": len(internal),
            "headings": len(headings),
            "notebook": is_notebook(name),
            "problems": problems,
        }
    )
    assert not problems, f"{name}.html:\n  " + "\n  ".join(problems)


def _notebook_problems(page, name: str) -> list[str]:
    problems = []
    expected = colab_url(name)
    page.click(".dropdown-launch-buttons button.dropdown-toggle")
    colab = page.locator(f'.dropdown-launch-buttons a[href="{expected}"]')
    if colab.count() != 1 or not colab.first.is_visible():
        found = page.eval_on_selector_all(
            "a[href*='colab.research.google.com']", "(links) => links.map((a) => a.href)"
        )
        problems.append(f"no Colab launch button to {expected} (Colab links: {found})")
    page.keyboard.press("Escape")

    page.click(".dropdown-download-buttons button.dropdown-toggle")
    download = page.locator(".dropdown-download-buttons a.btn-download-source-button")
    if download.count() != 1 or not download.first.is_visible():
        return problems + ["no visible .ipynb download button"]
    href = download.first.evaluate("(a) => a.href")
    if not href.endswith(f"_sources/{name}.ipynb"):
        problems.append(f"the download button links {href}, not _sources/{name}.ipynb")
    response = page.request.get(href)
    if response.status != 200:
        return problems + [f"the .ipynb download {href} -> HTTP {response.status}"]
    downloaded = json.loads(response.body())
    original = json.loads((ROOT / f"{name}.ipynb").read_text(encoding="utf-8"))
    if len(downloaded.get("cells", [])) != len(original["cells"]):
        problems.append("the downloaded .ipynb is not the repository's notebook")
    SUMMARY["notebooks"].append({"page": name, "colab": expected, "download": href})
    return problems


def test_index_redirects_to_the_first_page(open_page):
    seen = open_page("index")
    seen.page.wait_for_url(re.compile(re.escape(PAGES[0]) + r"\.html"), timeout=TIMEOUT_MS)


def test_search_finds_bloom(open_page):
    seen = open_page("search", path=f"search.html?q={SEARCH_QUERY}")
    results = seen.page.locator("#search-results ul.search li")
    results.first.wait_for(timeout=TIMEOUT_MS)
    SUMMARY["search"] = {"query": SEARCH_QUERY, "results": results.count()}
    assert results.count() >= 1
    assert not seen.console_errors, seen.console_errors


@pytest.mark.parametrize("name", [PAGES[0]] + NOTEBOOK_PAGES[:1], ids=lambda n: Path(n).name)
def test_screenshot(name, open_page):
    seen = open_page(name)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"screenshot-{Path(name).name}.png"
    seen.page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000, f"{path} looks empty"
    SUMMARY["screenshots"].append(str(path.relative_to(ROOT)))


CHAPTER_PAGES = [page for page in PAGES if re.fullmatch(r"book/0[1-7]_\w+", page)]
# Each chapter page's figures, drawn from the course's data at build time (book/_ext/chapter_figures.py).
FIGURES_JS = """() => Array.from(document.querySelectorAll("figure img"))
  .filter((img) => img.src.includes("ch0"))
  .map((img) => ({alt: img.getAttribute("alt") || "", width: img.naturalWidth}))"""


@pytest.mark.parametrize("name", CHAPTER_PAGES)
def test_chapter_page_shows_a_generated_figure(name, open_page):
    seen = open_page(name)
    seen.page.evaluate(IMAGES_JS)  # waits until every image has loaded
    figures = seen.page.evaluate(FIGURES_JS)
    assert figures, f"{name}: no generated figure"
    for figure in figures:
        assert figure["width"] > 0, f"{name}: a figure did not load"
        assert len(figure["alt"]) >= 80, f"{name}: a figure's alt text is too short"
    SUMMARY.setdefault("chapter_figures", {})[name] = len(figures)
