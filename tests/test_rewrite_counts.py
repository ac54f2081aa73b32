"""The count-and-warn shape every HTML rewrite of the book shares (book/_ext/rewrite_counts.py):
after a build that wrote every page, a rewrite that changed nothing is a warning (it fails the
``-W`` build); an incremental build gives no verdict."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.book_extensions import load_extension

REWRITERS = ["a11y_fixes", "offline_badge", "script_dedup", "student_colab"]


def _app(pages_in_book: int):
    return SimpleNamespace(
        builder=SimpleNamespace(format="html"),
        env=SimpleNamespace(found_docs=set(range(pages_in_book))),
    )


@pytest.fixture
def warnings(monkeypatch):
    def record(extension):
        seen = []
        helper = extension.rewrite_counts
        monkeypatch.setattr(helper, "LOGGER", SimpleNamespace(warning=seen.append))
        return seen

    return record


@pytest.mark.parametrize("name", REWRITERS)
def test_a_full_build_where_a_rewrite_matched_nothing_warns(name, warnings):
    extension = load_extension(name)
    seen = warnings(extension)
    app = _app(pages_in_book=2)
    extension.rewrite_counts.counts(app, name)["pages"] += 2
    extension.warn_if_unmatched(app, None)
    assert len(seen) == len(extension.UNMATCHED) and all(f"{name}" in w for w in seen), seen


@pytest.mark.parametrize("name", REWRITERS)
def test_a_rewrite_that_matched_is_quiet_and_so_is_an_incremental_build(name, warnings):
    extension = load_extension(name)
    seen = warnings(extension)
    full = _app(pages_in_book=2)
    counts = extension.rewrite_counts.counts(full, name)
    counts.update({"pages": 2, **{rewrite: 1 for rewrite in extension.UNMATCHED}})
    extension.warn_if_unmatched(full, None)
    incremental = _app(pages_in_book=5)
    extension.rewrite_counts.counts(incremental, name)["pages"] += 1
    extension.warn_if_unmatched(incremental, None)
    extension.warn_if_unmatched(_app(pages_in_book=0), RuntimeError("the build failed"))
    assert seen == []


def test_the_counter_lives_on_the_app_and_a_unit_test_gets_a_fresh_one():
    helper = load_extension("offline_badge").rewrite_counts
    app = _app(pages_in_book=1)
    helper.counts(app, "offline_badge")["badges"] += 3
    assert app.offline_badge_counts["badges"] == 3
    assert helper.counts(None, "offline_badge") == {}
