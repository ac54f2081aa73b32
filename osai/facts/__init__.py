"""The course's facts as data, shipped inside the package.

Every fact a notebook computes with (openness scores, licence clauses, published sizes and costs,
the chapter-4 evaluation set) is a YAML file in this folder, each value next to its source. They
travel with ``pip install osai`` (wheel or editable), so a notebook reads the same file in a
checkout, in a plain install and on Colab. This module is the one place that finds them; the
book pages that the chapter-4 app indexes are found here too.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

BOOK_PACKAGE = "osai.course_book"  # the wheel maps the repository's book/ folder here


def fact_file(name: str, path: str | Path | None = None) -> Path:
    """The path of the packaged fact file ``name`` (e.g. ``"licences.yaml"``), or ``path`` when
    given (a copy you edited). A missing file is an error that says how to fix it."""
    candidate = Path(path) if path is not None else Path(str(resources.files(__name__) / name))
    if candidate.is_file():
        return candidate
    if path is not None:
        raise FileNotFoundError(f"No fact file at {candidate}: pass the path of an existing file.")
    shipped = sorted(p.name for p in Path(str(resources.files(__name__))).glob("*.yaml"))
    raise FileNotFoundError(
        f"osai ships no fact file {name!r} (it ships {', '.join(shipped)}). "
        "Reinstall the course package (pip install --force-reinstall osai) if one is missing."
    )


def load_yaml(name: str, path: str | Path | None = None):
    """The parsed contents of a packaged fact file (see :func:`fact_file`)."""
    import yaml

    return yaml.safe_load(fact_file(name, path).read_text(encoding="utf-8"))


def book_dir() -> Path:
    """The folder holding the book's pages (``intro.md``, ``setup.md``, …): inside an installed
    wheel, or the repository's ``book/`` folder when ``osai`` is installed editable from a clone."""
    from importlib.util import find_spec

    # book/ has no __init__.py: in the wheel it is a namespace package, found by its location.
    spec = find_spec(BOOK_PACKAGE)
    if spec is not None and spec.submodule_search_locations:
        folder = Path(list(spec.submodule_search_locations)[0])
    else:  # an editable install does not map book/ into the package: read the clone's book/
        folder = Path(__file__).resolve().parents[2] / "book"
    if not (folder / "intro.md").is_file():
        raise FileNotFoundError(
            f"No book pages in {folder}. Install the course package from its wheel or a clone "
            "of the repository (pip install osai @ git+<repository URL>)."
        )
    return folder
