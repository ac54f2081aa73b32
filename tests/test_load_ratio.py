"""scripts/load_ratio.py: the idle and loaded runs, the verdict, and what the status page shows."""

from __future__ import annotations

import json

import pytest

from scripts import load_ratio
from tests.book_extensions import load_extension


class _Loop:
    """Stands in for the pinned busy loop; records that it was stopped."""

    killed = False

    def kill(self):
        self.killed = True

    def wait(self):
        return 0


@pytest.fixture
def fake_runs(monkeypatch):
    """wall_seconds answers from a table: (notebook, loaded?) -> seconds."""
    loops: list[_Loop] = []
    table: dict[tuple[str, bool], float] = {}

    def wall_seconds(notebook, stats_file):
        return table[(notebook, bool(loops) and not loops[-1].killed)]

    def busy_core():
        loops.append(_Loop())
        return loops[-1]

    monkeypatch.setattr(load_ratio, "wall_seconds", wall_seconds)
    monkeypatch.setattr(load_ratio, "busy_core", busy_core)
    monkeypatch.setattr(load_ratio.os, "sched_getaffinity", lambda pid: {0, 1})
    return table, loops


def test_ratios_are_merged_into_the_stats_and_the_loop_is_stopped(fake_runs, tmp_path):
    table, loops = fake_runs
    table.update({("05_generative_ai", False): 40.0, ("05_generative_ai", True): 52.0})
    stats = tmp_path / "stats.json"
    stats.write_text(json.dumps({"notebooks": {"05_generative_ai.ipynb": {"wall_s": 40.0}}}))

    assert load_ratio.main(["05_generative_ai", "--stats", str(stats)]) == 0

    written = json.loads(stats.read_text())
    assert written["notebooks"] == {"05_generative_ai.ipynb": {"wall_s": 40.0}}, "rows kept"
    row = written["under_load"]["05_generative_ai.ipynb"]
    assert (row["idle_wall_s"], row["loaded_wall_s"], row["ratio"]) == (40.0, 52.0, 1.3)
    assert row["max_ratio"] == load_ratio.MAX_RATIO
    assert loops and all(loop.killed for loop in loops), "the busy loop must be stopped"


def test_a_notebook_over_the_limit_fails(fake_runs, capsys):
    table, _ = fake_runs
    table.update({("07_federated_learning", False): 20.0, ("07_federated_learning", True): 31.0})
    assert load_ratio.main(["07_federated_learning"]) == 1
    assert "07_federated_learning.ipynb" in capsys.readouterr().out


def test_an_unknown_notebook_is_refused_with_the_expected_form(fake_runs, capsys):
    with pytest.raises(SystemExit):
        load_ratio.main(["05_generative"])
    assert "give stems like 05_generative_ai" in capsys.readouterr().err


def test_the_status_page_renders_the_loaded_runs():
    course_stats = load_extension("course_stats")
    lines = course_stats.under_load_lines(
        {
            "a.ipynb": {
                "idle_wall_s": 10.0,
                "loaded_wall_s": 14.0,
                "ratio": 1.4,
                "max_ratio": 1.5,
                "measured_on": "2026-12-02",
            },
            "b.ipynb": {
                "idle_wall_s": 10.0,
                "loaded_wall_s": 16.0,
                "ratio": 1.6,
                "max_ratio": 1.5,
                "measured_on": "2026-12-02",
            },
        }
    )
    rows = [line for line in lines if line.startswith("| a.") or line.startswith("| b.")]
    assert rows[0].endswith("| 1.4 | 1.5 | yes | 2026-12-02 |")
    assert rows[1].endswith("| 1.6 | 1.5 | **no** | 2026-12-02 |")
    assert course_stats.under_load_lines({}) == []
