"""Every notebook's Colab set-up installs the release of osai it was written for.

A learner who opens last term's notebook must get last term's package, not the tip of main: the
set-up cell installs ``osai @ git+<repository>@v<version>``, the tag of the version in
pyproject.toml. Bumping the version makes this test fail until every set-up cell names the new
tag (CONTRIBUTING.md, "Cutting a release").
"""

from __future__ import annotations

import re

import pytest

from scripts.notebook_cells import NOTEBOOKS, ROOT, code_cells, read, repository_url

_PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
VERSION = re.search(r'^version\s*=\s*"([^"]+)"', _PYPROJECT, re.MULTILINE).group(1)
INSTALL = re.compile(r"osai\s*@\s*(git\+\S+?)(?:@([^@/\s\"']+))?[\"'\s]")


def test_the_version_is_a_release_number():
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION), (
        f"pyproject.toml: version {VERSION!r} is not X.Y.Z"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_the_setup_cell_pins_the_package_version(path):
    setup = code_cells(read(path))[0].source
    installs = INSTALL.findall(setup)
    assert len(installs) == 1, f"{path.name}: the set-up cell installs osai {len(installs)} times"
    (url, tag) = installs[0]
    assert url == f"git+{repository_url()}", f"{path.name}: install osai from {repository_url()}"
    assert tag == f"v{VERSION}", (
        f"{path.name} installs osai at {tag or 'the tip of main'}; pyproject.toml says {VERSION}: "
        f'make its set-up cell install "osai @ git+{repository_url()}@v{VERSION}"'
    )
