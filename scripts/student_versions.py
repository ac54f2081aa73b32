"""Write student versions of the notebooks: solutions stripped with nbgrader's ClearSolutions.

Usage: python scripts/student_versions.py NOTEBOOK_DIR OUTPUT_DIR

Code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes ``raise NotImplementedError()``;
outputs are cleared so the student sees a fresh notebook. The check cells (asserts) stay, so a
student runs them to grade an answer. Also writes OUTPUT_DIR/student-notebooks.zip for download.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor
from nbgrader.preprocessors import ClearSolutions

SOLUTION_MARKER = "### BEGIN SOLUTION"


def student_version(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``notebook`` with every solution replaced by a stub and every output cleared."""
    copy = nbformat.from_dict(notebook)
    copy.metadata.setdefault("kernelspec", {"name": "python3", "language": "python"})
    copy, _ = ClearSolutions(enforce_metadata=False).preprocess(copy, {})
    copy, _ = ClearOutputPreprocessor().preprocess(copy, {})
    return copy


def write_student_versions(source: Path, target: Path) -> list[Path]:
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for path in sorted(source.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        if not any(SOLUTION_MARKER in cell.source for cell in notebook.cells):
            raise SystemExit(
                f"{path}: no '{SOLUTION_MARKER}' marker; every notebook has exercises."
            )
        out = target / path.name
        nbformat.write(student_version(notebook), out)
        written.append(out)
    with zipfile.ZipFile(target / "student-notebooks.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        for out in written:
            archive.write(out, arcname=f"student-notebooks/{out.name}")
    return written


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    for out in write_student_versions(Path(sys.argv[1]), Path(sys.argv[2])):
        print(f"wrote {out}")
