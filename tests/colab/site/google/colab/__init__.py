"""A stand-in for Colab's ``google.colab``, for the Colab simulation (tests/test_student_versions.py).

The simulated kernel imports it at start-up, as Colab's kernel imports the real one, so a
notebook's ``IN_COLAB = "google.colab" in sys.modules`` is true and its Colab set-up branch runs.
Importing it also answers that branch's ``%pip install`` lines from this machine only:

- the course package, ``osai @ git+<the repository url of _config.yml>@v<version>``, is
  installed from the wheel built from the checkout, after checking that the tag names the
  wheel's version (the notebook must install the release it was written for) (``OSAI_COLAB_WHEEL``) into the simulated runtime's own site
  folder (``OSAI_COLAB_SITE``, first on the kernel's ``sys.path``), as pip on Colab would install
  it from GitHub;
- everything else on the line must already be installed in this environment (Colab's
  preinstalled libraries, or what the course's requirements install here): pip resolves the
  whole line with ``--no-index --dry-run``, so it writes nothing and fails with pip's own message
  when a requirement is missing or has the wrong version.

Nothing is downloaded. Every ``%pip`` line is recorded in ``OSAI_COLAB_LOG`` (JSON lines). Shell
commands (``!git clone ...``) are refused: the network audit sees Python's connections only.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

_OSAI = re.compile(r"^osai\s*@\s*(?P<url>git\+[^@\s]+)(?:@(?P<ref>[^@/\s]+))?$")
# Options that would point pip somewhere else: the simulation cannot answer them locally.
_UNSUPPORTED = ("-r", "-c", "-e", "-i", "-f", "--requirement", "--constraint", "--editable")
_UNSUPPORTED_PREFIXES = ("--index-url", "--extra-index-url", "--find-links", "--target")


def _setting(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise RuntimeError(f"Colab simulation: {name} is not set (tests/test_student_versions.py)")
    return value


def _expected_osai_url() -> str:
    return "git+" + _setting("OSAI_COLAB_REPOSITORY").rstrip("/")


def _run(arguments: list[str]) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pip", *arguments], capture_output=True, text=True, check=False
    )
    if result.stdout.strip():
        print(result.stdout.rstrip())
    if result.returncode != 0:
        raise RuntimeError(
            f"pip {' '.join(arguments)} failed (exit {result.returncode}):\n{result.stderr}"
        )


def pip(line: str) -> None:
    """``%pip install ...`` answered from local files (see the module's docstring)."""
    words = shlex.split(line)
    if not words or words[0] != "install":
        raise RuntimeError(f"Colab simulation: only `%pip install` is answered, not `%pip {line}`")
    flags, requirements, wheel = [], [], None
    for word in words[1:]:
        if word in _UNSUPPORTED or word.startswith(_UNSUPPORTED_PREFIXES):
            raise RuntimeError(f"Colab simulation: `%pip {line}`: {word} is not supported")
        if word.startswith("-"):
            flags.append(word)
            continue
        match = _OSAI.match(word)
        if match:
            url = match.group("url").removesuffix(".git")
            if url != _expected_osai_url():
                raise RuntimeError(
                    f"`%pip {line}` installs osai from {url}; the course installs it from "
                    f"{_expected_osai_url()} (the repository url of _config.yml)"
                )
            wheel = _setting("OSAI_COLAB_WHEEL")
            version = Path(wheel).name.split("-")[1]  # osai-<version>-py3-none-any.whl
            if match.group("ref") != f"v{version}":
                raise RuntimeError(
                    f"`%pip {line}` installs osai at {match.group('ref') or 'the tip of main'}; "
                    f"this checkout is osai {version}: pin it as `osai @ {url}@v{version}` "
                    "(CONTRIBUTING.md, Cutting a release)"
                )
        elif "://" in word or word.startswith("git+"):
            raise RuntimeError(
                f"`%pip {line}`: {word} can only be fetched online; an optional online cell "
                "is marked `# NBVAL_SKIP` (the checks and this simulation skip it)"
            )
        else:
            requirements.append(word)
    # The whole line, resolved against what is installed here (and the built wheel): no writes.
    _run(
        [
            "install",
            "--no-index",
            "--dry-run",
            "--disable-pip-version-check",
            *flags,
            *requirements,
            *([wheel] if wheel else []),
        ]
    )
    if wheel:
        _run(
            [
                "install",
                "--no-index",
                "--no-deps",
                "--upgrade",
                "--disable-pip-version-check",
                "--quiet",
                "--target",
                _setting("OSAI_COLAB_SITE"),
                wheel,
            ]
        )
    importlib.invalidate_caches()
    with open(_setting("OSAI_COLAB_LOG"), "a", encoding="utf-8") as log:
        log.write(json.dumps({"line": line, "requirements": requirements, "osai": wheel}) + "\n")


def refuse_shell(command: str, *args, **kwargs) -> None:
    """``!command``: a shell command is outside the network audit (it audits Python only)."""
    raise RuntimeError(
        f"Colab simulation: `!{command}` runs outside the network audit, so it is not run here. "
        "Use Python or `%pip install`, or mark an optional online cell `# NBVAL_SKIP`."
    )


def _register() -> None:
    try:
        from IPython import get_ipython
    except ImportError:  # plain Python: nothing to answer
        return
    shell = get_ipython()
    if shell is not None:
        shell.register_magic_function(pip, magic_kind="line", magic_name="pip")
        shell.system = shell.getoutput = refuse_shell


_register()
