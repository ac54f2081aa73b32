"""The oldest versions requirements.txt allows, tried on the library-heavy notebooks.

requirements.txt promises ranges (``transformers>=4.54``, ``sentence-transformers>=3``) because
Colab keeps its own preinstalled versions. ``make lower-bounds`` installs those lower bounds, with
the tokenizers and huggingface-hub they need (LOWER_BOUNDS in the Makefile), into
build/lower-bounds, which goes ahead of the environment's own libraries on PYTHONPATH, and runs
this file: every notebook below runs top to bottom under ``pytest --nbval-lax`` (any error fails;
outputs, which print library versions, are not compared), offline, with the network audit on.
Skipped unless OSAI_LOWER_BOUNDS names that folder.
"""

from __future__ import annotations

import os

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

from tests.site_folder import ROOT, installed_version, run_notebook

SITE = os.environ.get("OSAI_LOWER_BOUNDS")
NOTEBOOKS = [
    "00_getting_started",
    "01_four_freedoms",
    "03_why_open_matters",
    "04_build_an_app",
    "05_language_models",
]
# The ranges requirements.txt declares for the libraries Colab brings its own version of.
CHECKED = ("transformers", "sentence-transformers")

needs_site = pytest.mark.skipif(
    not SITE, reason="run by `make lower-bounds` (OSAI_LOWER_BOUNDS names the folder)"
)


def lower_bounds(text: str) -> dict[str, Version]:
    """The ``>=`` bound of each requirement of CHECKED in a requirements file's text."""
    bounds = {}
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        for spec in requirement.specifier:
            if requirement.name in CHECKED and spec.operator == ">=":
                bounds[requirement.name] = Version(spec.version)
    return bounds


def test_lower_bounds_are_read_from_a_requirements_file():
    text = "torch\ntransformers>=4.51  # comment\nsentence-transformers>=3,<7\n-r other.txt\n"
    assert lower_bounds(text) == {
        "transformers": Version("4.51"),
        "sentence-transformers": Version("3"),
    }


@needs_site
def test_the_installed_versions_are_the_declared_lower_bounds():
    declared = lower_bounds((ROOT / "requirements.txt").read_text(encoding="utf-8"))
    assert set(declared) == set(CHECKED), f"requirements.txt declares no lower bound: {declared}"
    for name, bound in declared.items():
        installed = Version(installed_version(name, SITE))
        assert installed == bound, (
            f"{name} {installed} is installed in {SITE}, but requirements.txt allows {name}>="
            f"{bound}: make LOWER_BOUNDS in the Makefile match requirements.txt"
        )


@needs_site
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_on_the_lower_bounds(name, tmp_path):
    run_notebook(name, SITE, tmp_path / "netaudit.log")
