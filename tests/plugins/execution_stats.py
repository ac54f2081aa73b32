"""Measure each notebook while nbval executes it: wall time, CPU time and peak memory of the
whole process tree (the kernel and every process it started, e.g. chapter 7's Flower SuperLink,
SuperNodes and ClientApps).

Enabled when ``OSAI_STATS_FILE`` names a JSON file (``make notebooks`` writes
build/execution_stats.json; ``make stats`` refreshes the committed copy that the book renders,
book/_data/execution_stats.generated.json). While each cell runs, a background thread samples
every process of the tree (psutil):

- its resident memory, cheaply, every ``SAMPLE_S`` seconds; whenever the tree's summed RSS comes
  within 3 % of its highest value so far, also its proportional set size (PSS: each shared page
  counted once over all processes that map it, so shared libraries are not counted five times),
  at most once per ``PSS_EVERY_S`` seconds because reading PSS walks the page tables;
- its CPU time (user + system), so processes that come and go within a cell still count.

The tree is the kernel's descendants plus every process that inherited a marker variable set here
(a process whose parent exited is re-parented and leaves the tree, but keeps its environment).
When the run ends one entry per notebook is merged into the file. Nothing is typed in by hand.
"""

from __future__ import annotations

import json
import os
import platform
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import psutil
import pytest

from osai.federated.processes import processes_carrying

MARKER_VARIABLE = "OSAI_STATS_TREE"
SAMPLE_S = 0.2
PSS_EVERY_S = 1.0
_RUNS: dict[str, dict] = {}


def pytest_configure(config):
    if os.environ.get("OSAI_STATS_FILE"):
        # Inherited by the kernel nbval starts and by everything the kernel starts.
        os.environ.setdefault(MARKER_VARIABLE, uuid.uuid4().hex)


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


def kernel_peak_rss_bytes(process: psutil.Process) -> int:
    """The kernel's own high-water mark of resident memory (VmHWM) where Linux reports it."""
    try:
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return process.memory_info().rss


def pss_bytes(process: psutil.Process) -> int:
    """Proportional set size (Linux ``smaps_rollup``); the RSS where PSS is not available."""
    try:
        for line in Path(f"/proc/{process.pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return process.memory_info().rss


class TreeSampler:
    """Samples the memory and CPU time of ``root`` and all its descendants in a thread."""

    def __init__(self, root: psutil.Process, marker: str | None = None):
        self.root = root
        self.marker = marker
        self.peak_rss_sum = 0  # bytes, sum over the tree's processes at one instant
        self.peak_pss_sum = 0
        self.max_processes = 0
        self.cpu_by_pid: dict[tuple[int, float], float] = {}
        self._last_pss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="osai-tree-sampler", daemon=True)

    def members(self, scan_marker: bool) -> list[psutil.Process]:
        found: dict[int, psutil.Process] = {}
        try:
            found[self.root.pid] = self.root
            for child in self.root.children(recursive=True):
                found[child.pid] = child
        except psutil.Error:
            pass
        if scan_marker and self.marker:
            for p in processes_carrying(MARKER_VARIABLE, self.marker, skip=found):
                found[p.pid] = p
        return list(found.values())

    def sample(self, scan_marker: bool = True) -> None:
        members = self.members(scan_marker)
        rss_sum = 0
        alive = []
        for p in members:
            try:
                with p.oneshot():
                    rss_sum += p.memory_info().rss
                    cpu = p.cpu_times()
                    key = (p.pid, p.create_time())
                self.cpu_by_pid[key] = max(self.cpu_by_pid.get(key, 0.0), cpu.user + cpu.system)
                alive.append(p)
            except psutil.Error:
                pass
        self.max_processes = max(self.max_processes, len(alive))
        near_peak = rss_sum >= 0.97 * self.peak_rss_sum
        self.peak_rss_sum = max(self.peak_rss_sum, rss_sum)
        now = time.monotonic()
        if near_peak and now - self._last_pss >= PSS_EVERY_S:
            self._last_pss = now
            total = 0
            for p in alive:
                try:
                    total += pss_bytes(p)
                except psutil.Error:
                    pass
            self.peak_pss_sum = max(self.peak_pss_sum, total)

    def _loop(self) -> None:
        tick = 0
        while not self._stop.is_set():
            self.sample(scan_marker=tick % 5 == 0)
            tick += 1
            self._stop.wait(SAMPLE_S)

    def start(self) -> TreeSampler:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self._last_pss = 0.0  # always one full sample (with PSS) at the end
        self.sample()

    @property
    def cpu_seconds(self) -> float:
        return sum(self.cpu_by_pid.values())


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    start = time.time()
    process = _kernel_process(item) if os.environ.get("OSAI_STATS_FILE") else None
    sampler = TreeSampler(process, os.environ.get(MARKER_VARIABLE)).start() if process else None
    yield
    if sampler is None:
        return
    sampler.stop()
    name = Path(str(item.fspath)).name
    run = _RUNS.setdefault(
        name,
        {"start": start, "cpu": {}, "rss": 0, "pss": 0, "kernel": 0, "procs": 0, "cells": 0},
    )
    run["cpu"].update(sampler.cpu_by_pid)  # later cells see the same processes with more CPU
    run["rss"] = max(run["rss"], sampler.peak_rss_sum)
    run["pss"] = max(run["pss"], sampler.peak_pss_sum)
    run["procs"] = max(run["procs"], sampler.max_processes)
    try:
        run["kernel"] = max(run["kernel"], kernel_peak_rss_bytes(process))
    except psutil.Error:
        pass
    run["end"] = time.time()
    run["cells"] += 1


def pytest_sessionfinish(session):
    target = os.environ.get("OSAI_STATS_FILE")
    if not target or not _RUNS:
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    stats = json.loads(path.read_text()) if path.is_file() else {}
    notebooks = stats.setdefault("notebooks", {})
    for name, run in sorted(_RUNS.items()):
        notebooks[name] = {
            "wall_s": round(run["end"] - run["start"], 1),
            "cpu_s": round(sum(run["cpu"].values()), 1),
            "peak_tree_pss_mb": round(run["pss"] / 2**20),
            "peak_tree_rss_sum_mb": round(run["rss"] / 2**20),
            "kernel_peak_rss_mb": round(run["kernel"] / 2**20),
            "max_processes": run["procs"],
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
