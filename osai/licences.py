"""Model licences as data: normalise licence strings to SPDX ids and answer "may I ...?".

The facts live in ``osai/facts/licences.yaml`` (every clause quoted, with the URL it was read from);
this module only reads them. ``may_i("llama-2-7b", "outputs_train_other_model")`` returns the
answer together with the clause it rests on and that clause's source, so a learner can check the
reasoning against the licence text itself. It is a teaching aid, not legal advice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

ANSWERS = ("yes", "conditional", "no")
DATA_FILE = "licences.yaml"


class UnknownLicence(ValueError):
    """A licence string that the course's licence data does not recognise."""


class UnknownModel(KeyError):
    """A model name that is not in ``osai/facts/licences.yaml``."""

    def __str__(self) -> str:  # KeyError would print the message with quotes around it
        return str(self.args[0])


class UnknownScenario(KeyError):
    """A usage scenario that is not in ``osai/facts/licences.yaml``."""

    def __str__(self) -> str:
        return str(self.args[0])


class Verdict(NamedTuple):
    """The answer to "may I?", and the licence clause it rests on."""

    answer: str  # "yes", "conditional" or "no"
    clause: str  # the quoted text of the clause
    source: str  # the URL the clause was read from
    licence: str = ""  # the licence's key in osai/facts/licences.yaml
    section: str = ""  # where the clause sits in the licence
    note: str = ""  # what the clause alone does not say


@dataclass(frozen=True)
class Licence:
    key: str
    name: str
    spdx: str | None
    osi_approved: bool
    url: str


@lru_cache(maxsize=4)
def _load(path: str | None) -> dict:
    from .facts import load_yaml

    data = load_yaml(DATA_FILE, path) or {}
    for key in ("scenarios", "licences", "models"):
        if key not in data:
            raise ValueError(f"{path or DATA_FILE} has no top-level {key!r} section.")
    return data


def load_data(path: str | Path | None = None) -> dict:
    """The parsed licence data (cached): the packaged ``licences.yaml``, or the copy at ``path``
    (read by :func:`osai.facts.load_yaml`)."""
    return _load(None if path is None else str(path))


def _normalise(text: str) -> str:
    return re.sub(r"[\s_]+", " ", str(text).strip().lower())


def licence_key(text: str, path: str | Path | None = None) -> str:
    """The key in ``osai/facts/licences.yaml`` for a licence string as artifacts write it.

    ``"apache-2.0"``, ``"Apache License 2.0"`` and ``"Apache-2.0"`` all give ``"apache-2.0"``.
    """
    licences = load_data(path)["licences"]
    known = ", ".join(sorted(licences))
    if not isinstance(text, str) or not text.strip():
        raise UnknownLicence(
            f"Expected a licence name as a non-empty string, got {text!r}. Known licences: {known}."
        )
    wanted = _normalise(text)
    for key, entry in licences.items():
        names = [key, entry["name"], *(entry.get("aliases") or [])]
        if entry.get("spdx"):
            names.append(entry["spdx"])
        if wanted in {_normalise(name) for name in names}:
            return key
    raise UnknownLicence(
        f"Unknown licence {text!r}. Known licences: {known}. Add it, with its clauses and "
        "their sources, to osai/facts/licences.yaml."
    )


def to_spdx(text: str, path: str | Path | None = None) -> str | None:
    """The SPDX identifier of a licence string, or ``None`` when the licence has none.

    Custom model licences (Llama, RAIL, Stability AI) have no SPDX id; an unrecognised string
    raises ``UnknownLicence`` rather than guessing.
    """
    return load_data(path)["licences"][licence_key(text, path)]["spdx"]


def licence(key_or_name: str, path: str | Path | None = None) -> Licence:
    """The licence's name, SPDX id, OSI approval and URL."""
    key = licence_key(key_or_name, path)
    entry = load_data(path)["licences"][key]
    return Licence(key, entry["name"], entry["spdx"], bool(entry["osi_approved"]), entry["url"])


def known_models(path: str | Path | None = None) -> list[str]:
    return sorted(load_data(path)["models"])


def known_scenarios(path: str | Path | None = None) -> dict[str, str]:
    """Scenario key -> what it means."""
    return dict(load_data(path)["scenarios"])


def model_licence(model: str, path: str | Path | None = None) -> str:
    """The licence key of a model in ``osai/facts/licences.yaml``.

    A licence's own key, name or SPDX id is accepted too (``"cc-by-4.0"``, ``"MIT"``), for a
    licence that no model in the data uses, or a model you know only by its licence.
    """
    models = load_data(path)["models"]
    if model in models:
        return models[model]["licence"]
    try:
        return licence_key(model, path)
    except UnknownLicence:
        licences = ", ".join(sorted(load_data(path)["licences"]))
        raise UnknownModel(
            f"Unknown model {model!r}. Known models: {', '.join(sorted(models))}. "
            f"A licence may be named instead: {licences}."
        ) from None


def may_i(model: str, scenario: str, path: str | Path | None = None) -> Verdict:
    """May I do ``scenario`` with ``model``? Returns (answer, clause, source, ...).

    ``model`` is a model of ``osai/facts/licences.yaml`` or a licence (key, name or SPDX id).
    ``answer`` is "yes", "conditional" (allowed under the quoted conditions) or "no".
    An unknown model or scenario raises an error that lists the known ones.
    """
    data = load_data(path)
    key = model_licence(model, path)
    if scenario not in data["scenarios"]:
        known = ", ".join(data["scenarios"])
        raise UnknownScenario(f"Unknown scenario {scenario!r}. Known scenarios: {known}.")
    entry = data["licences"][key]
    rule = entry["scenarios"].get(scenario)
    if rule is None:
        raise ValueError(f"osai/facts/licences.yaml gives no answer for {key!r} and {scenario!r}.")
    answer = str(rule["answer"])
    if answer not in ANSWERS:
        raise ValueError(f"{key}/{scenario}: answer {answer!r} is not one of {ANSWERS}.")
    clause = entry["clauses"][rule["clause"]]
    return Verdict(
        answer=answer,
        clause=clause["text"],
        source=clause["source"],
        licence=key,
        section=clause.get("section", ""),
        note=rule.get("note", ""),
    )


def matrix(models: list[str] | None = None, path: str | Path | None = None):
    """A pandas DataFrame: one row per model, one column per scenario, cells are answers."""
    import pandas as pd

    models = models or known_models(path)
    scenarios = list(known_scenarios(path))
    rows = {m: [may_i(m, s, path).answer for s in scenarios] for m in models}
    return pd.DataFrame.from_dict(rows, orient="index", columns=scenarios)
