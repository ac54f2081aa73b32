"""Sphinx directive ``instructors-guide``: every chapter's teaching data, with measured run times.

It reads every ``data/instructors/chNN.yaml`` (one per chapter, written with the chapter) and, for
each, renders the learning objectives, prerequisites, the notebooks with their run time and peak
memory *as measured* in book/_data/execution_stats.generated.json (``load_stats`` of
course_stats.py: nothing is typed in), the exercises with their difficulty, and the suggested assignments.

A chapter file has these keys (``exercises`` entries are mappings)::

    chapter: "Challenges: legal, safety, resources"
    page: book/06_challenges
    notebooks: [06_legal.ipynb, 06_safety.ipynb]
    objectives: [...]
    prerequisites: [...]
    exercises: [{notebook: 06_legal.ipynb, title: "...", difficulty: easy|medium|hard}]
    assignments: [...]

A missing key or a bad value stops the build with an error naming the file and the key.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from docutils import nodes
from docutils.statemachine import StringList
from sphinx.util.docutils import SphinxDirective


def _sibling(name: str):
    """Another module of book/_ext, by file path: the folder is not a package, and Sphinx
    imports each extension there by name (the same name, so both are one module object)."""
    import importlib.util
    import sys

    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


_course_stats = _sibling("course_stats")
STATS_FILE, load_stats, peak_memory_mb = (
    _course_stats.STATS_FILE,
    _course_stats.load_stats,
    _course_stats.peak_memory_mb,
)

ROOT = Path(__file__).resolve().parents[2]
INSTRUCTORS_DIR = ROOT / "data" / "instructors"
REQUIRED_KEYS = (
    "chapter",
    "page",
    "notebooks",
    "objectives",
    "prerequisites",
    "exercises",
    "assignments",
)
LIST_KEYS = ("notebooks", "objectives", "prerequisites", "assignments")
EXERCISE_KEYS = ("notebook", "title", "difficulty")
DIFFICULTIES = ("easy", "medium", "hard")


class InstructorDataError(ValueError):
    """A data/instructors/*.yaml file that the guide cannot render; the message says how to fix."""


def _notebook_name(name: str) -> str:
    name = str(name).strip()
    return name if name.endswith(".ipynb") else f"{name}.ipynb"


def load_chapter(path: Path) -> dict:
    """Read and check one chapter file; raise InstructorDataError naming the file and the key."""
    inside = path.resolve().parent == INSTRUCTORS_DIR.resolve()
    where = f"data/instructors/{path.name}" if inside else str(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise InstructorDataError(f"{where}: not valid YAML ({error})") from error
    if not isinstance(data, dict):
        raise InstructorDataError(
            f"{where}: expected a mapping with keys {', '.join(REQUIRED_KEYS)}"
        )
    for key in REQUIRED_KEYS:
        if key not in data or data[key] in (None, ""):
            raise InstructorDataError(
                f"{where}: missing key '{key}' (every chapter file needs {', '.join(REQUIRED_KEYS)})"
            )
    for key in ("chapter", "page"):
        if not isinstance(data[key], str):
            raise InstructorDataError(f"{where}: key '{key}' must be a string")
    for key in LIST_KEYS:
        value = data[key]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise InstructorDataError(f"{where}: key '{key}' must be a list of non-empty strings")
    if not isinstance(data["exercises"], list) or not data["exercises"]:
        raise InstructorDataError(f"{where}: key 'exercises' must be a non-empty list")
    notebooks = [_notebook_name(n) for n in data["notebooks"]]
    exercises = []
    for i, exercise in enumerate(data["exercises"], start=1):
        if not isinstance(exercise, dict):
            raise InstructorDataError(f"{where}: exercises[{i}] must be a mapping {EXERCISE_KEYS}")
        for key in EXERCISE_KEYS:
            if not exercise.get(key):
                raise InstructorDataError(f"{where}: exercises[{i}] is missing key '{key}'")
        difficulty = str(exercise["difficulty"]).strip().lower()
        if difficulty not in DIFFICULTIES:
            raise InstructorDataError(
                f"{where}: exercises[{i}] ({exercise['title']!r}) has difficulty "
                f"{exercise['difficulty']!r}; use one of {', '.join(DIFFICULTIES)}"
            )
        notebook = _notebook_name(exercise["notebook"])
        if notebook not in notebooks:
            raise InstructorDataError(
                f"{where}: exercises[{i}] ({exercise['title']!r}) names notebook {notebook}, "
                f"which is not in this file's 'notebooks' ({', '.join(notebooks)})"
            )
        rubric = exercise.get("rubric")
        if rubric is not None and (
            not isinstance(rubric, dict)
            or sorted(rubric) != [0, 1, 2]
            or not all(isinstance(v, str) and v.strip() for v in rubric.values())
        ):
            raise InstructorDataError(
                f"{where}: exercises[{i}] ({exercise['title']!r}): 'rubric' must map 0, 1 and 2 "
                "(the points) to what an answer worth them says"
            )
        exercises.append(
            {
                "notebook": notebook,
                "title": str(exercise["title"]),
                "difficulty": difficulty,
                "rubric": rubric,
            }
        )
    return {
        **data,
        "source": where,
        "page": data["page"].strip().removesuffix(".md"),
        "notebooks": notebooks,
        "exercises": exercises,
    }


def load_chapters(directory: Path = INSTRUCTORS_DIR) -> list[dict]:
    """Every chapter file in ``directory``, in file-name order (ch00, ch01, ...)."""
    return [load_chapter(path) for path in sorted(directory.glob("*.yaml"))]


def full_notebook_links(notebook: str, repository: tuple[str, str]) -> str:
    """Markdown links to a full notebook (notebooks/, solutions included) on Colab and GitHub;
    ``repository`` is the course repository's (URL, branch)."""
    url, branch = repository[0].rstrip("/"), repository[1]
    slug = url.removeprefix("https://github.com/")
    path = f"notebooks/{_notebook_name(notebook)}"
    colab = f"https://colab.research.google.com/github/{slug}/blob/{branch}/{path}"
    return f"`{path}`: [open in Colab]({colab}) · [view on GitHub]({url}/blob/{branch}/{path})"


def _seconds(value) -> str:
    return f"{value:.0f}" if isinstance(value, (int, float)) else "?"


def chapter_markdown(
    chapter: dict, stats: dict, docs: set[str] | None = None, *, repository: tuple[str, str]
) -> list[str]:
    """The MyST markdown of one chapter's entry. ``docs``: the documents the book has (for links);
    ``repository``: the course repository's (URL, branch), for the full notebooks' links."""

    def link(doc: str, text: str) -> str:
        if docs is None or doc in docs:
            return f"{{doc}}`{text} </{doc}>`"
        return text

    measured = stats.get("notebooks", {})
    page = link(chapter["page"], "the chapter's page")
    lines = [f"### {chapter['chapter']}", "", f"Read {page}; data: `{chapter['source']}`.", ""]
    lines += ["**Learning objectives.** By the end of the chapter, learners can:", ""]
    lines += [f"- {item}" for item in chapter["objectives"]]
    lines += ["", "**Prerequisites.**", ""]
    lines += [f"- {item}" for item in chapter["prerequisites"]]
    lines += [
        "",
        "**Notebooks**, as measured by `make stats` on the course's 2-core CPU:",
        "",
        "| notebook | wall time (s) | CPU time (s) | peak memory, whole process tree (MB) "
        "| exercises | measured on |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for notebook in chapter["notebooks"]:
        stem = notebook.removesuffix(".ipynb")
        count = sum(1 for e in chapter["exercises"] if e["notebook"] == notebook)
        row = measured.get(notebook)
        name = link(f"notebooks/{stem}", stem)
        if row:
            lines.append(
                f"| {name} | {_seconds(row.get('wall_s'))} | {_seconds(row.get('cpu_s'))} "
                f"| {peak_memory_mb(row) or '?'} | {count} | {row.get('measured_on', '?')} |"
            )
        else:
            lines.append(f"| {name} | not measured yet | | | {count} | run `make stats` |")
    lines += [
        "",
        "**Full notebooks, with solutions** (the book's Colab buttons and the notebooks' badges "
        "open the student versions in `student/`):",
        "",
    ]
    lines += [f"- {full_notebook_links(nb, repository)}" for nb in chapter["notebooks"]]
    lines += ["", "**Exercises** (graded by the `assert` check cell after each):", ""]
    lines += ["| notebook | exercise | difficulty |", "|---|---|---|"]
    for exercise in chapter["exercises"]:
        title = exercise["title"].replace("|", "\\|")
        lines.append(
            f"| {exercise['notebook'].removesuffix('.ipynb')} | {title} | {exercise['difficulty']} |"
        )
    rubrics = [e for e in chapter["exercises"] if e.get("rubric")]
    if rubrics:
        lines += ["", "**Rubrics for the written answers** (points in formgrader):", ""]
        for exercise in rubrics:
            lines.append(f"- *{exercise['title']}* ({exercise['notebook'].removesuffix('.ipynb')})")
            lines += [f"  - {points}: {exercise['rubric'][points]}" for points in (2, 1, 0)]
    lines += ["", "**Suggested assignments.**", ""]
    lines += [f"{i}. {item}" for i, item in enumerate(chapter["assignments"], start=1)]
    return lines + [""]


def overview_markdown(chapters: list[dict], stats: dict) -> list[str]:
    """One table: per chapter, its notebooks' total measured time and its exercises by difficulty."""
    measured = stats.get("notebooks", {})
    lines = [
        "| chapter | notebooks | measured CPU time (s) | exercises (easy / medium / hard) |",
        "|---|---:|---:|---|",
    ]
    for chapter in chapters:
        rows = [measured.get(n) for n in chapter["notebooks"]]
        cpu = sum(r["cpu_s"] for r in rows if r) if any(rows) else None
        if cpu is not None and not all(rows):
            cpu_text = f"{cpu:.0f} (some not measured)"
        else:
            cpu_text = _seconds(cpu) if cpu is not None else "not measured yet"
        counts = " / ".join(
            str(sum(1 for e in chapter["exercises"] if e["difficulty"] == d)) for d in DIFFICULTIES
        )
        lines.append(
            f"| {chapter['chapter']} | {len(chapter['notebooks'])} | {cpu_text} | {counts} |"
        )
    return lines + [""]


class InstructorsGuide(SphinxDirective):
    """Render every data/instructors/*.yaml: an overview table, then one section per chapter."""

    def run(self):
        self.env.note_dependency(str(STATS_FILE))
        paths = sorted(INSTRUCTORS_DIR.glob("*.yaml"))
        for path in paths:
            self.env.note_dependency(str(path))
        try:
            chapters = load_chapters()
        except InstructorDataError as error:
            raise self.error(str(error)) from error
        if not chapters:
            return [nodes.paragraph(text="No chapter data yet in data/instructors/.")]
        # A notebook named in a chapter file but not (yet) in the book is shown without a link;
        # tests/test_instructors_guide.py fails on it, so the build itself stays usable.
        docs = set(self.env.found_docs)
        stats = load_stats()
        lines = ["### At a glance", "", *overview_markdown(chapters, stats)]
        # The repository as Jupyter Book passed it from _config.yml to the theme (the book's own
        # repository button uses it), so the extension never reads that file itself.
        options = self.env.config.html_theme_options
        repository = (options["repository_url"], options["repository_branch"])
        for chapter in chapters:
            lines += chapter_markdown(chapter, stats, docs, repository=repository)
        container = nodes.container()
        # match_titles: every "###" heading becomes a real section of the page (and of its
        # contents), placed where the directive is; so everything here lives under a heading.
        self.state.nested_parse(StringList(lines, source=str(INSTRUCTORS_DIR)), 0, container, True)
        return container.children


def setup(app):
    app.add_directive("instructors-guide", InstructorsGuide)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
