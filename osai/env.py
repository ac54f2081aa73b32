"""The runtime environment of a notebook: offline variables, seeds and the compute device.

`offline()` must run before transformers, diffusers, ultralytics or flwr are imported: those
libraries read their environment variables once, at import time.
"""

from __future__ import annotations

import math
import os
import random
import time
from pathlib import Path

# Variables every notebook sets (CONTRIBUTING.md, "Offline rules"). Each one stops a library from
# reaching the network on its own: a hub download, a telemetry ping, an update check, or an
# automatic `pip install`.
OFFLINE_VARIABLES: dict[str, str] = {
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "YOLO_OFFLINE": "1",
    "YOLO_AUTOINSTALL": "0",
    "YOLO_VERBOSE": "False",
    "FLWR_TELEMETRY_ENABLED": "0",
    "FLWR_DISABLE_UPDATE_CHECK": "1",
    "DO_NOT_TRACK": "1",
}
# The hub itself: on in CI and on laptops, off on Colab only when a learner wants the
# optional online cells. The repository's Makefile exports the same pair itself, for processes
# that never call offline() (pytest, the book build, a kernel before its set-up cell); a unit
# test keeps the two lists equal.
HUB_OFFLINE_VARIABLES: dict[str, str] = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}

# How OpenMP threads wait for work (GNU OpenMP, the runtime in PyTorch's Linux wheels). By default a
# waiting thread spins 300,000 times on its core before it sleeps: with one of two cores busy
# elsewhere, chapter 5's diffusion model trained with two threads in 10x its idle time. Sleeping at
# once (OMP_WAIT_POLICY=PASSIVE) cost 1.5x on an idle machine instead (33 s against 21 s for the
# same 16 epochs). A short spin keeps the idle speed (21 s); the load is handled by the thread count
# below. OpenMP reads these once, when torch is imported, so they are set here, when `osai` is
# imported (each notebook's set-up cell imports osai before torch); a value already set is kept.
THREAD_VARIABLES: dict[str, str] = {"GOMP_SPINCOUNT": "10000"}
for _name, _value in THREAD_VARIABLES.items():
    os.environ.setdefault(_name, _value)

_DEVICE_ORDER = ("cuda", "mps", "cpu")


def offline(allow_hub: bool = False) -> dict[str, str]:
    """Set the offline and no-telemetry variables; return what was set.

    With ``allow_hub=True`` the Hugging Face hub stays reachable (for the optional, skipped
    cells that download larger models on Colab); everything else stays off.
    """
    wanted = dict(OFFLINE_VARIABLES)
    if not allow_hub:
        wanted.update(HUB_OFFLINE_VARIABLES)
    os.environ.update(wanted)
    return wanted


def seed(value: int = 0) -> int:
    """Seed Python, NumPy and (if installed) torch, so printed results repeat exactly."""
    random.seed(value)
    try:
        import numpy as np

        np.random.seed(value)
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    try:
        import torch

        torch.manual_seed(value)
    except ImportError:
        pass
    return value


def _available(kind: str) -> bool:
    import torch

    if kind == "cuda":
        return torch.cuda.is_available()
    if kind == "mps":
        backend = getattr(torch.backends, "mps", None)
        return bool(backend and backend.is_available())
    return kind == "cpu"


def device(prefer: str | None = None):
    """The torch device the course computes on: CUDA, then Apple MPS, then the CPU.

    ``device("cuda")`` (or ``"mps"``/``"cpu"``) asks for one kind and raises a clear error when
    this machine does not have it, instead of silently falling back.
    """
    import torch

    if prefer is None:
        prefer = os.environ.get("OSAI_DEVICE") or None
    if prefer is None:
        for kind in _DEVICE_ORDER:
            if _available(kind):
                return torch.device(kind)
    kind = str(prefer).split(":")[0].lower()
    if kind not in _DEVICE_ORDER:
        raise ValueError(
            f"Unknown device {prefer!r}: choose one of {', '.join(_DEVICE_ORDER)}, "
            "or call osai.device() to pick the best one available."
        )
    if not _available(kind):
        hint = {
            "cuda": "No CUDA GPU is visible to PyTorch here. On Colab choose Runtime > Change "
            "runtime type > T4 GPU; on a laptop call osai.device() to use the CPU.",
            "mps": "Apple's MPS backend is only on Apple-silicon Macs with a recent PyTorch; "
            "call osai.device() to use the CPU.",
        }[kind]
        raise RuntimeError(f"device({prefer!r}) was requested, but {hint}")
    return torch.device(prefer)


def available_cores() -> int:
    """The number of cores this process may run on.

    Its CPU affinity (``os.sched_getaffinity``: a container or ``taskset`` may allow fewer cores
    than the machine has), capped by a cgroup CPU quota (``/sys/fs/cgroup/cpu.max``) where one
    is set; ``os.cpu_count()`` where the system has no affinity call (macOS, Windows).
    """
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    try:
        quota, period = Path("/sys/fs/cgroup/cpu.max").read_text().split()[:2]
        if quota != "max":
            cores = min(cores, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        pass
    return max(1, cores)


def _cpu_times(cpus: set[int] | None) -> tuple[float, float] | None:
    """(busy, total) clock ticks of the given CPUs from ``/proc/stat``; None where unreadable."""
    try:
        lines = Path("/proc/stat").read_text().splitlines()
    except OSError:
        return None
    busy = total = 0.0
    for line in lines:
        name, *fields = line.split()
        if not name.startswith("cpu") or name == "cpu":
            continue
        if cpus is not None and int(name[3:]) not in cpus:
            continue
        ticks = [
            float(value) for value in fields[:8]
        ]  # user nice system idle iowait irq softirq steal
        idle = ticks[3] + ticks[4]
        total += sum(ticks)
        busy += sum(ticks) - idle
    return (busy, total) if total else None


def busy_cores(interval: float = 0.2) -> float:
    """How many of this process's cores other processes keep busy, measured over ``interval`` s.

    Linux: the busy share of each allowed core in ``/proc/stat`` over the interval, summed, less
    what this process itself used meanwhile. Elsewhere: the one-minute load average, which
    follows a change of load only slowly. 0.0 where neither is available.
    """
    try:
        cpus: set[int] | None = set(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = None
    before = _cpu_times(cpus)
    if before is None:
        try:
            return max(0.0, min(float(os.getloadavg()[0]), float(available_cores())))
        except (AttributeError, OSError):
            return 0.0
    own_before = time.process_time()
    time.sleep(interval)
    own = time.process_time() - own_before
    after = _cpu_times(cpus)
    if after is None or after[1] <= before[1]:
        return 0.0
    share = (after[0] - before[0]) / (after[1] - before[1])  # busy fraction of all allowed cores
    cores = len(cpus) if cpus else (os.cpu_count() or 1)
    return max(0.0, share * cores - own / interval)


BUSY_MARGIN = 0.25  # busy_cores() + this, rounded down: a core busy 75 % or more counts


def training_threads(maximum: int | None = None, interval: float = 0.2) -> int:
    """How many CPU threads to train with now: the available cores less those other work keeps busy.

    :func:`available_cores` less the cores :func:`busy_cores` finds at least 75 % busy, at least 1
    and at most ``maximum``.
    An idle 2-core laptop trains with 2 threads; with one core busy (a browser, a second
    notebook) it trains with 1, because a second thread would wait for the busy core at every
    step. Results are seeded either way; the thread count changes the last digits of
    floating-point sums, not what a notebook prints.
    """
    if maximum is not None and (
        isinstance(maximum, bool) or not isinstance(maximum, int) or maximum < 1
    ):
        raise ValueError(f"maximum must be an int of at least 1, or None, got {maximum!r}.")
    # A core counts as busy from three quarters up: another job (a second notebook, a build)
    # keeps its core near 1.0, while the test harness or a browser tab flickers well below; a
    # thread count that flips on such noise would change the last digits a training run prints.
    threads = max(1, available_cores() - math.floor(busy_cores(interval) + BUSY_MARGIN))
    return min(threads, maximum) if maximum is not None else threads


# How many threads torch uses in this process: the cores other work leaves free when `osai` is
# imported (training_threads), unless OMP_NUM_THREADS is already set. With one of two cores busy,
# two threads take 2.7-10x their idle time (each step waits for the thread on the busy core) and one
# thread 1.5x. Training functions sample again when they start (train_ddpm, train_shapes).
DEFAULT_THREADS_VARIABLE = "OMP_NUM_THREADS"
if DEFAULT_THREADS_VARIABLE not in os.environ:
    os.environ[DEFAULT_THREADS_VARIABLE] = str(training_threads())
