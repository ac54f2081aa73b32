"""Measure each notebook while nbval executes it: wall time, CPU seconds and peak memory.

Enabled when ``OSAI_STATS_FILE`` names a JSON file. After every cell it reads the kernel
process's counters (psutil; peak RSS from Linux's VmHWM); when the run ends it merges one entry
per notebook into that file, which book/status.md renders. Nothing here is typed in by hand.
"""

from __future__ import annotations

import json
import os
import platform
import time
from datetime import date
from pathlib import Path

import psutil
import pytest

_RUNS: dict[str, dict] = {}


def _kernel_process(item) -> psutil.Process | None:
    kernel = getattr(item.parent, "kernel", None)
    manager = getattr(kernel, "km", None)
    provisioner = getattr(manager, "provisioner", None)
    process = getattr(provisioner, "process", None)
    pid = getattr(process, "pid", None)
    try:
        return psutil.Process(pid) if pid else None
    except psutil.Error:
        return None


def _peak_rss_bytes(process: psutil.Process) -> int:
    """The high-water mark of resident memory (VmHWM) where Linux reports it, else current RSS."""
    try:
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return process.memory_info().rss


def _children_rss_bytes(process: psutil.Process) -> int:
    total = 0
    for child in process.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.Error:
            pass
    return total


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    start = time.time()
    yield
    process = _kernel_process(item)
    if process is None:
        return
    name = Path(str(item.fspath)).name
    run = _RUNS.setdefault(name, {"start": start, "peak_rss": 0, "children_rss": 0, "cells": 0})
    try:
        cpu = process.cpu_times()
        run["cpu_s"] = cpu.user + cpu.system + cpu.children_user + cpu.children_system
        run["peak_rss"] = max(run["peak_rss"], _peak_rss_bytes(process))
        run["children_rss"] = max(run["children_rss"], _children_rss_bytes(process))
    except psutil.Error:
        pass
    run["end"] = time.time()
    run["cells"] += 1


def pytest_sessionfinish(session):
    target = os.environ.get("OSAI_STATS_FILE")
    if not target or not _RUNS:
        return
    path = Path(target)
    stats = json.loads(path.read_text()) if path.is_file() else {}
    notebooks = stats.setdefault("notebooks", {})
    for name, run in sorted(_RUNS.items()):
        notebooks[name] = {
            "wall_s": round(run["end"] - run["start"], 1),
            "cpu_s": round(run.get("cpu_s", 0.0), 1),
            "peak_rss_mb": round(run["peak_rss"] / 2**20),
            "children_rss_mb": round(run["children_rss"] / 2**20),
            "code_cells": run["cells"],
            "measured_on": date.today().isoformat(),
        }
    stats["machine"] = {
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30),
        "python": platform.python_version(),
        "system": platform.system(),
    }
    path.write_text(json.dumps(stats, indent=2, sort_keys=True) + "\n")
