"""CITATION.cff is valid Citation File Format 1.2.0 and carries the course's version.

The required keys of CFF 1.2.0 are cff-version, message, title and authors (schema guide:
https://github.com/citation-file-format/citation-file-format/blob/1.2.0/schema-guide.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
REQUIRED = ("cff-version", "message", "title", "authors")


def citation() -> dict:
    return yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))


def test_citation_has_the_required_keys():
    data = citation()
    missing = [key for key in REQUIRED if not data.get(key)]
    assert not missing, f"CITATION.cff lacks the required CFF 1.2.0 keys {missing}"
    assert data["cff-version"] == "1.2.0"
    assert isinstance(data["message"], str) and isinstance(data["title"], str)
    for author in data["authors"]:
        assert isinstance(author, dict) and (author.get("name") or author.get("family-names")), (
            f"an author is neither an entity (name) nor a person (family-names): {author}"
        )


def test_citation_version_is_the_package_version():
    tomllib = pytest.importorskip("tomllib", reason="reading pyproject.toml needs Python 3.11+")
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    version = pyproject["project"]["version"]
    assert str(citation().get("version")) == version, (
        f"CITATION.cff's version is not pyproject.toml's {version!r}: update CITATION.cff"
    )


def test_citation_names_both_licences():
    licences = citation()["license"]
    assert set(licences) == {"Apache-2.0", "CC-BY-4.0"}, licences
    assert (ROOT / "LICENSE").is_file() and (ROOT / "LICENSE-CONTENT.md").is_file()
