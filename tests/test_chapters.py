"""Every chapter is complete for readers and instructors (CONTRIBUTING.md): its page ends with a
self-check quiz of at least five questions with hidden answers, and it has an instructor's-guide
entry in data/instructors/ that lists exactly the notebooks the table of contents gives it."""

from __future__ import annotations

import re

import pytest
import yaml

from scripts.notebook_cells import ROOT

QUIZ_HEADING = "## Check your understanding"
MIN_QUESTIONS = 5
EXERCISE = re.compile(r"^(`{3,}|:{3,})\{exercise\}.*\n((?::[^\n]*\n)*)", re.MULTILINE)
SOLUTION = re.compile(r"^(`{3,}|:{3,})\{solution\}\s+(\S+)\s*\n((?::[^\n]*\n)*)", re.MULTILINE)
LABEL = re.compile(r"^:label:\s*(\S+)", re.MULTILINE)


def chapters() -> dict[str, list[str]]:
    """Chapter page -> its notebooks (file names), from the "Chapters" part of _toc.yml."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    found = {}
    for part in toc.get("parts", []):
        if part.get("caption", "").strip().lower() != "chapters":
            continue
        for chapter in part.get("chapters") or []:
            sections = chapter.get("sections") or []
            found[chapter["file"]] = [
                f"{s['file'].split('/')[-1]}.ipynb" for s in sections if "file" in s
            ]
    return found


CHAPTERS = chapters()


def instructor_entries() -> dict[str, dict]:
    """Page -> its instructor files and their notebooks (a chapter may have several files)."""
    entries: dict[str, dict] = {}
    for path in sorted((ROOT / "data" / "instructors").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        page = str(data.get("page", "")).removesuffix(".md")
        entry = entries.setdefault(page, {"files": [], "notebooks": []})
        entry["files"].append(f"data/instructors/{path.name}")
        entry["notebooks"] += list(data.get("notebooks") or [])
    return entries


def quiz_problems(text: str) -> list[str]:
    if QUIZ_HEADING not in text:
        return [f"no '{QUIZ_HEADING}' section"]
    quiz = text.split(QUIZ_HEADING, 1)[1]
    labels = [LABEL.search(m.group(2)) for m in EXERCISE.finditer(quiz)]
    problems = []
    if len(labels) < MIN_QUESTIONS:
        problems.append(f"{len(labels)} quiz questions; at least {MIN_QUESTIONS} are needed")
    if not all(labels):
        problems.append("every {exercise} needs a :label: for its {solution}")
    solutions = {m.group(2): m.group(3) for m in SOLUTION.finditer(quiz)}
    for label in [m.group(1) for m in labels if m]:
        if label not in solutions:
            problems.append(f"question {label} has no {{solution}} {label}")
        elif ":class: dropdown" not in solutions[label]:
            problems.append(f"the answer to {label} is not hidden (add ':class: dropdown')")
    return problems


def test_the_toc_has_chapters():
    assert CHAPTERS, "_toc.yml has no 'Chapters' part"


@pytest.mark.parametrize("page", CHAPTERS, ids=list(CHAPTERS))
def test_chapter_ends_with_a_quiz(page):
    problems = quiz_problems((ROOT / f"{page}.md").read_text(encoding="utf-8"))
    assert not problems, f"{page}.md:\n  " + "\n  ".join(problems)


@pytest.mark.parametrize("page", CHAPTERS, ids=list(CHAPTERS))
def test_chapter_has_an_instructor_entry_with_its_notebooks(page):
    entries = instructor_entries()
    assert page in entries, f"no data/instructors/chNN.yaml with `page: {page}`"
    listed = [n if n.endswith(".ipynb") else f"{n}.ipynb" for n in entries[page]["notebooks"]]
    assert sorted(listed) == sorted(CHAPTERS[page]), (
        f"{', '.join(entries[page]['files'])} list {listed}; "
        f"_toc.yml gives {page} the notebooks {CHAPTERS[page]}"
    )


def test_the_quiz_checker():
    question = "```{{exercise}} Q{n}\n:label: q{n}\nWhy?\n```\n"
    answer = "```{{solution}} q{n}\n:class: dropdown\nBecause.\n```\n"
    quiz = "".join(question.format(n=n) + answer.format(n=n) for n in range(5))
    assert quiz_problems(f"# T\n\n{QUIZ_HEADING}\n\n{quiz}") == []
    assert "4 quiz questions; at least 5 are needed" in quiz_problems(
        f"{QUIZ_HEADING}\n" + quiz.split("```{exercise} Q4")[0]
    )
    assert quiz_problems("# T\n") == [f"no '{QUIZ_HEADING}' section"]
    shown = quiz.replace(":class: dropdown\n", "", 1)
    assert quiz_problems(f"{QUIZ_HEADING}\n{shown}") == [
        "the answer to q0 is not hidden (add ':class: dropdown')"
    ]
