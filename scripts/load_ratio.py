"""Each training notebook's wall time idle and with one core kept busy by another process.

The course's budget says a notebook may take at most 1.5 times its idle time when one of the two
cores is busy elsewhere (CONTRIBUTING.md, "Budgets"). This script measures it the one way that
means something: in one run, each notebook strictly executed by `make notebooks` (nbval, offline,
network audit on) once on the idle machine and once beside a busy loop pinned to the last core
(`taskset`), one notebook after the other. Run it on an otherwise idle machine:

    .venv/bin/python scripts/load_ratio.py                 # prints the table, exits 1 over 1.5x
    .venv/bin/python scripts/load_ratio.py --stats book/_data/execution_stats.generated.json

With ``--stats`` the figures are merged into that execution-statistics file under ``under_load``
(the status page renders them).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The notebooks that train something, so that their thread count matters.
TRAINING_NOTEBOOKS = (
    "01_four_freedoms",
    "04_build_an_app",
    "05_computer_vision",
    "05_generative_ai",
    "05_pretrained_vision",
    "07_federated_learning",
)
MAX_RATIO = 1.5
BUSY_LOOP = "while True: pass"


def wall_seconds(notebook: str, stats_file: Path) -> float:
    """Run one notebook under `make notebooks` and return its measured wall time.

    Outputs are not compared (``--nbval-lax``): with one core busy a notebook computes with one
    thread, and floating-point sums in another order change printed digits (a validation mAP
    rounded to one decimal, a held-out accuracy after a few steps of training); the idle, strict
    run of `make test` checks the outputs.
    """
    stats_file.unlink(missing_ok=True)
    subprocess.run(
        [
            "make",
            "--no-print-directory",
            "notebooks",
            f"NB=notebooks/{notebook}.ipynb",
            f"STATS={stats_file}",
            "NBVAL=--nbval-lax",
        ],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return json.loads(stats_file.read_text())["notebooks"][f"{notebook}.ipynb"]["wall_s"]


def busy_core() -> subprocess.Popen:
    """A busy loop pinned to the machine's last core, as another user's job would be."""
    if shutil.which("taskset") is None:
        sys.exit("taskset not found: install util-linux (Debian: sudo apt-get install util-linux)")
    last = max(os.sched_getaffinity(0))
    return subprocess.Popen(["taskset", "-c", str(last), sys.executable, "-c", BUSY_LOOP])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "notebooks",
        nargs="*",
        default=list(TRAINING_NOTEBOOKS),
        help="notebook stems (default: the training notebooks)",
    )
    parser.add_argument("--stats", type=Path, help="execution-statistics JSON to merge into")
    args = parser.parse_args(argv)
    unknown = [n for n in args.notebooks if not (ROOT / "notebooks" / f"{n}.ipynb").is_file()]
    if unknown:
        parser.error(f"no notebooks/<stem>.ipynb for {unknown}: give stems like 05_generative_ai")
    if len(os.sched_getaffinity(0)) < 2:
        parser.error("needs at least two cores: one for the notebook, one to keep busy")

    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        stats_file = Path(tmp) / "stats.json"
        for notebook in args.notebooks:
            idle = wall_seconds(notebook, stats_file)
            loop = busy_core()
            try:
                loaded = wall_seconds(notebook, stats_file)
            finally:
                loop.kill()
                loop.wait()
            rows[f"{notebook}.ipynb"] = {
                "idle_wall_s": idle,
                "loaded_wall_s": loaded,
                "ratio": round(loaded / idle, 2),
                "max_ratio": MAX_RATIO,
                "measured_on": date.today().isoformat(),
            }
            print(
                f"{notebook}: idle {idle} s, one core busy {loaded} s, ratio {loaded / idle:.2f}",
                flush=True,
            )

    if args.stats:
        stats = json.loads(args.stats.read_text()) if args.stats.is_file() else {}
        stats.setdefault("under_load", {}).update(rows)
        args.stats.write_text(json.dumps(stats, indent=2, sort_keys=True) + "\n")
    over = [name for name, row in rows.items() if row["ratio"] > MAX_RATIO]
    if over:
        print(f"over {MAX_RATIO}x idle with one core busy: {', '.join(over)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
