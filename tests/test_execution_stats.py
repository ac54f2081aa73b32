"""The execution-statistics plugin sees the whole process tree, not only the kernel."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psutil
import pytest

from tests.plugins.execution_stats import MARKER_VARIABLE, TreeSampler, pss_bytes

# A grandchild that holds 150 MB of touched memory and burns some CPU, then waits to be killed.
HOLDER = (
    "import time\n"
    "block = bytearray(150 * 2**20)\n"
    "for i in range(0, len(block), 4096): block[i] = 1\n"
    "t = time.process_time()\n"
    "while time.process_time() - t < 0.3: pass\n"
    "print('ready', flush=True)\n"
    "time.sleep(60)\n"
)
PARENT = (
    "import subprocess, sys\n"
    f"child = subprocess.Popen([sys.executable, '-c', {HOLDER!r}], stdout=sys.stdout)\n"
    "child.wait()\n"
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_sampler_counts_a_grandchild_memory_and_cpu():
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        assert parent.stdout.readline().strip() == "ready"
        root = psutil.Process(parent.pid)
        sampler = TreeSampler(root)
        sampler.sample()
        assert sampler.max_processes == 2
        assert sampler.peak_rss_sum >= 150 * 2**20
        assert sampler.peak_pss_sum >= 140 * 2**20  # the block is private: PSS sees it whole
        assert sampler.cpu_seconds >= 0.25  # the grandchild's busy loop
    finally:
        for p in psutil.Process(parent.pid).children(recursive=True):
            p.kill()
        parent.kill()
        parent.wait()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_marker_finds_a_process_that_left_the_tree():
    marker = "test-" + str(time.time_ns())
    env = {**os.environ, MARKER_VARIABLE: marker}
    # The middle process exits at once: its child is re-parented and no longer a descendant.
    code = (
        "import subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; print(1, flush=True); "
        "time.sleep(60)'], stdout=sys.stdout)\n"
    )
    root = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert root.stdout.readline().strip() == "1"
        root.wait(timeout=10)
        me = psutil.Process()
        orphans = TreeSampler(me, marker).members(scan_marker=True)
        assert any(p.pid != me.pid for p in orphans)
    finally:
        for p in psutil.process_iter():
            try:
                if p.environ().get(MARKER_VARIABLE) == marker:
                    p.kill()
            except psutil.Error:
                pass


def test_pss_is_at_most_rss_of_this_process():
    me = psutil.Process()
    assert 0 < pss_bytes(me) <= me.memory_info().rss * 1.01


def test_the_status_page_judges_the_whole_tree_against_the_budget():
    from tests.book_extensions import load_extension

    course_stats = load_extension("course_stats")
    within = {"wall_s": course_stats.BUDGET_WALL_S, "peak_tree_pss_mb": course_stats.BUDGET_PEAK_MB}
    assert course_stats.within_budget(within) == "yes"
    assert course_stats.within_budget({**within, "wall_s": 61}) == "**no**"
    over = {**within, "peak_tree_pss_mb": course_stats.BUDGET_PEAK_MB + 1}
    assert course_stats.within_budget(over) == "**no**"
    # A kernel-only figure is not the whole tree: it is not judged.
    assert course_stats.within_budget({"wall_s": 1, "kernel_peak_rss_mb": 10}) == "not measured"
    assert course_stats.STATS_FILE.name == "execution_stats.generated.json"
