"""The chapter pages' figures, drawn from the course's data every time the book is built.

Each chapter page (book/01_definition.md ... book/07_future.md) shows one figure that carries its
main idea. None of them is a typed-in picture: every function below reads the facts that ship in
``osai/facts/`` (or computes them with ``osai``) and draws them, so a corrected fact corrects its
figure at the next build. At ``builder-inited`` this extension writes every figure to
``book/_generated/<name>.png`` (git ignores it); a page shows one with MyST's ``{figure}`` directive
and its own alt text. ``python book/_ext/chapter_figures.py OUT_DIR`` draws them without Sphinx.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

OUT_DIR = Path(__file__).resolve().parents[1] / "_generated"
ANSWER_VALUE = {"no": 0.0, "conditional": 0.5, "yes": 1.0}


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from osai.plotting import use_course_style

    use_course_style()
    return plt


def _projects() -> dict[str, dict]:
    from osai import openness

    return openness.load()


# The funnel's bars: osai.openness.COMPONENTS grouped in the OSAID's order of presentation
FUNNEL_STEPS = (
    ("weights available", ("weights",)),
    ("+ training and inference code", ("training_code", "inference_code")),
    ("+ complete data information", ("data_information",)),
)


def osaid_funnel_counts() -> list[tuple[str, list[str]]]:
    """(requirement, projects that still meet every requirement so far), in the OSAID's order:
    weights, code, data information, then the whole verdict of ``osai.openness.osaid``. The rule
    itself is osai.openness's: a component counts when ``fully_available``, and the last bar keeps
    the systems ``osaid`` says meet the definition."""
    from osai.openness import COMPONENTS, MEETS, fully_available, osaid

    grouped = [c for _, group in FUNNEL_STEPS for c in group]
    if sorted(grouped) != sorted(COMPONENTS):
        raise ValueError(
            f"FUNNEL_STEPS in {__file__} groups {grouped}; osai.openness.COMPONENTS is "
            f"{list(COMPONENTS)}: give every component one bar."
        )
    projects = _projects()
    steps = [
        (label, lambda e, group=group: all(fully_available(e, c) for c in group))
        for label, group in FUNNEL_STEPS
    ]
    steps.append(("+ OSI-approved terms", lambda e: osaid(e).verdict == MEETS))
    remaining = list(projects.values())
    out = []
    for label, keep in steps:
        remaining = [e for e in remaining if keep(e)]
        out.append((label, [e["name"] for e in remaining]))
    return out


def osaid_funnel(plt):
    """Chapter 1: the OSAID is a conjunction. Each bar keeps the systems that meet every
    requirement above it, and names the ones that drop out there; only the last bar meets it."""
    counts = osaid_funnel_counts()
    total = len(_projects())
    fig, ax = plt.subplots(figsize=(8.5, 3.2))
    labels = [f"{label}\n({len(names)} of {total})" for label, names in counts]
    ax.barh(labels[::-1], [len(n) for _, n in counts][::-1], color="#0072B2")
    before = [e["name"] for e in _projects().values()]
    for step, (_, names) in enumerate(counts):
        dropped = [name for name in before if name not in names]
        before = names
        if dropped:
            y = len(counts) - 1 - step
            ax.text(
                len(names) + 0.15,
                y,
                "drops out: " + ", ".join(dropped),
                va="center",
                ha="left",
                fontsize=7.5,
                wrap=True,
            )
    ax.set_xlim(0, total * 1.9)
    ax.set_xticks(range(0, total + 1, 2))
    ax.set_xlabel(f"systems in the course's data (osai/facts/openness.yaml), of {total}")
    ax.set_title("Open Source AI Definition 1.0: every component, under open terms", fontsize=10)
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


def _labelled_heatmap(plt, values, rows, columns, words, width=7.5, label_size=8):
    """A cividis heat-map of values in [0, 1] with a word in every cell and the column labels on
    top: the shape of the three table-like figures (chapters 2, 3 and 6)."""
    fig, ax = plt.subplots(figsize=(width, 0.32 * len(rows) + 1.6))
    ax.imshow(values, cmap="cividis", vmin=0, vmax=1, aspect="auto")
    for i, row in enumerate(values):
        for j, value in enumerate(row):
            color = "black" if value > 0.6 else "white"
            ax.text(j, i, words[i][j], ha="center", va="center", fontsize=7, color=color)
    ax.set_xticks(range(len(columns)), columns, fontsize=label_size)
    ax.set_yticks(range(len(rows)), rows, fontsize=label_size)
    ax.tick_params(axis="x", top=True, bottom=False, labeltop=True, labelbottom=False)
    ax.grid(False)
    fig.tight_layout()
    return fig


def openness_heatmap(plt):
    """Chapter 2: which components each project releases (yes / partial / no) and its licence."""
    from osai.openness import COMPONENTS, STATUS_VALUE, status

    projects = _projects()
    columns = [c.replace("_", " ") for c in COMPONENTS] + ["OSI-approved licence"]
    values = [
        [STATUS_VALUE[status(e, c)] for c in COMPONENTS] + [float(e["osi_approved"])]
        for e in projects.values()
    ]
    words = {value: word for word, value in STATUS_VALUE.items()}
    names = [e["name"] for e in projects.values()]
    return _labelled_heatmap(plt, values, names, columns, [[words[v] for v in r] for r in values])


# What a user can do with a release depends on what it opens. Each benefit of chapter 3 and the
# components it needs (a benefit is "partial" when the weakest component it needs is partial).
BENEFIT_NEEDS: dict[str, tuple[str, ...]] = {
    "run it yourself\n(no lock-in)": ("weights", "inference_code"),
    "adapt and share\nimprovements": ("weights", "licence"),
    "audit how it\nwas made": ("training_code", "data_information"),
    "rebuild it\nfrom scratch": ("weights", "training_code", "data_information", "licence"),
}


def benefit_value(entry: dict, needs: tuple[str, ...]) -> float:
    from osai.openness import STATUS_VALUE, status

    def one(need: str) -> float:
        return (
            float(entry["osi_approved"]) if need == "licence" else STATUS_VALUE[status(entry, need)]
        )

    return min(one(need) for need in needs)


def what_openness_enables(plt):
    """Chapter 3: the benefits of openness, per project, derived from what each one releases."""
    projects = _projects()
    values = [
        [benefit_value(e, needs) for needs in BENEFIT_NEEDS.values()] for e in projects.values()
    ]
    words = {0.0: "no", 0.5: "partly", 1.0: "yes"}
    names = [e["name"] for e in projects.values()]
    cells = [[words[v] for v in r] for r in values]
    return _labelled_heatmap(plt, values, names, list(BENEFIT_NEEDS), cells, width=7.0)


def app_pipeline_numbers() -> dict[str, int]:
    """The chapter-4 app's sizes, computed: pages indexed, passages, labelled questions."""
    from osai import facts, retrieval

    evaluation = facts.load_yaml("qa_eval.yaml")
    book = facts.book_dir()
    paths = [book / Path(page).name for page in evaluation["pages"]]
    chunks = retrieval.chunk_pages(paths, root=book, max_words=120, overlap=20)
    return {
        "pages": len(paths),
        "passages": len(chunks),
        "questions": len(evaluation["questions"]),
    }


def app_pipeline(plt):
    """Chapter 4: the question-answering app as a pipeline of open parts, with its real sizes."""
    n = app_pipeline_numbers()
    steps = [
        (f"{n['pages']} pages", "book pages\n(markdown)"),
        (f"{n['passages']} passages", "≤ 120 words each"),
        ("vectors", "all-MiniLM-L6-v2\n(Apache-2.0)"),
        ("top 3", "cosine similarity\nto the question"),
        ("prompt", "question, passages\nand page names"),
        ("answer", "SmolLM2-135M-Instruct\n(Apache-2.0),\nciting pages"),
    ]
    fig, ax = plt.subplots(figsize=(8.5, 2.2))
    width = 1.0 / len(steps)
    for i, (title, detail) in enumerate(steps):
        x = i * width + width / 2
        ax.text(
            x,
            0.62,
            title,
            ha="center",
            va="center",
            fontsize=8.5,
            weight="bold",
            bbox=dict(boxstyle="round", fc="#56B4E9", ec="#0072B2"),
        )
        ax.text(x, 0.22, detail, ha="center", va="center", fontsize=7)
        if i:
            ax.annotate(
                "",
                xy=(x - width * 0.42, 0.62),
                xytext=(x - width * 0.58, 0.62),
                arrowprops=dict(arrowstyle="->", color="#0072B2"),
            )
    ax.set_title(f"Evaluated on {n['questions']} labelled questions (hit@1, hit@3)", fontsize=9)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    fig.tight_layout()
    return fig


def scale_and_cost(plt):
    """Chapter 5: the seed's models differ by orders of magnitude in size (bars, log scale) and
    in published training cost (GPU-hours, written on the bar where the source gives them)."""
    from osai import compute_costs

    costs = compute_costs.load_facts()
    params = costs["parameters"]
    keys = sorted(params, key=lambda k: params[k]["count"])
    fig, ax = plt.subplots(figsize=(8.0, 0.45 * len(keys) + 1.2))
    ax.barh([params[k]["name"] for k in keys], [params[k]["count"] for k in keys], color="#0072B2")
    for y, key in enumerate(keys):
        count = params[key]["count"]
        run = costs["training"].get(key, {})
        text = f"{count / 1e9:,.2f} B"
        if "gpu_hours" in run:
            text += f"; {run['gpu_hours']:,} GPU-hours to train"
        ax.text(count * 1.15, y, text, va="center", fontsize=7.5)
    ax.set_xscale("log")
    largest = max(params[k]["count"] for k in keys)
    ax.set_xlim(right=largest * 1e4)  # room for the text
    ax.set_xticks([10.0**e for e in range(8, len(str(largest)) + 1)])
    ax.minorticks_off()
    ax.set_xlabel("parameters (log scale); sources in osai/facts/")
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


def licence_matrix(plt):
    """Chapter 6: "may I …?" per model and use, answered from each licence's own clauses."""
    from osai import licences

    table = licences.matrix()
    answers = table.values.tolist()
    values = [[ANSWER_VALUE[a] for a in row] for row in answers]
    columns = [c.replace("_", "\n") for c in table.columns]
    return _labelled_heatmap(plt, values, list(table.index), columns, answers, 8.0, 7)


def federated_round(plt):
    """Chapter 7: one round of federated averaging over the course's four non-IID clients."""
    import numpy as np

    from osai.federated.digits_fedavg.task import NUM_CLASSES, load_partition

    clients = [load_partition(k, 4)[1] for k in range(4)]
    sizes = np.array([len(y) for y in clients])
    fig, axes = plt.subplots(1, 5, figsize=(8.5, 2.4), width_ratios=[1, 1, 1, 1, 1.2])
    for k, (ax, labels) in enumerate(zip(axes[:4], clients, strict=True)):
        ax.bar(range(NUM_CLASSES), np.bincount(labels, minlength=NUM_CLASSES), color="#009E73")
        ax.set_title(f"client {k}: {len(labels)} digits", fontsize=8)
        ax.set_xticks(range(NUM_CLASSES))
        ax.tick_params(labelsize=6)
    axes[0].set_ylabel("examples per digit\n(data never leaves)", fontsize=7)
    weights = sizes / sizes.sum()
    axes[4].bar(range(4), weights, color="#0072B2")
    axes[4].set_xticks(range(4))
    axes[4].set_xlabel("client", fontsize=7)
    axes[4].set_title("server: weight of each\nclient's update, n_k / n", fontsize=8)
    axes[4].tick_params(labelsize=6)
    fig.suptitle(
        "One FedAvg round: local training on skewed data, weighted average of models", fontsize=9
    )
    fig.tight_layout()
    return fig


FIGURES: dict[str, Callable] = {
    "ch01_osaid_funnel": osaid_funnel,
    "ch02_openness_heatmap": openness_heatmap,
    "ch03_what_openness_enables": what_openness_enables,
    "ch04_app_pipeline": app_pipeline,
    "ch05_scale_and_cost": scale_and_cost,
    "ch06_licence_matrix": licence_matrix,
    "ch07_federated_round": federated_round,
}


def draw_all(out_dir: Path = OUT_DIR) -> list[Path]:
    """Draw every figure into ``out_dir`` as PNG; return the paths."""
    plt = _pyplot()
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in FIGURES.items():
        fig = draw(plt)
        path = out_dir / f"{name}.png"
        fig.savefig(path, dpi=110, metadata={"Software": None})
        plt.close(fig)
        written.append(path)
    return written


def _on_builder_inited(app) -> None:
    draw_all()


def setup(app):
    app.connect("builder-inited", _on_builder_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    for written in draw_all(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT_DIR):
        print(written)
