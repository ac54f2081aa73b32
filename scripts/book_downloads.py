"""The book's downloads: the built HTML as a zip, and the whole book as one PDF.

    python scripts/book_downloads.py _build/html build/downloads [--chromium /usr/bin/chromium]

writes into the output folder

* ``open-source-ai-course-html.zip``: the built site (it reads offline: MathJax and every image
  are inside; open ``index.html``);
* ``open-source-ai-course.pdf``: every page of _toc.yml in reading order, printed by Debian's
  headless Chromium (driven by playwright, which never downloads a browser) once MathJax has
  typeset the page, merged with pypdf, with one bookmark per page;
* ``open-source-ai-course-pdf.json``: what went into the PDF (pages, titles, formulas typeset),
  which tests/test_book_pdf.py reads back.

The site is served on 127.0.0.1 and every other request is blocked: it prints offline.
`make pdf` runs it after `make book` and copies the downloads next to the book's pages.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.browser.site import toc_pages  # noqa: E402  (the one reader of _toc.yml's pages)

PDF_NAME = "open-source-ai-course.pdf"
ZIP_NAME = "open-source-ai-course-html.zip"
MANIFEST_NAME = "open-source-ai-course-pdf.json"
DOWNLOADS = (PDF_NAME, ZIP_NAME, "student-notebooks.zip")
TIMEOUT_MS = 60_000
TYPESET_JS = """async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    await MathJax.startup.promise;
  }
  const math = Array.from(document.querySelectorAll("article .math"));
  const h1 = document.querySelector("article h1");
  const title = h1 ? h1.cloneNode(true) : null;
  if (title) title.querySelectorAll(".headerlink").forEach((a) => a.remove());
  return {title: title ? title.textContent.trim() : document.title,
          formulas: math.length,
          typeset: math.filter((el) => el.querySelector("mjx-container")).length};
}"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def zip_site(site: Path, target: Path) -> int:
    """Zip the built site (without the downloads themselves) into ``target``; files zipped."""
    files = [
        p
        for p in sorted(site.rglob("*"))
        if p.is_file() and p.relative_to(site).as_posix() not in DOWNLOADS
    ]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in files:
            archive.write(path, Path("open-source-ai-course") / path.relative_to(site))
    return len(files)


def print_pdf(site: Path, target: Path, chromium: Path) -> list[dict]:
    """Print every page of the book to one PDF; returns what each page contributed."""
    from playwright.sync_api import sync_playwright
    from pypdf import PdfReader, PdfWriter

    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    pages: list[dict] = []
    writer = PdfWriter()
    try:
        with sync_playwright() as playwright, tempfile.TemporaryDirectory() as tmp:
            browser = playwright.chromium.launch(
                executable_path=str(chromium), args=["--no-sandbox", "--disable-gpu"]
            )
            context = browser.new_context()
            context.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith(base)
                    else route.abort("blockedbyclient")
                ),
            )
            page = context.new_page()
            for name in toc_pages():
                page.goto(f"{base}{name}.html", wait_until="networkidle", timeout=TIMEOUT_MS)
                info = page.evaluate(TYPESET_JS)
                if info["typeset"] != info["formulas"]:
                    raise SystemExit(
                        f"{name}: MathJax typeset {info['typeset']} of {info['formulas']} formulas; "
                        "is _static/mathjax in the built book (`make book`)?"
                    )
                part = Path(tmp) / f"{len(pages):03d}.pdf"
                page.emulate_media(media="print")
                page.pdf(
                    path=str(part),
                    format="A4",
                    print_background=True,
                    margin={"top": "15mm", "bottom": "15mm", "left": "12mm", "right": "12mm"},
                )
                start = len(writer.pages)
                writer.append(PdfReader(part))
                writer.add_outline_item(info["title"], start)
                pages.append({"page": name, "first_pdf_page": start + 1, **info})
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    writer.add_metadata({"/Title": "Open Source AI — a hands-on course"})
    with target.open("wb") as handle:
        writer.write(handle)
    return pages


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the built book (_build/html)")
    parser.add_argument("out", type=Path, help="where the downloads go (build/downloads)")
    parser.add_argument("--chromium", type=Path, default=Path("/usr/bin/chromium"))
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        raise SystemExit(f"no built book at {args.site}: run `make book` first")
    if not args.chromium.is_file():
        raise SystemExit(
            f"no Chromium at {args.chromium}: install Debian's with `sudo apt-get install -y chromium`"
        )
    args.out.mkdir(parents=True, exist_ok=True)
    count = zip_site(args.site, args.out / ZIP_NAME)
    print(f"{args.out / ZIP_NAME}: {count} files")
    pages = print_pdf(args.site, args.out / PDF_NAME, args.chromium)
    manifest = {"pdf": PDF_NAME, "pages": pages}
    (args.out / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    formulas = sum(p["formulas"] for p in pages)
    print(f"{args.out / PDF_NAME}: {len(pages)} book pages, {formulas} formulas typeset")


if __name__ == "__main__":
    main()
