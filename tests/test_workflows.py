"""The GitHub workflows: the Pages deploy waits for the tests, the book build installs no CUDA,
a weekly link check reports broken links in an issue, and Dependabot updates the actions."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"
# The oldest major of each action the workflows may use (the Node 24 releases).
MINIMUM_MAJOR = {
    "actions/checkout": 5,
    "actions/setup-python": 6,
    "actions/upload-artifact": 6,
    "actions/upload-pages-artifact": 4,
    "actions/deploy-pages": 4,
    "actions/configure-pages": 5,
}


def load(name: str) -> dict:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return data


def steps(workflow: dict):
    for job in workflow["jobs"].values():
        yield from job.get("steps", [])


def test_deploy_waits_for_a_passing_test_run():
    book, test = load("book.yml"), load("test.yml")
    trigger = book["on"]
    assert "push" not in trigger, "the book must not deploy on push, before the tests pass"
    run = trigger["workflow_run"]
    assert run["workflows"] == [test["name"]] and run["types"] == ["completed"]
    assert run["branches"] == ["main"]
    build = book["jobs"]["build"]
    assert "workflow_run.conclusion == 'success'" in build["if"], build.get("if")
    deploy = book["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert any("deploy-pages" in s.get("uses", "") for s in deploy["steps"])
    checkout = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/checkout"))
    assert "workflow_run.head_sha" in checkout["with"]["ref"], "build the commit that was tested"


def test_the_book_build_installs_no_cuda():
    book = (WORKFLOWS / "book.yml").read_text(encoding="utf-8")
    assert "make book-only" in book and "make book\n" not in book
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^book-only:.*?(?=^\S|\Z)", makefile, re.M | re.S).group(0)
    assert "$(TORCH_CPU_INDEX) torch torchvision" in recipe
    assert "TORCH_CPU_INDEX := https://download.pytorch.org/whl/cpu" in makefile
    for text in (book, recipe, (ROOT / "requirements-book.txt").read_text(encoding="utf-8")):
        code = "\n".join(line.split("#")[0] for line in text.splitlines())
        assert not re.search(r"nvidia|cuda|cu1\d\d", code, re.I), "the book build installs CUDA"


def test_pull_requests_get_the_built_html():
    book = load("book.yml")
    assert "pull_request" in book["on"]
    uploads = [s for s in steps(book) if s.get("uses", "").startswith("actions/upload-artifact")]
    assert uploads and uploads[0]["with"]["path"] == "_build/html"
    assert "pull_request" in uploads[0]["if"]
    assert "pull_request" in book["jobs"]["deploy"]["if"], "a pull request must never deploy"


def test_actions_are_current_majors():
    old = []
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for step in steps(load(path.name)):
            action, _, version = step.get("uses", "").partition("@")
            major = int(version.lstrip("v").split(".")[0]) if version[1:2].isdigit() else None
            if action in MINIMUM_MAJOR and (major is None or major < MINIMUM_MAJOR[action]):
                old.append(f"{path.name}: {step['uses']}")
    assert not old, f"actions older than their Node 24 majors: {old}"


def test_weekly_link_check_reports_in_an_issue():
    links = load("links.yml")
    assert links["on"]["schedule"], "the link check runs on a schedule"
    uses = [s.get("uses", "") for s in steps(links)]
    assert any(u.startswith("lycheeverse/lychee-action@") for u in uses)
    assert any(u.startswith("peter-evans/create-issue-from-file@") for u in uses)
    assert links["permissions"]["issues"] == "write"


def test_dependabot_updates_the_actions():
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    assert config["version"] == 2
    assert any(u["package-ecosystem"] == "github-actions" for u in config["updates"])
