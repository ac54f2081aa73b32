"""The course package as a learner installs it: a built wheel (not the editable checkout) carries
the fact files, the chapter-4 app's pages and the Flower app's configuration, and reads them from outside
the repository."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import tomllib

from osai import facts

ROOT = Path(__file__).resolve().parents[1]


def test_every_folder_of_osai_is_a_listed_package():
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "osai").rglob("__init__.py")
    }
    assert on_disk <= listed, f"add {sorted(on_disk - listed)} to pyproject.toml's packages"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    (built,) = out.glob("osai-*.whl")
    return built


def test_the_wheel_carries_facts_pages_and_the_flower_config(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for fact in (ROOT / "osai" / "facts").glob("*.yaml"):
        assert f"osai/facts/{fact.name}" in names
    for page in facts.load_yaml("qa_eval.yaml")["pages"]:
        assert f"osai/corpus/{Path(page).name}" in names
    assert "osai/federated/pyproject.toml" in names
    for clip in (ROOT / "osai" / "audio").iterdir():
        assert f"osai/audio/{clip.name}" in names
    assert not [name for name in names if not name.startswith(("osai/", "osai-"))], names


def test_an_installed_wheel_reads_its_facts_outside_the_checkout(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    probe = (
        "import osai.facts as f, osai.openness as o, osai.licences as l;"
        f"assert str(f.corpus_dir()).startswith({str(target)!r}), f.corpus_dir();"
        "print(len(o.load()), len(l.known_models()), len(f.load_yaml('qa_eval.yaml')['pages']))"
    )
    work = tmp_path / "elsewhere"
    work.mkdir()
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=work,
        env={"PYTHONPATH": str(target), "PATH": "/usr/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    projects, models, pages = map(int, result.stdout.split())
    assert projects > 0 and models > 0 and pages == 4
