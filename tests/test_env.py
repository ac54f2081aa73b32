"""osai.env: offline variables, seeds and the device choice, including the bad requests."""

from __future__ import annotations

import os
import random
import re
from pathlib import Path

import pytest
import torch

import osai
from osai import env


def test_offline_sets_every_variable(monkeypatch):
    for name in [*env.OFFLINE_VARIABLES, *env.HUB_OFFLINE_VARIABLES]:
        monkeypatch.delenv(name, raising=False)
    applied = osai.offline()
    assert applied["HF_HUB_OFFLINE"] == "1"
    for name, value in {**env.OFFLINE_VARIABLES, **env.HUB_OFFLINE_VARIABLES}.items():
        assert os.environ[name] == value
    assert os.environ["YOLO_AUTOINSTALL"] == "0"
    assert os.environ["FLWR_TELEMETRY_ENABLED"] == "0"


def test_offline_can_leave_the_hub_reachable(monkeypatch):
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    applied = osai.offline(allow_hub=True)
    assert "HF_HUB_OFFLINE" not in applied and "HF_HUB_OFFLINE" not in os.environ
    assert os.environ["HF_HUB_DISABLE_TELEMETRY"] == "1"


def test_seed_makes_python_numpy_and_torch_repeat():
    import numpy as np

    def draw():
        return random.random(), float(np.random.rand()), float(torch.rand(1))

    osai.seed(123)
    first = draw()
    osai.seed(123)
    assert draw() == first


def test_default_device_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.delenv("OSAI_DEVICE", raising=False)
    monkeypatch.setattr(env, "_available", lambda kind: kind in {"mps", "cpu"})
    assert osai.device().type == "mps"
    monkeypatch.setattr(env, "_available", lambda kind: True)
    assert osai.device().type == "cuda"
    monkeypatch.setattr(env, "_available", lambda kind: kind == "cpu")
    assert osai.device().type == "cpu"


def test_cuda_requested_on_a_cpu_only_machine_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(env, "_available", lambda kind: kind == "cpu")
    with pytest.raises(RuntimeError, match="No CUDA GPU is visible"):
        osai.device("cuda")
    with pytest.raises(RuntimeError, match="MPS"):
        osai.device("mps")


def test_unknown_device_name_lists_the_choices():
    with pytest.raises(ValueError, match="cuda, mps, cpu"):
        osai.device("tpu")


def test_device_from_environment(monkeypatch):
    monkeypatch.setenv("OSAI_DEVICE", "cpu")
    assert osai.device() == torch.device("cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_device_when_present():
    assert osai.device("cuda").type == "cuda"


def _proc_stat(*cores: tuple[int, int]) -> str:
    """A /proc/stat text with one line per core: (busy ticks, idle ticks)."""
    busy_total = sum(busy for busy, _ in cores)
    idle_total = sum(idle for _, idle in cores)
    lines = [f"cpu  {busy_total} 0 0 {idle_total} 0 0 0 0 0 0"]
    lines += [f"cpu{i} {busy} 0 0 {idle} 0 0 0 0 0 0" for i, (busy, idle) in enumerate(cores)]
    return "\n".join([*lines, "intr 0", "ctxt 0"]) + "\n"


START = _proc_stat((100, 100), (100, 100))  # the counters when the interval starts


def _after(*cores: tuple[int, int]) -> str:
    return _proc_stat(*((100 + busy, 100 + idle) for busy, idle in cores))


@pytest.fixture
def two_cores(monkeypatch):
    """A 2-core Linux machine with no cgroup quota, /proc/stat read from `stats` in turn."""
    monkeypatch.setattr(env.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    stats: list[str] = []
    real_read_text = env.Path.read_text

    def read_text(path, *args, **kwargs):
        if str(path) == "/proc/stat":
            return stats.pop(0)
        if str(path) == "/sys/fs/cgroup/cpu.max":
            return "max 100000\n"
        return real_read_text(path, *args, **kwargs)

    monkeypatch.setattr(env.Path, "read_text", read_text)
    monkeypatch.setattr(env.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(env.time, "process_time", lambda: 0.0)
    return stats


def test_an_idle_two_core_machine_trains_with_two_threads(two_cores):
    two_cores += [START, _after((1, 19), (0, 20))]  # 2.5 % busy
    assert env.training_threads() == 2


def test_one_busy_core_of_two_leaves_one_thread(two_cores):
    two_cores += [START, _after((20, 0), (1, 19))]  # core 0 busy
    assert env.busy_cores() == pytest.approx(1.05)
    two_cores += [START, _after((20, 0), (1, 19))]
    assert env.training_threads() == 1


def test_a_core_busy_less_than_three_quarters_is_not_taken_away(two_cores):
    two_cores += [START, _after((13, 7), (0, 20))]  # core 0 65 % busy: the test harness, a tab
    assert env.training_threads() == 2
    two_cores += [START, _after((16, 4), (0, 20))]  # 80 % busy: another job
    assert env.training_threads() == 1


def test_both_cores_busy_still_trains_with_one_thread(two_cores):
    two_cores += [START, _after((20, 0), (20, 0))]
    assert env.training_threads() == 1


def test_the_process_own_work_is_not_counted_as_busy(two_cores, monkeypatch):
    times = iter([0.0, 0.2])  # this process used one core for the whole 0.2 s interval
    monkeypatch.setattr(env.time, "process_time", lambda: next(times))
    two_cores += [START, _after((20, 0), (0, 20))]
    assert env.busy_cores(0.2) == pytest.approx(0.0)


def test_only_the_cores_of_the_affinity_count(two_cores, monkeypatch):
    monkeypatch.setattr(env.os, "sched_getaffinity", lambda pid: {1}, raising=False)
    # core 0 (not ours) is busy, core 1 (ours) is idle: one core, not busy
    two_cores += [START, _after((20, 0), (0, 20))]
    assert env.available_cores() == 1
    assert env.busy_cores() == pytest.approx(0.0)


def test_a_cgroup_quota_caps_the_cores(monkeypatch):
    monkeypatch.setattr(env.os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    real_read_text = env.Path.read_text
    monkeypatch.setattr(
        env.Path,
        "read_text",
        lambda path, *a, **k: (
            "150000 100000\n"
            if str(path) == "/sys/fs/cgroup/cpu.max"
            else real_read_text(path, *a, **k)
        ),
    )
    assert env.available_cores() == 2  # 1.5 cores of quota: two threads share them


def test_without_proc_stat_the_load_average_counts(monkeypatch):
    monkeypatch.setattr(env, "_cpu_times", lambda cpus: None)
    monkeypatch.setattr(env, "available_cores", lambda: 4)
    monkeypatch.setattr(env.os, "getloadavg", lambda: (1.2, 0.0, 0.0))
    assert env.busy_cores() == pytest.approx(1.2)
    assert env.training_threads() == 3
    assert env.training_threads(maximum=2) == 2


def test_training_threads_rejects_a_bad_maximum():
    with pytest.raises(ValueError, match="maximum must be"):
        env.training_threads(maximum=0)


def _import_osai_and_print(code: str, **variables: str) -> str:
    import subprocess
    import sys

    dropped = {"GOMP_SPINCOUNT", "OMP_NUM_THREADS"}
    environment = {k: v for k, v in os.environ.items() if k not in dropped} | variables
    out = subprocess.run(
        [sys.executable, "-c", "import os, osai; " + code],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def test_importing_osai_makes_openmp_threads_spin_briefly():
    assert _import_osai_and_print("print(os.environ['GOMP_SPINCOUNT'])") == "10000"
    assert _import_osai_and_print("print(os.environ['GOMP_SPINCOUNT'])", GOMP_SPINCOUNT="5") == "5"


def test_importing_osai_sets_the_thread_count_from_the_free_cores():
    threads = int(_import_osai_and_print("print(os.environ['OMP_NUM_THREADS'])"))
    assert 1 <= threads <= env.available_cores()
    # a count the learner (or a Flower process) set is kept
    assert (
        _import_osai_and_print("print(os.environ['OMP_NUM_THREADS'])", OMP_NUM_THREADS="3") == "3"
    )
    # and torch, imported after osai, uses it
    code = "import torch; print(torch.get_num_threads())"
    assert _import_osai_and_print(code, OMP_NUM_THREADS="1") == "1"


def test_the_makefile_exports_the_hub_offline_variables():
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    exported = dict(re.findall(r"(?m)^export (HF_\w+) := (\S+)$", makefile))
    assert exported == env.HUB_OFFLINE_VARIABLES, (
        "the Makefile's exported HF_* variables must be osai.env.HUB_OFFLINE_VARIABLES"
    )
