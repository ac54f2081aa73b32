"""book/_ext/instructors_guide.py: reading data/instructors/*.yaml, with clear errors, and the
run times it renders coming from the measured statistics."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from scripts.notebook_cells import ROOT, repository
from tests.book_extensions import load_extension

guide = load_extension("instructors_guide")

GOOD = {
    "chapter": "Challenges",
    "page": "book/06_challenges",
    "notebooks": ["06_legal.ipynb", "06_safety"],
    "objectives": ["Read a model licence."],
    "prerequisites": ["Chapter 1."],
    "exercises": [
        {"notebook": "06_legal.ipynb", "title": "Which licence?", "difficulty": "easy"},
        {"notebook": "06_safety.ipynb", "title": "A | pipe", "difficulty": "Hard"},
    ],
    "assignments": ["Compare two licences.", "Write a model card."],
}


def write(tmp_path: Path, data, name: str = "ch06.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def test_every_committed_chapter_file_loads():
    paths = sorted(guide.INSTRUCTORS_DIR.glob("*.yaml"))
    assert any(p.name == "ch00.yaml" for p in paths)
    for chapter in guide.load_chapters():
        assert chapter["source"].startswith("data/instructors/ch")
        for notebook in chapter["notebooks"]:
            assert (ROOT / "notebooks" / notebook).is_file(), f"{chapter['source']}: {notebook}"


def test_getting_started_entry():
    chapter = guide.load_chapter(guide.INSTRUCTORS_DIR / "ch00.yaml")
    assert chapter["notebooks"] == ["00_getting_started.ipynb"]
    assert [(e["title"], e["difficulty"]) for e in chapter["exercises"]] == [
        ("Verify the weights yourself: a chunked SHA-256 of any file", "easy"),
        ("Explain (written, graded by hand): what a matching SHA-256 proves", "medium"),
        ("Find the bug in a search function, then rank the top k", "medium"),
        ("Read the licence from the GGUF file's bytes", "hard"),
    ]


def test_a_good_file_is_normalised(tmp_path):
    chapter = guide.load_chapter(write(tmp_path, GOOD))
    assert chapter["notebooks"] == ["06_legal.ipynb", "06_safety.ipynb"]
    assert chapter["exercises"][1]["difficulty"] == "hard"
    assert chapter["source"].endswith("ch06.yaml")


@pytest.mark.parametrize("key", guide.REQUIRED_KEYS)
def test_a_missing_key_names_the_file_and_the_key(tmp_path, key):
    data = {k: v for k, v in GOOD.items() if k != key}
    with pytest.raises(guide.InstructorDataError, match=rf"ch06\.yaml: missing key '{key}'"):
        guide.load_chapter(write(tmp_path, data))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"objectives": "one string"}, r"'objectives' must be a list"),
        ({"exercises": []}, r"'exercises' must be a non-empty list"),
        ({"exercises": ["just a title"]}, r"exercises\[1\] must be a mapping"),
        (
            {"exercises": [{"notebook": "06_legal.ipynb", "title": "T"}]},
            r"exercises\[1\] is missing key 'difficulty'",
        ),
        (
            {"exercises": [{"notebook": "06_legal.ipynb", "title": "T", "difficulty": "tricky"}]},
            r"difficulty 'tricky'; use one of easy, medium, hard",
        ),
        (
            {"exercises": [{"notebook": "07_other.ipynb", "title": "T", "difficulty": "easy"}]},
            r"names notebook 07_other\.ipynb, which is not in this file's 'notebooks'",
        ),
    ],
)
def test_bad_values_say_what_to_fix(tmp_path, change, message):
    with pytest.raises(guide.InstructorDataError, match=r"ch06\.yaml: .*" + message):
        guide.load_chapter(write(tmp_path, {**GOOD, **change}))


def test_not_a_mapping_or_not_yaml(tmp_path):
    with pytest.raises(guide.InstructorDataError, match="expected a mapping"):
        guide.load_chapter(write(tmp_path, "- a\n- list\n"))
    with pytest.raises(guide.InstructorDataError, match="not valid YAML"):
        guide.load_chapter(write(tmp_path, "chapter: [unclosed\n"))


def test_load_chapters_reads_a_folder_in_order(tmp_path):
    write(tmp_path, {**GOOD, "chapter": "B"}, "ch02.yaml")
    write(tmp_path, {**GOOD, "chapter": "A"}, "ch01.yaml")
    assert [c["chapter"] for c in guide.load_chapters(tmp_path)] == ["A", "B"]
    assert guide.load_chapters(tmp_path / "nothing-here") == []


def test_run_times_come_from_the_statistics(tmp_path):
    chapter = guide.load_chapter(write(tmp_path, GOOD))
    stats = {
        "notebooks": {
            "06_legal.ipynb": {
                "wall_s": 41.26,
                "cpu_s": 57.9,
                "peak_tree_pss_mb": 812,
                "measured_on": "2026-11-26",
            }
        }
    }
    docs = {"book/06_challenges", "notebooks/06_legal"}
    text = "\n".join(guide.chapter_markdown(chapter, stats, docs, repository=repository()))
    assert "| {doc}`06_legal </notebooks/06_legal>` | 41 | 58 | 812 | 1 | 2026-11-26 |" in text
    assert "| 06_safety | not measured yet |" in text  # not in the book yet: no link
    assert "A \\| pipe" in text  # a | in a title does not break the table
    overview = "\n".join(guide.overview_markdown([chapter], stats))
    assert "| Challenges | 2 | 58 (some not measured) | 1 / 0 / 1 |" in overview
    assert "not measured yet" in "\n".join(guide.overview_markdown([chapter], {}))


def test_the_committed_statistics_are_what_the_guide_shows():
    stats = guide.load_stats()
    chapter = guide.load_chapter(guide.INSTRUCTORS_DIR / "ch00.yaml")
    text = "\n".join(guide.chapter_markdown(chapter, stats, repository=repository()))
    row = stats.get("notebooks", {}).get("00_getting_started.ipynb")
    if row is None:
        pytest.skip(
            "book/_data/execution_stats.generated.json has no entry for 00_getting_started yet"
        )
    assert f"| {row.get('peak_tree_pss_mb', '?')} |" in text and f"| {row['cpu_s']:.0f} |" in text


def test_the_guides_nbgrader_commands_are_the_ones_the_end_to_end_test_runs():
    # tests/test_nbgrader_end_to_end.py runs these commands and configuration lines with real
    # nbgrader; the guide must give instructors the same ones, with the venv's programs on PATH
    # (nbgrader starts `alembic` by name, so a full path to nbgrader alone fails).
    from tests.test_nbgrader_end_to_end import CONFIG_LINES

    text = (ROOT / "book" / "instructors.md").read_text(encoding="utf-8")
    blocks = "\n".join(re.findall(r"```(?:bash|python)\n(.*?)```", text, flags=re.DOTALL))
    for command in (
        "export PATH=$PWD/open-source-ai-course/.venv/bin:$PATH",
        "nbgrader quickstart my-course",
        "rm -rf my-course/source/ps1",
        "python open-source-ai-course/scripts/nbgrader_source.py open-source-ai-course/notebooks "
        "my-course",
        "nbgrader generate_assignment 06_legal",
        "python ../open-source-ai-course/scripts/nbgrader_source.py --check . 06_legal",
        "nbgrader autograde 06_legal",
        *CONFIG_LINES,
    ):
        assert command in blocks, f"book/instructors.md no longer says {command!r}"
    assert "$NBGRADER" not in text and ".venv/bin/nbgrader" not in blocks


def test_the_full_notebook_links_use_the_repository_given():
    links = guide.full_notebook_links(
        "06_legal.ipynb", ("https://github.com/org/course/", "term-2")
    )
    assert (
        "https://colab.research.google.com/github/org/course/blob/term-2/notebooks/06_legal"
        in links
    )
    assert "(https://github.com/org/course/blob/term-2/notebooks/06_legal.ipynb)" in links


def test_the_one_reader_of_the_repository_needs_url_and_branch(tmp_path):
    config = tmp_path / "_config.yml"
    config.write_text("repository:\n  url: https://github.com/org/course\n", encoding="utf-8")
    with pytest.raises(ValueError, match="set repository: branch"):
        repository(config)
    config.write_text(
        "repository:\n  url: https://github.com/org/course/\n  branch: dev\n", encoding="utf-8"
    )
    assert repository(config) == ("https://github.com/org/course", "dev")
