"""The one way tests import the book's Sphinx extensions (book/_ext/*.py).

book/_ext is not a Python package: Sphinx imports each module there by name
(``local_extensions`` in _config.yml). Tests load a module by its file path under that same
name, so a module loaded here and one an extension loads (``_sibling`` in
book/_ext/instructors_guide.py) are the same object, and nothing is put on ``sys.path``.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

EXT_DIR = Path(__file__).resolve().parents[1] / "book" / "_ext"


def load_extension(name: str) -> ModuleType:
    """book/_ext/<name>.py as a module (loaded once, then taken from ``sys.modules``)."""
    if name in sys.modules:
        return sys.modules[name]
    path = EXT_DIR / f"{name}.py"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in EXT_DIR.glob("*.py")))
        raise FileNotFoundError(f"no book extension {path}; the extensions are: {known}")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
