"""Copy the pages the chapter-4 app indexes into the package: python scripts/course_corpus.py

Notebook 04 answers questions about some of this book's pages (the `pages` of
`osai/facts/qa_eval.yaml`). A learner on Colab has the package, not the checkout, so the package
owns copies of those pages in `osai/corpus/` (`osai.facts.corpus_dir()`), one file per page under
its file name. This script writes them from `book/`; `--check` only lists the copies that differ
(`tests/test_facts.py` fails on any, "run `make corpus`"). Run it after editing one of the pages.
"""

from __future__ import annotations

import sys
from pathlib import Path

from osai import facts

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "osai" / "corpus"


def wanted() -> dict[str, bytes]:
    """Each corpus file's name and the bytes it should hold: the page in the checkout."""
    pages = facts.load_yaml("qa_eval.yaml")["pages"]
    return {Path(page).name: (ROOT / page).read_bytes() for page in pages}


def differences(corpus: Path = CORPUS) -> list[str]:
    """The corpus files that are missing, stale or not listed in qa_eval.yaml (empty: in step)."""
    expected = wanted()
    present = {p.name for p in corpus.glob("*.md")}
    out = [name for name in sorted(present - set(expected))]
    for name, content in sorted(expected.items()):
        path = corpus / name
        if not path.is_file() or path.read_bytes() != content:
            out.append(name)
    return out


def write(corpus: Path = CORPUS) -> list[str]:
    """Bring the corpus in step with the checkout's pages; return the files it changed."""
    changed = differences(corpus)
    expected = wanted()
    corpus.mkdir(parents=True, exist_ok=True)
    for name in changed:
        if name in expected:
            (corpus / name).write_bytes(expected[name])
        else:
            (corpus / name).unlink()
    return changed


if __name__ == "__main__":
    if "--check" in sys.argv[1:]:
        stale = differences()
        print("\n".join(stale) if stale else "osai/corpus is in step with the book's pages")
        raise SystemExit(1 if stale else 0)
    print("\n".join(f"updated osai/corpus/{name}" for name in write()) or "nothing to update")
