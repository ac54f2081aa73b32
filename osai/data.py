"""Finding the course's facts-as-data files (data/*.yaml) from a checkout, a notebook or Colab."""

from __future__ import annotations

import os
from pathlib import Path


def find_data_file(name: str, path: str | Path | None = None) -> Path:
    """The path of ``data/<name>``: ``path`` if given, then ``$OSAI_DATA_DIR``, then the
    repository's data/ folder (next to this package, the working directory, or its parent when
    a notebook runs from notebooks/). A missing file is an error that says how to fix it."""
    candidates = [Path(path)] if path is not None else []
    if os.environ.get("OSAI_DATA_DIR"):
        candidates.append(Path(os.environ["OSAI_DATA_DIR"]) / name)
    candidates += [
        Path(__file__).resolve().parents[1] / "data" / name,  # editable install / checkout
        Path.cwd() / "data" / name,
        Path.cwd().parent / "data" / name,  # running from notebooks/
    ]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(
        f"Cannot find {name}. It lives in the course repository's data/ folder: run from a "
        "checkout of the repository, or set OSAI_DATA_DIR to the folder that holds it."
    )
