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
import urllib.parse
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
LOOPBACK = {"127.0.0.1", "localhost", "[::1]", "::1"}
TIMEOUT_MS = 30_000
# JavaScript run in the page: wait for every image, then describe it
# (its address, alt text and width).
IMAGES_JS = """async () => {
  const images = Array.from(document.images);
  images.forEach((img) => { img.loading = "eager"; });
  await Promise.all(images.map((img) => img.complete ? null : new Promise((done) => {
    img.addEventListener("load", done); img.addEventListener("error", done);
    setTimeout(done, 10000);
  })));
  return images.map((img) => ({src: img.currentSrc || img.src, alt: img.getAttribute("alt"),
                               width: img.naturalWidth}));
}"""

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


def is_loopback(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in {"data", "blob", "about"} or parts.hostname in LOOPBACK


class Visit:
    """One page opened in a fresh browser context that lets only loopback requests through."""

    def __init__(self, browser, url: str, name: str):
        self.name = name
        self.external: list[str] = []
        self.console_errors: list[str] = []
        self.failed_local: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.console_errors.append(f"pageerror: {error}"))
        self.page.on("response", self._response)
        self.response = self.page.goto(url, wait_until="load", timeout=TIMEOUT_MS)
        self.page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)

    def _route(self, route):
        url = route.request.url
        if is_loopback(url):
            route.continue_()
        else:
            self.external.append(url)
            SUMMARY["external_requests"][url].append(self.name)
            route.abort("blockedbyclient")

    def _console(self, message):
        if message.type != "error":
            return
        source = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource") and not is_loopback(source):
            return  # a blocked external request: reported as such, not as a script error
        self.console_errors.append(f"{message.text} ({source})")

    def _response(self, response):
        if response.status >= 400 and is_loopback(response.url):
            self.failed_local.append(f"{response.url} -> HTTP {response.status}")

    def close(self):
        self.context.close()


@pytest.fixture
def open_page(browser, base_url):
    """Open a page of the book by its document name (or any ``path`` below the site, e.g. a search
    query) in its own loopback-only context; every page a test opened is closed after it."""
    opened: list[Visit] = []

    def _open(name: str, path: str | None = None) -> Visit:
        opened.append(Visit(browser, base_url + (path or f"{name}.html"), name))
        return opened[-1]

    yield _open
    for page in opened:
        page.close()


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
