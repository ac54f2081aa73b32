"""Sphinx directive ``execution-stats``: the measured run time and memory of every notebook.

The numbers come from book/_data/execution_stats.generated.json, which `make stats` writes
(tests/plugins/execution_stats.py measures each notebook while nbval executes it; `make test`
writes the same measurements to build/execution_stats.json and leaves the committed copy alone).
Nothing here is typed in.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

STATS_FILE = Path(__file__).resolve().parents[1] / "_data" / "execution_stats.generated.json"
# The course's budget per notebook, whole process tree, on a 2-core CPU (CONTRIBUTING.md).
BUDGET_WALL_S = 60
BUDGET_PEAK_MB = 2500


def load_stats(path: Path = STATS_FILE) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def peak_memory_mb(row: dict) -> int | None:
    """A notebook's peak memory: the whole process tree's PSS where measured, else None."""
    value = row.get("peak_tree_pss_mb")
    return int(value) if isinstance(value, (int, float)) else None


def within_budget(row: dict) -> str:
    peak = peak_memory_mb(row)
    if peak is None or not isinstance(row.get("wall_s"), (int, float)):
        return "not measured"
    return "yes" if row["wall_s"] <= BUDGET_WALL_S and peak <= BUDGET_PEAK_MB else "**no**"


def _cell(value) -> str:
    return "—" if value is None else str(value)


def under_load_lines(rows: dict) -> list[str]:
    """The training notebooks idle and beside a busy core (scripts/load_ratio.py), as a table."""
    if not rows:
        return []
    lines = [
        "",
        "Under load (`scripts/load_ratio.py`): the training notebooks idle and with one core kept "
        "busy by another process, in one run; the budget is the ratio's limit in the last column.",
        "",
        "| notebook | idle wall time (s) | wall time, one core busy (s) | ratio | limit "
        "| within budget | measured on |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for name, row in sorted(rows.items()):
        ok = "yes" if row["ratio"] <= row["max_ratio"] else "**no**"
        lines.append(
            f"| {name} | {row['idle_wall_s']} | {row['loaded_wall_s']} | {row['ratio']} "
            f"| {row['max_ratio']} | {ok} | {row['measured_on']} |"
        )
    return lines


class ExecutionStats(SphinxDirective):
    """Render the measured statistics as a table (one row per notebook)."""

    def run(self):
        self.env.note_dependency(str(STATS_FILE))
        stats = load_stats()
        rows = stats.get("notebooks", {})
        if not rows:
            return [nodes.paragraph(text="No execution statistics yet: run `make stats`.")]
        lines = [
            "| notebook | wall time (s) | CPU time, whole process tree (s) "
            "| peak memory, whole process tree (PSS, MB) | peak RSS of the kernel alone (MB) "
            "| processes at most | within budget | measured on |",
            "|---|---:|---:|---:|---:|---:|---|---|",
        ]
        for name, row in sorted(rows.items()):
            lines.append(
                f"| {name} | {row['wall_s']} | {row['cpu_s']} | {_cell(peak_memory_mb(row))} "
                f"| {_cell(row.get('kernel_peak_rss_mb'))} | {_cell(row.get('max_processes'))} "
                f"| {within_budget(row)} | {row['measured_on']} |"
            )
        machine = stats.get("machine", {})
        lines += [
            "",
            f"Machine: {machine.get('cpus', '?')} CPU cores, {machine.get('memory_gb', '?')} GB "
            f"memory, {machine.get('system', '?')}, Python {machine.get('python', '?')}. "
            f"Budget per notebook: {BUDGET_WALL_S} s wall and {BUDGET_PEAK_MB} MB peak memory "
            "of the whole process tree.",
        ]
        lines += under_load_lines(stats.get("under_load", {}))
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source=str(STATS_FILE)), 0, container)
        return container.children


def setup(app):
    app.add_directive("execution-stats", ExecutionStats)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
