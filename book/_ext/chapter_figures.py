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


def as_of_text() -> str:
    """The course's "as of" date (osai.facts.AS_OF, declared there only), for every landscape
    table and figure: e.g. "as of 2 December 2026"."""
    from osai.facts import AS_OF

    return f"as of {AS_OF.day} {AS_OF:%B %Y}"


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
    ax.set_title(
        f"Open Source AI Definition 1.0: every component, under open terms ({as_of_text()};"
        " the course's verdicts, not the OSI's)",
        fontsize=9,
    )
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
    fig = _labelled_heatmap(plt, values, names, columns, [[words[v] for v in r] for r in values])
    fig.suptitle(f"What each release opens, {as_of_text()}", fontsize=9, y=0.995)
    return fig


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
    fig = _labelled_heatmap(plt, values, names, list(BENEFIT_NEEDS), cells, width=7.0)
    fig.suptitle(f"What each release lets you do, {as_of_text()}", fontsize=9, y=0.995)
    return fig


def app_pipeline_numbers() -> dict[str, int]:
    """The chapter-4 app's sizes, computed: pages indexed, passages, labelled questions."""
    from osai import facts, retrieval

    evaluation = facts.load_yaml("qa_eval.yaml")
    corpus = facts.corpus_dir()
    paths = [corpus / Path(page).name for page in evaluation["pages"]]
    chunks = retrieval.chunk_pages(paths, root=corpus, max_words=120, overlap=20)
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
    ax.set_xlabel(f"parameters (log scale); sources in osai/facts/, {as_of_text()}")
    ax.tick_params(axis="y", labelsize=8)
    ax.grid(axis="y", visible=False)
    fig.tight_layout()
    return fig


# The five requirements of the OSAID that the course's facts record, in the funnel's order
OPENNESS_STEPS = ("weights", "training_code", "inference_code", "data_information", "licence")
VERDICT_COLOURS = {"meets": "#009E73", "licence only": "#E69F00", "fails": "#D55E00"}


def landscape_rows() -> list[dict]:
    """Every system in osai/facts/openness.yaml that has a release date, oldest first: its
    release, licence, the course's OSAID verdict and MOF class, how many of the OSAID's five
    recorded requirements it meets, and (mixture-of-experts models) total and active
    parameters. Everything is read or computed by osai.openness; nothing is typed here."""
    from osai.openness import (
        MOF_CLASSES,
        fully_available,
        mof_class,
        osaid,
        osaid_as_osi_words,
        parameter_counts,
        release_date,
    )

    rows = []
    for key, entry in _projects().items():
        released = release_date(entry)
        if released is None:
            continue
        met = sum(
            bool(entry["osi_approved"]) if step == "licence" else fully_available(entry, step)
            for step in OPENNESS_STEPS
        )
        cls = mof_class(entry, key)
        rows.append(
            {
                "key": key,
                "name": entry["name"],
                "kind": entry.get("kind", ""),
                "released": released,
                "released_text": str(entry["released"]["date"]),
                "released_source": entry["released"]["source"],
                "licence": entry["licence"],
                "osi_approved": bool(entry["osi_approved"]),
                "licence_source": entry["licence_source"],
                "verdict": osaid_as_osi_words(osaid(entry, key).verdict),
                "mof": MOF_CLASSES[cls].split(" — ")[0] if cls else "none",
                "met": met,
                "parameters": parameter_counts(entry),
            }
        )
    return sorted(rows, key=lambda r: (r["released"], r["name"]))


def landscape(plt):
    """Chapter 5: release date against openness (how many of the OSAID's five recorded
    requirements each system meets), coloured by the course's verdict; mixture-of-experts
    models show total parameters (ring) and active parameters per token (dot)."""
    import matplotlib.dates as mdates

    rows = landscape_rows()
    fig, ax = plt.subplots(figsize=(9.0, 6.4))
    # Systems on the same row close in time are spread over lanes, so labels do not overlap
    lanes: dict[str, int] = {}
    for met in {r["met"] for r in rows}:
        previous, lane = None, 0
        for row in (r for r in rows if r["met"] == met):
            near = previous is not None and (row["released"] - previous).days < 420
            lane = (lane + 1) % 4 if near else 0
            lanes[row["key"]], previous = lane, row["released"]
    for row in rows:
        y = row["met"] + 0.2 * lanes[row["key"]] - 0.3
        colour = VERDICT_COLOURS[row["verdict"]]
        if row["parameters"]:
            total, active = row["parameters"]
            ax.scatter(
                row["released"],
                y,
                s=total / 2e9,
                facecolors="none",
                edgecolors=colour,
                linewidths=1.2,
                zorder=2,
            )
            ax.scatter(row["released"], y, s=max(active / 2e9, 6), color=colour, zorder=3)
            label = f"{row['name']} ({total / 1e9:.0f}B / {active / 1e9:.1f}B)"
        else:
            ax.scatter(row["released"], y, s=22, color=colour, marker="s", zorder=3)
            label = row["name"]
        ax.annotate(
            label,
            (row["released"], y),
            xytext=(6, 0),
            textcoords="offset points",
            fontsize=6.5,
            va="center",
        )
    ax.set_yticks(range(len(OPENNESS_STEPS) + 1))
    ax.set_yticklabels([f"{n} of {len(OPENNESS_STEPS)}" for n in range(len(OPENNESS_STEPS) + 1)])
    ax.set_ylim(-0.6, len(OPENNESS_STEPS) + 0.9)
    ax.set_ylabel(
        "OSAID requirements met\n(weights, training code, inference code,\n"
        "data information, OSI-approved licence)",
        fontsize=8,
    )
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    last = max(r["released"] for r in rows)
    ax.set_xlim(right=mdates.date2num(last) + 700)
    ax.set_xlabel(f"first release (sources in osai/facts/openness.yaml), {as_of_text()}")
    for verdict, colour in VERDICT_COLOURS.items():
        ax.scatter([], [], color=colour, label=f"course's OSAID verdict: {verdict}")
    ax.scatter(
        [],
        [],
        facecolors="none",
        edgecolors="grey",
        s=120,
        label="mixture of experts (total / active parameters):\nring = total, dot = active per token",
    )
    ax.legend(loc="lower right", fontsize=7, frameon=True)
    ax.set_title(
        "Open AI releases by date and openness (verdicts computed by the course, not the OSI's)",
        fontsize=9,
    )
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


def landscape_table_lines() -> list[str]:
    """Chapter 5's landscape table as MyST markdown lines (rendered by ``landscape-table``)."""
    lines = [
        f"Open AI systems in the course's data, {as_of_text()}: first release, licence of the"
        " weights, and the verdicts the course computes with `osai.openness` from the facts in"
        " `osai/facts/openness.yaml` (none of these verdicts is the OSI's own).",
        "",
        "| system | kind | first release | weights' licence | OSI-approved | OSAID 1.0 (course) "
        "| MOF class (upper bound) | parameters (MoE: total / active) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in landscape_rows():
        size = "—"
        if row["parameters"]:
            total, active = row["parameters"]
            size = f"{total / 1e9:,.0f}B / {active / 1e9:,.1f}B"
        lines.append(
            f"| {row['name']} | {row['kind']} | [{row['released_text']}]({row['released_source']})"
            f" | [{row['licence']}]({row['licence_source']}) | "
            f"{'yes' if row['osi_approved'] else 'no'} | {row['verdict']} | {row['mof']} | {size} |"
        )
    return lines


def oldest_facts_lines(n: int = 10) -> list[str]:
    """The status page's list of the facts checked longest ago, as MyST markdown lines."""
    from osai import facts

    every = [f for name in facts.DATED_ENTRIES for f in facts.dated_facts(name)]
    stale = facts.stale(every)
    lines = [
        f"The course describes the field {as_of_text()} (`osai.facts.AS_OF`). Its fact files "
        f"hold {len(every)} dated entries; {len(stale)} of them were last checked more than "
        f"{facts.FRESHNESS_MONTHS} months before that date or carry no date "
        "(`tests/test_fact_freshness.py` fails on every one). The oldest:",
        "",
        "| fact file | entry | last checked | source |",
        "|---|---|---|---|",
    ]
    for fact in facts.oldest(every, n):
        checked = fact.checked.isoformat() if fact.checked else "**no date**"
        source = (fact.source or "—").replace("|", "/")
        lines.append(f"| `{fact.file}` | `{fact.key}` | {checked} | {source} |")
    return lines


def _markdown_directive(make_lines: Callable[[], list[str]], name: str):
    from docutils import nodes
    from docutils.statemachine import StringList
    from sphinx.util.docutils import SphinxDirective

    class _Directive(SphinxDirective):
        def run(self):
            from osai import facts

            for fact_file in facts.DATED_ENTRIES:
                self.env.note_dependency(str(facts.fact_file(fact_file)))
            container = nodes.container()
            self.state.nested_parse(StringList(make_lines(), source=name), 0, container)
            return container.children

    _Directive.__name__ = name.title().replace("-", "")
    return _Directive


FIGURES: dict[str, Callable] = {
    "ch01_osaid_funnel": osaid_funnel,
    "ch02_openness_heatmap": openness_heatmap,
    "ch03_what_openness_enables": what_openness_enables,
    "ch04_app_pipeline": app_pipeline,
    "ch05_scale_and_cost": scale_and_cost,
    "ch05_landscape": landscape,
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
    # Tables drawn from the facts, like the figures: chapter 5's landscape, the status page's
    # oldest facts
    app.add_directive(
        "landscape-table", _markdown_directive(landscape_table_lines, "landscape-table")
    )
    app.add_directive("oldest-facts", _markdown_directive(oldest_facts_lines, "oldest-facts"))
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    for written in draw_all(Path(sys.argv[1]) if len(sys.argv) > 1 else OUT_DIR):
        print(written)
