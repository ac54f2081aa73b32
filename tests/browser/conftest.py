"""Fixtures of the browser test: the built book served on 127.0.0.1 and Debian's headless Chromium.

The test builds nothing: it expects the HTML of `make book` (`_build/html`, or the folder named by
OSAI_SITE_DIR). Without a built book or without /usr/bin/chromium it is skipped with the reason,
unless OSAI_BROWSER_REQUIRED=1 (`make browser` sets it), where either is an error.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import threading
from collections import defaultdict
from pathlib import Path

import pytest

from tests.browser.site import ROOT, SITE_ENV, site_dir

CHROMIUM = Path(os.environ.get("OSAI_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "build" / "artifacts"
REQUIRED = os.environ.get("OSAI_BROWSER_REQUIRED") == "1"

# What the test saw, printed at the end of the run and written to build/artifacts.
SUMMARY: dict = {
    "pages": [],
    "images": [],
    "internal_links": set(),
    "external_requests": defaultdict(list),
    "notebooks": [],
    "search": {},
    "screenshots": [],
}


def _unavailable(reason: str):
    if REQUIRED:
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".ipynb": "application/x-ipynb+json",
    }

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def site() -> Path:
    path = site_dir()
    if not (path / "index.html").is_file():
        _unavailable(
            f"no built book at {path} (run `make book`, or set {SITE_ENV} to the html folder "
            "of `jupyter-book build . --path-output DIR`, i.e. DIR/_build/html)"
        )
    return path


@pytest.fixture(scope="session")
def base_url(site: Path):
    """The book served by Python's http.server on 127.0.0.1, an ephemeral port, in a thread."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.is_file():
        _unavailable(
            f"no Chromium at {CHROMIUM}: install Debian's package with "
            "`sudo apt-get install -y chromium` (never `playwright install`)"
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


def pytest_terminal_summary(terminalreporter):
    if not SUMMARY["pages"]:
        return
    images = SUMMARY["images"]
    external = SUMMARY["external_requests"]
    write = terminalreporter.write_line
    terminalreporter.section("browser test: what it visited")
    write(f"pages: {len(SUMMARY['pages'])}")
    for page in SUMMARY["pages"]:
        write(
            f"  {page['page']}: {page['images']} images, {page['links']} internal links, "
            f"{page['headings']} headings"
            + (", notebook (Colab link, .ipynb download)" if page["notebook"] else "")
        )
    write(f"images: {len(images)} ({sum(1 for i in images if i['loaded'])} loaded locally)")
    write(f"internal links resolved: {len(SUMMARY['internal_links'])} distinct URLs")
    if SUMMARY["search"]:
        write(f"search for {SUMMARY['search']['query']!r}: {SUMMARY['search']['results']} results")
    for url, pages in sorted(external.items()):
        write(f"blocked external request: {url} (from {', '.join(sorted(set(pages)))})")
    for shot in SUMMARY["screenshots"]:
        write(f"screenshot: {shot}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = {
        **SUMMARY,
        "internal_links": sorted(SUMMARY["internal_links"]),
        "external_requests": {k: sorted(set(v)) for k, v in external.items()},
    }
    path = ARTIFACTS / "browser-summary.json"
    path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    write(f"summary: {path.relative_to(ROOT)}")
