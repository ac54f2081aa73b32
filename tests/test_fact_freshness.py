"""Facts carry their date: every entry of osai/facts/ says when it was last checked against its
source, and none was checked more than osai.facts.FRESHNESS_MONTHS before the course's "as of"
date, osai.facts.AS_OF (declared there only). Updating the course: move AS_OF, run this test,
re-check what it names against each source, and set those entries' `checked:` dates."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import yaml

from osai import facts
from scripts.notebook_cells import ROOT

# licences.yaml's entries are dated by whoever maintains the licence clauses. Until one of its
# entries carries a date, its undated entries are reported, not failed; from then on they fail
# like every other file's.
LICENCES = "licences.yaml"
FILES = tuple(facts.DATED_ENTRIES)


def _licences_dated() -> bool:
    return any(f.checked for f in facts.dated_facts(LICENCES))


def _must_be_dated(name: str) -> bool:
    return name != LICENCES or _licences_dated()


def _describe(found) -> str:
    return "; ".join(
        f"{f.file}: {f.key} (checked {f.checked or 'never'}, source {f.source})" for f in found
    )


def test_as_of_is_a_date_declared_once():
    assert isinstance(facts.AS_OF, date)
    assert facts.FRESHNESS_MONTHS == 12
    pattern = re.compile(r"^\s*AS_OF\s*=", re.MULTILINE)
    places = [
        p.relative_to(ROOT).as_posix()
        for folder in ("osai", "book/_ext", "scripts")
        for p in (ROOT / folder).rglob("*.py")
        if pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert places == ["osai/facts/__init__.py"], f"AS_OF is declared in {places}: keep one"


@pytest.mark.parametrize("name", FILES)
def test_every_entry_has_a_date_and_a_source(name):
    found = facts.dated_facts(name)
    assert found, f"{name} has no entries where osai.facts.DATED_ENTRIES looks"
    missing_source = [f for f in found if not f.source]
    assert not missing_source, f"entries without a source: {_describe(missing_source)}"
    undated = [f for f in found if f.checked is None]
    if undated and not _must_be_dated(name):
        pytest.skip(f"{name} is not dated yet ({len(undated)} entries): {_describe(undated)}")
    assert not undated, f"add `checked: YYYY-MM-DD` to {_describe(undated)}"


@pytest.mark.parametrize("name", FILES)
def test_no_fact_was_checked_more_than_a_year_before_the_as_of_date(name):
    found = [f for f in facts.dated_facts(name) if f.checked or _must_be_dated(name)]
    stale = facts.stale(found)
    assert not stale, (
        f"last checked more than {facts.FRESHNESS_MONTHS} months before {facts.AS_OF}: "
        f"re-check each against its source and update `checked`: {_describe(stale)}"
    )


@pytest.mark.parametrize("name", FILES)
def test_no_fact_is_checked_after_the_as_of_date(name):
    late = [f for f in facts.dated_facts(name) if f.checked and f.checked > facts.AS_OF]
    assert not late, f"checked after the course's as-of date {facts.AS_OF}: {_describe(late)}"


def test_a_date_pushed_back_is_stale(tmp_path):
    """The check itself: a copy of openness.yaml with one date moved 13 months back fails."""
    data = yaml.safe_load(facts.fact_file("openness.yaml").read_text(encoding="utf-8"))
    key = next(iter(data["projects"]))
    data["projects"][key]["checked"] = facts.AS_OF - timedelta(days=400)  # about 13 months
    copy = tmp_path / "openness.yaml"
    copy.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    stale = facts.stale(facts.dated_facts("openness.yaml", copy))
    assert [f.key for f in stale] == [f"projects/{key}"]


def test_an_undated_entry_is_stale():
    assert facts.stale([facts.DatedFact("x.yaml", "k", None, "https://x.org")])


def test_oldest_lists_undated_then_oldest_first():
    a = facts.DatedFact("x.yaml", "a", date(2026, 1, 1), "s")
    b = facts.DatedFact("x.yaml", "b", None, "s")
    c = facts.DatedFact("x.yaml", "c", date(2025, 1, 1), "s")
    assert [f.key for f in facts.oldest([a, b, c], 2)] == ["b", "c"]


def test_an_unknown_fact_file_is_refused():
    with pytest.raises(KeyError, match="not a dated fact file"):
        facts.dated_facts("nowhere.yaml")
