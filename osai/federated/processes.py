"""Run a Flower federation on this machine as separate processes, and never leave one behind.

:class:`ProcessGroup` starts commands as subprocesses and stops them *and everything they
started* (Flower's SuperLink and SuperNodes spawn SuperExec processes, which spawn the
ServerApp and ClientApp processes, some of them in new sessions). It finds those descendants
two ways: by walking the process tree, and by a marker variable every descendant inherits
through its environment. It stops them on ``stop()``, when its ``with`` block ends (also on an
exception), at interpreter exit, and — on Linux — when the Python process that started them dies
(``PR_SET_PDEATHSIG``).

:class:`LocalFederation` uses it to start one SuperLink and one SuperNode per client on
127.0.0.1, exactly as they would run on separate machines, and to submit a Flower app with
``flwr run``. Telemetry, update checks and runtime dependency installation are off, and Flower's
state (``FLWR_HOME``) lives in a folder you choose.
"""

from __future__ import annotations

import atexit
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
import weakref
from collections.abc import Mapping, Sequence
from pathlib import Path

import psutil

from ..env import OFFLINE_VARIABLES

MARKER_VARIABLE = "OSAI_PROCESS_GROUP"
_PROXY_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "all_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
)
# Everything a Flower process must not do on its own: phone home, look for updates (Flower's
# share of the course's one list, osai.env.OFFLINE_VARIABLES), pip install.
FLOWER_OFFLINE_VARIABLES: dict[str, str] = {
    **{name: value for name, value in OFFLINE_VARIABLES.items() if name.startswith("FLWR_")},
    "FLWR_DISABLE_RUNTIME_DEPENDENCY_INSTALLATION": "1",
    # How often each SuperExec asks for work (default 1 s): a shorter wait per round.
    "FLWR_SUPEREXEC_TASK_POLL_INTERVAL": "0.25",
    "NO_PROXY": "127.0.0.1,localhost,::1",
    "no_proxy": "127.0.0.1,localhost,::1",
}
# One BLAS/OpenMP thread per Flower process: the model is tiny, a federation runs many processes on
# few cores, and every extra BLAS thread costs its own memory buffers.
ONE_THREAD_VARIABLES: dict[str, str] = {
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
_LIVE_GROUPS: weakref.WeakSet[ProcessGroup] = weakref.WeakSet()


def processes_carrying(variable: str, value: str, skip=()) -> list:
    """Every process whose environment sets ``variable`` to ``value`` (an inherited marker), apart
    from this one and the pids in ``skip``. Finds a process group's members even after their parent
    exited and they were re-parented, which ``children(recursive=True)`` no longer sees."""
    skip = {os.getpid(), *skip}
    found = []
    for process in psutil.process_iter():
        if process.pid in skip:
            continue
        try:
            if process.environ().get(variable) == value:
                found.append(process)
        except psutil.Error:
            pass
    return found


class FederationError(RuntimeError):
    """A Flower process failed to start, exited early, or a run did not finish."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to send SIGTERM to this child when the process that started it dies."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ProcessGroup:
    """Subprocesses that are always stopped together, descendants included.

    Use it as a context manager::

        with ProcessGroup(log_dir="build/logs") as group:
            group.start("sleeper", [sys.executable, "-c", "import time; time.sleep(60)"])
        # here every process the group started, and every process they started, is gone
    """

    def __init__(self, log_dir: str | os.PathLike[str], env: Mapping[str, str] | None = None):
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.marker = uuid.uuid4().hex
        self.env = dict(os.environ if env is None else env)
        for name in _PROXY_VARIABLES:
            self.env.pop(name, None)
        self.env[MARKER_VARIABLE] = self.marker
        # The Python that runs this code also runs Flower's console scripts (flower-superexec, ...).
        bin_dir = str(Path(sys.executable).parent)
        self.env["PATH"] = bin_dir + os.pathsep + self.env.get("PATH", "")
        self.processes: dict[str, subprocess.Popen] = {}
        self.cpu_seconds = 0.0  # CPU time of the whole group, measured when it stops
        self._logs: list = []
        _LIVE_GROUPS.add(self)

    def start(self, name: str, argv: Sequence[str]) -> subprocess.Popen:
        """Start ``argv`` as the process ``name``, in a session of its own; its output goes to
        ``<log_dir>/<name>.log``."""
        if name in self.processes:
            raise ValueError(f"a process named {name!r} was already started in this group")
        executable = shutil.which(argv[0], path=self.env["PATH"])
        if executable is None:
            raise FileNotFoundError(
                f"{argv[0]!r} is not installed next to {sys.executable}: "
                "run `pip install flwr` in this environment."
            )
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        self._logs.append(log)
        process = subprocess.Popen(
            [executable, *argv[1:]],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
            # Its own session, as a service manager starts a server. Linux's scheduler (autogroup)
            # shares the CPU between sessions first: in the caller's session, all of a federation's
            # processes would share one session's part of a core that another program keeps busy.
            # stop() finds them by tree and marker, not by session, and a Ctrl-C in the caller's
            # terminal or kernel reaches the caller, whose with-block then stops them in order.
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def running(self) -> list[str]:
        """Names of the started processes that are still running."""
        return [name for name, p in self.processes.items() if p.poll() is None]

    def members(self) -> list[psutil.Process]:
        """Every live process of this group: the started ones and all their descendants."""
        found: dict[int, psutil.Process] = {}
        for process in self.processes.values():
            try:
                parent = psutil.Process(process.pid)
                for p in [parent, *parent.children(recursive=True)]:
                    found[p.pid] = p
            except psutil.Error:
                pass
        # Descendants that were re-parented (their parent exited first) still carry the marker.
        for p in processes_carrying(MARKER_VARIABLE, self.marker, skip=found):
            found[p.pid] = p
        alive = []
        for p in found.values():
            try:
                if p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p)
            except psutil.Error:
                pass
        return alive

    def stop(self, timeout: float = 5.0) -> None:
        """Stop every process of the group (SIGTERM, then SIGKILL after ``timeout`` s). Idempotent."""
        for attempt in range(3):  # a dying process may still spawn one more child: look again
            members = self.members()
            if not members:
                break
            if attempt == 0:
                self.cpu_seconds += _cpu_seconds(members)
            for p in members:
                try:
                    p.terminate()
                except psutil.Error:
                    pass
            _, still_alive = psutil.wait_procs(members, timeout=timeout)
            for p in still_alive:
                try:
                    p.kill()
                except psutil.Error:
                    pass
            psutil.wait_procs(still_alive, timeout=timeout)
        for process in self.processes.values():  # reap our direct children
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:  # pragma: no cover - killed above
                pass
        for log in self._logs:
            log.close()
        self._logs.clear()

    def __enter__(self) -> ProcessGroup:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def _cpu_seconds(processes: Sequence[psutil.Process]) -> float:
    """User + system CPU seconds of ``processes`` and of their children that already exited."""
    total = 0.0
    for p in processes:
        try:
            t = p.cpu_times()
            total += t.user + t.system + t.children_user + t.children_system
        except psutil.Error:
            pass
    return total


@atexit.register
def _stop_all_groups() -> None:
    for group in list(_LIVE_GROUPS):
        group.stop(timeout=2.0)


def _wait_for_health(port: int, process: subprocess.Popen, timeout: float) -> None:
    """Wait until the SuperLink answers GET /health on 127.0.0.1:``port``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise FederationError(f"the SuperLink exited with code {process.returncode}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
        try:
            connection.request("GET", "/health")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.2)
    raise FederationError(f"the SuperLink did not answer on 127.0.0.1:{port} within {timeout} s")


class LocalFederation(ProcessGroup):
    """One SuperLink and several SuperNodes on 127.0.0.1, each its own process.

    ``flwr_home`` holds Flower's state and the CLI's connection file; logs go to
    ``<flwr_home>/logs``. On separate machines the commands are the same, with the SuperLink's
    address in place of 127.0.0.1 and TLS instead of ``--insecure``.
    """

    CONNECTION = "course-local"

    def __init__(self, flwr_home: str | os.PathLike[str], env: Mapping[str, str] | None = None):
        self.flwr_home = Path(flwr_home).resolve()
        self.flwr_home.mkdir(parents=True, exist_ok=True)
        super().__init__(self.flwr_home / "logs", env=env)
        self.env.update(FLOWER_OFFLINE_VARIABLES)
        self.env.update(ONE_THREAD_VARIABLES)
        self.env["FLWR_HOME"] = str(self.flwr_home)
        self.port: int | None = None
        self.num_supernodes = 0

    def start_superlink(self, timeout: float = 60.0) -> list[str]:
        """Start the SuperLink (Fleet, Control and Runtime APIs on one HTTP port); return its
        command line with the port shown as ``<port>``."""
        self.port = free_port()
        argv = [
            "flower-superlink",
            "--insecure",
            "--disable-runtime-dependency-installation",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        process = self.start("superlink", argv)
        _wait_for_health(self.port, process, timeout)
        (self.flwr_home / "config.toml").write_text(
            f'[superlink]\ndefault = "{self.CONNECTION}"\n\n'
            f'[superlink.{self.CONNECTION}]\naddress = "127.0.0.1:{self.port}"\ninsecure = true\n',
            encoding="utf-8",
        )
        return [a if a != str(self.port) else "<port>" for a in argv]

    def start_supernode(self, partition_id: int, num_partitions: int) -> list[str]:
        """Start a SuperNode that holds partition ``partition_id``; return its command line
        with the ports shown as ``<port>``."""
        if self.port is None:
            raise FederationError("start the SuperLink first: call start_superlink()")
        own_port = free_port()
        argv = [
            "flower-supernode",
            "--insecure",
            "--superlink",
            f"127.0.0.1:{self.port}",
            "--port",
            str(own_port),
            "--node-config",
            f"partition-id={partition_id} num-partitions={num_partitions}",
        ]
        self.start(f"supernode-{partition_id}", argv)
        self.num_supernodes += 1
        shown = [a.replace(str(self.port), "<port>") for a in argv]
        return [a if a != str(own_port) else "<port>" for a in shown]

    def run_app(
        self,
        app_dir: str | os.PathLike[str],
        run_config: Mapping[str, int | float | str] | None = None,
        timeout: float = 300.0,
    ) -> dict:
        """Submit the Flower app in ``app_dir`` with ``flwr run``, wait for it and return the
        JSON the ServerApp writes to ``results-path``. The digits travel once, as
        ``<flwr_home>/digits.npz`` (``data-path``), unless ``run_config`` names another file."""
        if self.port is None:
            raise FederationError("start the SuperLink first: call start_superlink()")
        dead = [n for n, p in self.processes.items() if p.poll() is not None]
        if dead:
            raise FederationError(f"these Flower processes exited early: {', '.join(dead)}")
        if not (Path(app_dir) / "pyproject.toml").is_file():
            raise FederationError(
                f"{app_dir} has no pyproject.toml, so it is not a Flower app. If this is "
                "osai.federated.APP_DIR, the osai package was installed without its data "
                "files: reinstall it from the course repository (pip install -e .)."
            )
        results = self.flwr_home / f"results-{uuid.uuid4().hex[:8]}.json"
        config = dict(run_config or {})
        config["results-path"] = str(results)
        # The ServerApp writes the digits here once; every ClientApp reads them from the file.
        config.setdefault("data-path", str(self.flwr_home / "digits.npz"))
        pairs = " ".join(f"{k}={json.dumps(v)}" for k, v in config.items())
        argv = [
            str(Path(sys.executable).parent / "flwr"),
            "run",
            str(Path(app_dir).resolve()),
            self.CONNECTION,
            "--run-config",
            pairs,
            "--stream",
        ]
        with open(self.log_dir / "flwr-run.log", "ab") as log:
            try:
                completed = subprocess.run(
                    argv,
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=timeout,
                    check=False,
                )
            except subprocess.TimeoutExpired as error:
                raise FederationError(f"the run did not finish within {timeout} s") from error
        if completed.returncode != 0 or not results.is_file():
            raise FederationError(
                f"`flwr run` failed (exit code {completed.returncode}); see the logs in "
                f"{self.log_dir}"
            )
        return json.loads(results.read_text(encoding="utf-8"))
