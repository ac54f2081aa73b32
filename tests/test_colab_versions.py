"""Colab's own library versions, tried on the library-heavy notebooks.

Colab keeps its preinstalled transformers, diffusers, sentence-transformers, timm, peft and
accelerate, so a notebook must run on those as well as on the versions CI pins. Their versions
are listed once, in tests/colab/versions.txt (with the published package list they were read
from). ``make colab-versions`` installs them with ``--no-deps`` into build/colab-versions, which
goes ahead of the environment's own libraries on PYTHONPATH, and runs this file: every notebook
below runs top to bottom under ``pytest --nbval-lax`` (any error fails; outputs, which print
library versions, are not compared), offline, with the network audit on. The interpreter and
torch stay this machine's. Skipped unless OSAI_COLAB_VERSIONS names that folder.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest
from packaging.requirements import Requirement

from tests.site_folder import ROOT, installed_version, run_notebook

PINS = ROOT / "tests" / "colab" / "versions.txt"
SITE = os.environ.get("OSAI_COLAB_VERSIONS")
NOTEBOOKS = [
    "00_getting_started",
    "01_four_freedoms",
    "03_why_open_matters",
    "04_build_an_app",
    "05_computer_vision",
    "05_generative_ai",
    "05_language_models",
    "05_pretrained_vision",
    "06_resources",
]
# The libraries each pin must cover: Colab preinstalls all of them.
EXPECTED = {
    "accelerate",
    "diffusers",
    "huggingface-hub",
    "numpy",
    "peft",
    "sentence-transformers",
    "timm",
    "tokenizers",
    "transformers",
}

needs_site = pytest.mark.skipif(
    not SITE, reason="run by `make colab-versions` (OSAI_COLAB_VERSIONS names the folder)"
)


def pins(text: str) -> dict[str, str]:
    """``{name: version}`` of a pins file: one ``name==version`` a line, ``#`` comments."""
    found = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#")[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        specs = list(requirement.specifier)
        if len(specs) != 1 or specs[0].operator != "==":
            raise ValueError(
                f"line {number}: {line!r} is not an exact pin; write it as name==version"
            )
        found[re.sub(r"[-_.]+", "-", requirement.name).lower()] = specs[0].version
    return found


def test_pins_are_read_from_a_pins_file():
    assert pins("# source\nHuggingface_Hub==1.2.0  # why\n\ntimm==1.0.0\n") == {
        "huggingface-hub": "1.2.0",
        "timm": "1.0.0",
    }
    with pytest.raises(ValueError, match="name==version"):
        pins("transformers>=5\n")


def test_the_pins_file_covers_the_preinstalled_libraries_and_names_its_source():
    text = PINS.read_text(encoding="utf-8")
    assert set(pins(text)) == EXPECTED
    assert "Source:" in text and "googlecolab/backend-info" in text


def test_the_makefile_installs_the_one_pins_file():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-r tests/colab/versions.txt" in makefile
    assert "OSAI_COLAB_VERSIONS=" in makefile


@needs_site
def test_the_installed_versions_are_the_pins():
    for name, version in pins(PINS.read_text(encoding="utf-8")).items():
        installed = installed_version(name, SITE)
        assert installed == version, (
            f"{name} {installed} is importable, but tests/colab/versions.txt pins "
            f"{version}: run `make colab-versions`, which reinstalls {SITE}"
        )


@needs_site
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_on_colab_versions(name, tmp_path):
    run_notebook(name, SITE, tmp_path / "netaudit.log")


def _exact_pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if "==" in line and not line.startswith("-"):
            name, version = line.split("==", 1)
            found[re.sub(r"[-_.]+", "-", name.strip()).lower()] = version.strip()
    return found


def test_colab_installs_pin_the_versions_ci_tests():
    # What a set-up cell installs on Colab beyond Colab's own libraries is pinned to the version
    # this repository tests (constraints.txt, requirements-models.txt), so a learner gets it too.
    tested = {
        **_exact_pins(ROOT / "constraints.txt"),
        **_exact_pins(ROOT / "requirements-models.txt"),
    }
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        setup = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        for line in setup.source.splitlines():
            if not line.strip().startswith("%pip install"):
                continue
            for word in re.findall(r"(?<![\w@\"])([A-Za-z][\w.-]*)==([^\s\"{]+)(?=\s|$)", line):
                name, version = re.sub(r"[-_.]+", "-", word[0]).lower(), word[1]
                assert tested.get(name) == version, (
                    f"{path.name} installs {name}=={version} on Colab, but this repository tests "
                    f"{name}=={tested.get(name)}: pin the tested version"
                )
