"""Sphinx directive ``execution-stats``: the measured run time and memory of every notebook.

The numbers come from data/execution_stats.json, which `make test` (tests/plugins/
execution_stats.py) writes while nbval executes each notebook. Nothing here is typed in.
"""

from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective

STATS_FILE = Path(__file__).resolve().parents[2] / "data" / "execution_stats.json"


def load_stats(path: Path = STATS_FILE) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


class ExecutionStats(SphinxDirective):
    """Render data/execution_stats.json as a table (one row per notebook)."""

    def run(self):
        self.env.note_dependency(str(STATS_FILE))
        stats = load_stats()
        rows = stats.get("notebooks", {})
        if not rows:
            return [nodes.paragraph(text="No execution statistics yet: run `make test`.")]
        lines = [
            "| notebook | wall time (s) | CPU time (s) | peak RSS of the kernel (MB) | code cells | measured on |",
            "|---|---:|---:|---:|---:|---|",
        ]
        for name, row in sorted(rows.items()):
            lines.append(
                f"| {name} | {row['wall_s']} | {row['cpu_s']} | {row['peak_rss_mb']} "
                f"| {row['code_cells']} | {row['measured_on']} |"
            )
        machine = stats.get("machine", {})
        lines += [
            "",
            f"Machine: {machine.get('cpus', '?')} CPU cores, {machine.get('memory_gb', '?')} GB "
            f"memory, {machine.get('system', '?')}, Python {machine.get('python', '?')}.",
        ]
        container = nodes.container()
        self.state.nested_parse(StringList(lines, source=str(STATS_FILE)), 0, container)
        return container.children


def setup(app):
    app.add_directive("execution-stats", ExecutionStats)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
