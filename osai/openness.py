"""How open is an AI project? Entries from ``osai/facts/openness.yaml``, scored two ways.

* ``osaid(entry)`` — against the OSI's Open Source AI Definition 1.0, which asks for the
  *preferred form to make modifications*: data information, code (training and inference) and
  parameters, each under OSI-approved terms. The result is "meets", "would meet with an
  OSI-approved licence" (the OSI's own verdict on BLOOM, Falcon and StarCoder2) or "fails".
* ``mof_class(entry)`` — against the Model Openness Framework (White et al. 2024): Class III
  "Open Model" (weights under an open licence, with a model card, a data card, a technical report
  and evaluation results), Class II "Open Tooling" (plus the training, inference and evaluation
  code), Class I "Open Science" (plus a research paper, the datasets, the preprocessing code and
  intermediate checkpoints).

The OSAID reading uses every fact the OSAID asks about. The MOF reading is a *partial* check: the
four components and the licence show only part of the MOF's checklist, so an entry's optional
``mof_missing`` list names the other components known to be missing; where nothing is recorded,
the class is an upper bound (``MOF_COLUMN`` says so wherever the class is shown). The facts are
in the YAML file with their sources; this module only reads and scores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA_FILE = "openness.yaml"
STATUSES = ("yes", "partial", "no")
COMPONENTS = ("weights", "training_code", "inference_code", "data_information")
# A component's status as a number, for tables and figures: released, in part, or not at all
STATUS_VALUE = {"yes": 1.0, "partial": 0.5, "no": 0.0}
REQUIRED = ("name", "licence", "spdx", "osi_approved", "licence_source", *COMPONENTS)
# Open licences the MOF accepts for parameters besides OSI-approved ones: open-data and
# open-content licences (White et al. 2024, "Acceptable licenses").
OPEN_CONTENT_LICENCES = frozenset(
    {
        "CC0-1.0",
        "CC-BY-3.0",
        "CC-BY-4.0",
        "CC-BY-SA-3.0",
        "CC-BY-SA-4.0",
        "CDLA-Permissive-1.0",
        "CDLA-Permissive-2.0",
        "CDLA-Sharing-1.0",
    }
)
# The MOF's components that the four fields above cannot show, by the class that first needs
# them (White et al. 2024, Table 1); an entry's mof_missing lists those known to be missing.
MOF_COMPONENTS = {
    3: (
        "model_card",
        "data_card",
        "technical_report",
        "evaluation_results",
        "sample_model_outputs",
    ),
    2: ("evaluation_code", "evaluation_data", "supporting_libraries"),
    1: (
        "research_paper",
        "datasets",
        "preprocessing_code",
        "model_metadata",
        "intermediate_checkpoints",
    ),
}
MOF_COLUMN = "MOF class (partial check: an upper bound)"
OSI_VERDICTS = ("meets", "licence only", "fails")
MOF_CLASSES = {
    1: "Class I — Open Science",
    2: "Class II — Open Tooling",
    3: "Class III — Open Model",
}
MEETS = "meets"
LICENCE_ONLY = "would meet with an OSI-approved licence"
FAILS = "fails"


class MissingField(KeyError):
    """An openness entry lacks a field the scorers need."""

    def __str__(self) -> str:  # KeyError would print the message in quotes
        return str(self.args[0])


class InvalidField(ValueError):
    """An openness entry has a field with a value the scorers cannot use."""


def validate(entry: Any, key: str = "<entry>") -> dict:
    """Check one entry; raise ``MissingField``/``InvalidField`` naming the field and the entry."""
    if not isinstance(entry, dict):
        raise InvalidField(
            f"Entry {key!r} must be a mapping of fields, not {type(entry).__name__}."
        )
    for name in REQUIRED:
        if name not in entry:
            raise MissingField(
                f"Entry {key!r} has no field {name!r}. Every entry needs: {', '.join(REQUIRED)}."
            )
    if not isinstance(entry["osi_approved"], bool):
        raise InvalidField(f"Entry {key!r}: osi_approved must be true or false.")
    if entry["spdx"] is not None and not isinstance(entry["spdx"], str):
        raise InvalidField(f"Entry {key!r}: spdx must be an SPDX id string or null.")
    for name in COMPONENTS:
        component = entry[name]
        if not isinstance(component, dict) or "status" not in component:
            raise MissingField(
                f"Entry {key!r}: field {name!r} needs a 'status' ({'|'.join(STATUSES)}) and a "
                "'source' list of URLs."
            )
        if "source" not in component:
            raise MissingField(f"Entry {key!r}: field {name!r} has no 'source' URL list.")
        if component["status"] not in STATUSES:
            raise InvalidField(
                f"Entry {key!r}: {name}.status is {component['status']!r}; use one of "
                f"{', '.join(STATUSES)} (quote yes and no in YAML)."
            )
        sources = component["source"]
        if isinstance(sources, str):
            sources = [sources]
        if not sources or not all(isinstance(s, str) and s.startswith("http") for s in sources):
            raise InvalidField(f"Entry {key!r}: {name}.source must list at least one URL.")
    if "osi_verdict" in entry:
        if entry["osi_verdict"] not in OSI_VERDICTS:
            raise InvalidField(
                f"Entry {key!r}: osi_verdict is {entry['osi_verdict']!r}; use one of "
                f"{', '.join(OSI_VERDICTS)}."
            )
        if not str(entry.get("osi_verdict_source", "")).startswith("http"):
            raise MissingField(f"Entry {key!r}: osi_verdict needs an osi_verdict_source URL.")
    if "released" in entry:
        released = entry["released"]
        if not isinstance(released, dict) or release_date(entry) is None:
            raise InvalidField(
                f"Entry {key!r}: released needs a 'date' (YYYY-MM-DD, or YYYY-MM where only the "
                "month is known) and a 'source' URL."
            )
        if not str(released.get("source", "")).startswith("http"):
            raise MissingField(f"Entry {key!r}: released has no 'source' URL.")
    if "parameters" in entry:
        parameters = entry["parameters"]
        if not isinstance(parameters, dict) or not (
            "published_configs" in parameters
            or ({"total", "active"} <= set(parameters) and "source" in parameters)
        ):
            raise InvalidField(
                f"Entry {key!r}: parameters needs 'published_configs' (a key of "
                "published_configs.yaml) or 'total', 'active' and 'source'."
            )
    if "mof_missing" in entry:
        missing = entry["mof_missing"]
        known = {item for items in MOF_COMPONENTS.values() for item in items}
        if not isinstance(missing, dict) or not isinstance(missing.get("items"), list):
            raise InvalidField(
                f"Entry {key!r}: mof_missing needs 'items' (a list) and 'source' (URLs)."
            )
        unknown = [item for item in missing["items"] if item not in known]
        if unknown:
            raise InvalidField(
                f"Entry {key!r}: mof_missing lists {unknown}; known MOF components are "
                f"{', '.join(sorted(known))}."
            )
        if not missing.get("source"):
            raise MissingField(f"Entry {key!r}: mof_missing has no 'source' URL list.")
    return entry


def release_date(entry: dict):
    """The entry's first release as a ``datetime.date`` (the 1st of the month where only the
    month is known), or None when the entry has no usable ``released`` date."""
    from osai.facts import as_date

    value = (entry.get("released") or {}).get("date") if isinstance(entry, dict) else None
    if isinstance(value, str) and value.count("-") == 1:  # "YYYY-MM": the 1st of the month
        value += "-01"
    return as_date(value)


def parameter_counts(entry: dict) -> tuple[float, float] | None:
    """(total, active per token) parameters of a mixture-of-experts entry, or None.

    Computed from the published configuration where the entry names one (``published_configs``
    in ``osai/facts/published_configs.yaml``), else the publisher's rounded figures."""
    parameters = entry.get("parameters")
    if not parameters:
        return None
    if "published_configs" in parameters:
        from .facts import load_yaml

        config = load_yaml("published_configs.yaml")[parameters["published_configs"]]
        return float(config["parameters"]), float(config["active_parameters"])
    return float(parameters["total"]), float(parameters["active"])


def load(path: str | Path | None = None) -> dict[str, dict]:
    """Every project in the packaged ``openness.yaml`` (or the copy at ``path``, read by
    :func:`osai.facts.load_yaml`), validated, keyed by its short name."""
    return dict(_load(None if path is None else str(path)))


@lru_cache(maxsize=4)
def _load(path: str | None) -> tuple[tuple[str, dict], ...]:
    from .facts import load_yaml

    data = load_yaml(DATA_FILE, path) or {}
    projects = data.get("projects")
    if not isinstance(projects, dict) or not projects:
        raise InvalidField(f"{path or DATA_FILE} must have a non-empty 'projects:' mapping.")
    return tuple((key, validate(entry, key)) for key, entry in projects.items())


def status(entry: dict, component: str) -> str:
    """The status (yes/partial/no) of one component of a validated entry."""
    if component not in COMPONENTS:
        raise KeyError(f"Unknown component {component!r}; the components are {COMPONENTS}.")
    return entry[component]["status"]


def fully_available(entry: dict, component: str) -> bool:
    """Whether OSAID 1.0 counts a component as released: its status is "yes"."""
    return status(entry, component) == "yes"


@dataclass(frozen=True)
class Score:
    """A verdict with the reasons behind it, in words."""

    verdict: str
    reasons: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return self.verdict + (": " + "; ".join(self.reasons) if self.reasons else "")


def osaid(entry: dict, key: str = "<entry>") -> Score:
    """Score an entry against OSAID 1.0's preferred form to make modifications.

    Every component must be fully available ("yes") and the parameters' licence OSI-approved.
    If only the licence is missing, the verdict is ``LICENCE_ONLY``.
    """
    validate(entry, key)
    gaps = [
        f"{name.replace('_', ' ')} is {status(entry, name)}"
        for name in COMPONENTS
        if not fully_available(entry, name)
    ]
    licence_gap = (
        [] if entry["osi_approved"] else [f"licence {entry['licence']} is not OSI-approved"]
    )
    if not gaps and not licence_gap:
        return Score(MEETS, [])
    if not gaps:
        return Score(LICENCE_ONLY, licence_gap)
    return Score(FAILS, licence_gap + gaps)


def open_licence(entry: dict) -> bool:
    """Whether the weights' licence is open in the MOF's sense: OSI-approved or open content."""
    return bool(entry["osi_approved"]) or entry.get("spdx") in OPEN_CONTENT_LICENCES


def osaid_as_osi_words(verdict: str) -> str:
    """The course's OSAID verdict in the words of the OSI's table (meets / licence only / fails)."""
    return {MEETS: "meets", LICENCE_ONLY: "licence only", FAILS: "fails"}[verdict]


def mof_class(entry: dict, key: str = "<entry>") -> int | None:
    """The highest MOF class (1, 2 or 3) this entry can reach, or None for none.

    III: weights under an open licence, and some data documentation (a release that says
    nothing about its data has no data card); II: also training and inference code;
    I: also full data information. Any component in the entry's ``mof_missing`` list caps the
    class below the one that needs it. Components nobody recorded are not checked, so the
    result is an upper bound (see ``MOF_COLUMN``).
    """
    validate(entry, key)
    missing = set(entry.get("mof_missing", {}).get("items", []))
    if status(entry, "weights") != "yes" or not open_licence(entry):
        return None
    if status(entry, "data_information") == "no" or missing & set(MOF_COMPONENTS[3]):
        return None
    if status(entry, "training_code") != "yes" or status(entry, "inference_code") != "yes":
        return 3
    if missing & set(MOF_COMPONENTS[2]):
        return 3
    if status(entry, "data_information") != "yes" or missing & set(MOF_COMPONENTS[1]):
        return 2
    return 1


def scorecard(entries: dict[str, dict]):
    """A pandas DataFrame: one row per project, the four components as 0/0.5/1 plus the
    licence (1 when OSI-approved), and the two verdicts as text (the MOF column is named
    ``MOF_COLUMN``, which says that it is a partial check)."""
    import pandas as pd

    rows = []
    for key, entry in entries.items():
        validate(entry, key)
        row = {"project": entry["name"], "licence OSI-approved": float(entry["osi_approved"])}
        row.update(
            {name.replace("_", " "): STATUS_VALUE[status(entry, name)] for name in COMPONENTS}
        )
        row["OSAID 1.0"] = osaid(entry, key).verdict
        cls = mof_class(entry, key)
        row[MOF_COLUMN] = MOF_CLASSES[cls] if cls else "none"
        rows.append(row)
    return pd.DataFrame(rows).set_index("project")
