"""Running code and notebooks on other library versions: a folder of them (``pip install
--target``) goes ahead of the environment's own on PYTHONPATH. Shared by tests/test_lower_bounds.py
(the oldest versions requirements.txt allows) and tests/test_colab_versions.py (Colab's own)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from osai.env import HUB_OFFLINE_VARIABLES

ROOT = Path(__file__).resolve().parents[1]


def site_env(site: str, **extra: str) -> dict:
    """This process's environment with ``site`` first on PYTHONPATH (after the network audit)."""
    env = {k: v for k, v in os.environ.items() if k != "OSAI_STATS_FILE"}
    path = os.pathsep.join([str(ROOT / "tests" / "netaudit"), str(Path(site).resolve())])
    return {**env, "PYTHONPATH": path, **HUB_OFFLINE_VARIABLES, **extra}


def installed_version(name: str, site: str) -> str:
    """The version of distribution ``name`` that a Python with ``site`` first imports."""
    code = "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))"
    done = subprocess.run(
        [sys.executable, "-c", code, name], env=site_env(site), capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def run_notebook(name: str, site: str, log: Path) -> None:
    """Run notebooks/<name>.ipynb top to bottom (``--nbval-lax``: any error fails, outputs,
    which print library versions, are not compared), offline, with the network audit logging to
    ``log``; fail with the end of its output, or with what the audit saw."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax"]
        + [f"notebooks/{name}.ipynb", "--nbval-cell-timeout=300"],
        cwd=ROOT,
        env=site_env(site, OSAI_NETAUDIT_LOG=str(log)),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert not log.exists() or not log.read_text(), log.read_text()
