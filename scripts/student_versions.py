"""Write student versions of the notebooks: solutions stripped with nbgrader's ClearSolutions.

Usage: python scripts/student_versions.py NOTEBOOK_DIR OUTPUT_DIR [--zip ZIP]

Code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes ``raise NotImplementedError()``
(a written answer marked for nbgrader becomes "YOUR ANSWER HERE"); outputs are cleared so the
student sees a fresh notebook. The check cells (asserts) stay, so a student runs them to grade an
answer. ``make student`` writes the committed copies in student/ (what the Colab links open) and
build/student/student-notebooks.zip (``--zip``) for download.
"""

from __future__ import annotations

import argparse
import sys
import zipfile
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor
from nbgrader.preprocessors import ClearSolutions

# Run as a file (python scripts/student_versions.py), the repository root is not on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from scripts.notebook_cells import SOLUTION_BEGIN, is_solution, read  # noqa: E402


def student_version(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with every solution replaced by a stub and every output cleared."""
    copy = nbformat.from_dict(notebook)
    copy.metadata.setdefault("kernelspec", {"name": "python3", "language": "python"})
    copy, _ = ClearSolutions(enforce_metadata=False).preprocess(copy, {})
    copy, _ = ClearOutputPreprocessor().preprocess(copy, {})
    return copy


def student_text(notebook: nbformat.NotebookNode) -> str:
    """The student version exactly as written to disk (what student/ commits)."""
    text = nbformat.writes(student_version(notebook))
    return text if text.endswith("\n") else text + "\n"


def write_student_versions(source: Path, target: Path, archive: Path | None = None) -> list[Path]:
    """Write ``target/<name>.ipynb`` for every notebook in ``source``; optionally a zip of them."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(source.glob("*.ipynb")):
        notebook = read(path)
        if not any(is_solution(cell) for cell in notebook.cells):
            raise SystemExit(f"{path}: no '{SOLUTION_BEGIN}' marker; every notebook has exercises.")
        out = target / path.name
        out.write_text(student_text(notebook), encoding="utf-8")
        written.append(out)
    if archive is not None:
        archive.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            for out in written:
                bundle.write(out, arcname=f"student-notebooks/{out.name}")
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", type=Path, help="folder of the full notebooks")
    parser.add_argument("output", type=Path, help="folder for the student versions")
    parser.add_argument("--zip", type=Path, help="also write this zip of the student versions")
    args = parser.parse_args()
    for out in write_student_versions(args.notebooks, args.output, args.zip):
        print(f"wrote {out}")
    if args.zip:
        print(f"wrote {args.zip}")
