"""What the browser test needs to know about the book: its pages (from _toc.yml), its repository
(from _config.yml) and where the built HTML is. Nothing here is specific to one chapter."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from scripts.notebook_cells import repository

ROOT = Path(__file__).resolve().parents[2]
# `make book` builds into _build/html; a build elsewhere (--path-output X) is X/_build/html.
SITE_ENV = "OSAI_SITE_DIR"
DEFAULT_SITE = ROOT / "_build" / "html"


def site_dir() -> Path:
    value = os.environ.get(SITE_ENV)
    return Path(value).resolve() if value else DEFAULT_SITE


def _entries(node: dict) -> list[str]:
    """Every `file:` below one _toc.yml node, depth first, in reading order (globs expanded)."""
    files = []
    if "file" in node:
        files.append(str(node["file"]))
    if "glob" in node:
        files += sorted(
            str(p.relative_to(ROOT).with_suffix("")) for p in ROOT.glob(node["glob"] + ".*")
        )
    for key in ("parts", "chapters", "sections"):
        for child in node.get(key, []) or []:
            files += _entries(child)
    return files


def toc_pages(toc: Path = ROOT / "_toc.yml") -> list[str]:
    """Document names of every page in the table of contents, the root first (no suffix)."""
    data = yaml.safe_load(toc.read_text(encoding="utf-8"))
    pages = [str(data["root"])] + _entries(data)
    return [p.removesuffix(".md").removesuffix(".ipynb") for p in dict.fromkeys(pages)]


def is_notebook(page: str) -> bool:
    return (ROOT / f"{page}.ipynb").is_file()


def colab_url(page: str, config: Path = ROOT / "_config.yml") -> str:
    """The Colab launch URL a notebook page should carry, from _config.yml: the page's student
    version, student/<name>.ipynb at the repository's root (book/_ext/student_colab.py), never
    the full notebook."""
    url, branch = repository(config)
    slug = url.removeprefix("https://github.com/")
    return f"https://colab.research.google.com/github/{slug}/blob/{branch}/student/{Path(page).name}.ipynb"
