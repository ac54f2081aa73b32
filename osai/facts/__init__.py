"""The course's facts as data, shipped inside the package.

Every fact a notebook computes with (openness scores, licence clauses, published sizes and costs,
the chapter-4 evaluation set) is a YAML file in this folder, each value next to its source. They
travel with ``pip install osai`` (wheel or editable), so a notebook reads the same file in a
checkout, in a plain install and on Colab. This module is the one place that finds them, and
the pages the chapter-4 app indexes (:func:`corpus_dir`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path


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


def corpus_dir() -> Path:
    """The folder of the pages the chapter-4 app indexes (``intro.md``, ``setup.md``, …; the
    ``pages`` of ``qa_eval.yaml``, by file name). The package owns copies of them, so a plain
    install and Colab have them; in the repository, ``make corpus`` writes them from the book."""
    folder = Path(str(resources.files("osai") / "corpus"))
    pages = load_yaml("qa_eval.yaml")["pages"]
    missing = [Path(page).name for page in pages if not (folder / Path(page).name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"osai's corpus lacks {', '.join(missing)} (in {folder}). Reinstall the course "
            "package (pip install --force-reinstall osai), or run `make corpus` in a clone."
        )
    return folder


# --- The course's "as of" date, and the date every fact was last checked --------------------
#
# The course describes the field as it stood on AS_OF. It is declared here, in the package, and
# nowhere else, because everything that prints it imports osai: the notebooks, the book's
# figures and tables, the status page and the freshness test. The book's configuration would
# not do: it is not shipped with the package, so a plain install and Colab could not read it.
# Updating the course: change AS_OF, run the fact-freshness test, re-check every fact it names
# against its source, and set that fact's `checked:` date.
AS_OF = date(2026, 12, 2)
# A fact last checked more than this many months before AS_OF is stale.
FRESHNESS_MONTHS = 12

# Where each fact file keeps its entries: a path of keys into the YAML (a mapping or list of
# entries at the end of it). Each entry carries `checked:` (an ISO date) and its source.
DATED_ENTRIES: dict[str, tuple[tuple[str, ...], ...]] = {
    "openness.yaml": (("projects",),),
    "published_configs.yaml": ((),),
    "resources.yaml": (("parameters",), ("training",), ("hardware",)),
    "qa_eval.yaml": (("questions",),),
    "licences.yaml": (("licences",),),
}
# The fields that name an entry's source, in each file (the first one present is shown).
SOURCE_FIELDS = ("source", "licence_source", "url", "published_configs")


@dataclass(frozen=True)
class DatedFact:
    """One entry of a fact file with the date it was last checked (None: it has no date)."""

    file: str
    key: str
    checked: date | None
    source: str | None


def as_date(value) -> date | None:
    """A YAML date, datetime or ISO string as a ``datetime.date``; None when it is not one."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _source_of(entry: dict) -> str | None:
    for name in SOURCE_FIELDS:
        value = entry.get(name)
        if value:
            return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return None


def dated_facts(name: str, path: str | Path | None = None) -> list[DatedFact]:
    """Every entry of fact file ``name`` (or of the copy at ``path``) with its `checked` date."""
    if name not in DATED_ENTRIES:
        raise KeyError(f"{name!r} is not a dated fact file; they are {', '.join(DATED_ENTRIES)}.")
    data = load_yaml(name, path) or {}
    out = []
    for keys in DATED_ENTRIES[name]:
        node = data
        for key in keys:
            node = node.get(key, {}) if isinstance(node, dict) else {}
        items = enumerate(node) if isinstance(node, list) else node.items()
        for key, entry in items:
            if not isinstance(entry, dict):
                continue
            label = "/".join([*keys, str(entry.get("question", key))[:60]])
            out.append(DatedFact(name, label, as_date(entry.get("checked")), _source_of(entry)))
    return out


def months_between(earlier: date, later: date) -> float:
    """Whole and fractional months from ``earlier`` to ``later`` (30.44 days a month)."""
    return (later - earlier).days / 30.44


def stale(
    facts: list[DatedFact], as_of: date = AS_OF, months: int = FRESHNESS_MONTHS
) -> list[DatedFact]:
    """The facts with no `checked` date, or one more than ``months`` before ``as_of``."""
    return [f for f in facts if f.checked is None or months_between(f.checked, as_of) > months]


def oldest(facts: list[DatedFact], n: int = 10) -> list[DatedFact]:
    """The ``n`` facts checked longest ago (undated ones first)."""
    return sorted(facts, key=lambda f: (f.checked is not None, f.checked or date.min, f.key))[:n]
