"""Data, model and training loop shared by the ServerApp, the ClientApp and the notebook.

The model is a small multilayer perceptron written in NumPy: its weights are a dict of arrays,
which is exactly what travels between the clients and the server, and its training loop is
plain mini-batch SGD with the gradients written out. Nothing here imports PyTorch, so each of the
federation's processes stays small (a PyTorch import costs every ClientApp process several
hundred megabytes). Everything is deterministic: the split, the partitions, the initial weights
and every training run are seeded.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

NUM_CLASSES = 10
NUM_FEATURES = 64  # 8 x 8 pixels
# The app's run configuration; pyproject.toml's [tool.flwr.app.config] holds the same values,
# and `flwr run --run-config 'key=value'` overrides them.
DEFAULT_RUN_CONFIG: dict[str, int | float | str] = {
    "num-server-rounds": 3,
    "local-epochs": 10,
    "lr": 0.2,
    "batch-size": 32,
    "seed": 0,
    "min-nodes": 4,
    "partition": "non-iid",
    "results-path": "",
    "data-path": "",  # the digits' .npz copy (load_digits_arrays); "" loads them in each process
}
PARTITIONS = ("non-iid", "iid")


def run_config_of(context) -> dict:
    """The run configuration of a Flower ``Context``, with the defaults filled in (Flower's
    simulation engine, started from Python, passes none)."""
    return {**DEFAULT_RUN_CONFIG, **dict(context.run_config)}


@dataclass(frozen=True)
class DigitsSplit:
    """The digits data set split into a training pool and one held-out test set."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


def load_digits_arrays(path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits as (x, y): x scaled to [0, 1] (float32, 64 pixels), y the digit.

    The course's one loader of scikit-learn's digits. ``path``: an ``.npz`` copy the app owns.
    The ServerApp passes the run's ``data-path`` and, when the file is not there yet, loads the
    digits once with scikit-learn's ``load_digits`` (about 2.3 s and 155 MB in a fresh process)
    and writes them; every ClientApp then reads that file (about 0.2 s, no scikit-learn import).
    On one machine every node reads the same file and keeps only its own partition; on real
    nodes each would read the data it holds itself.
    """
    if path is not None and Path(path).is_file():
        with np.load(path) as data:
            return data["x"], data["y"]
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = digits.data.astype(np.float32) / np.float32(16.0)
    y = digits.target.astype(np.int64)
    if path is not None:  # written whole, then renamed: a reader never sees half a file
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.npz")
        np.savez(partial, x=x, y=y)
        os.replace(partial, target)
    return x, y


def load_digits_split(
    test_fraction: float = 0.3, seed: int = 0, path: str | Path | None = None
) -> DigitsSplit:
    """Scikit-learn's 1,797 handwritten digits, split stratified into training pool and test set
    (``path``: see :func:`load_digits_arrays`).

    The same ``seed`` always gives the same split, on every machine: every client and the
    server compute it independently and agree without exchanging any data.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}.")
    x, y = load_digits_arrays(path)
    rng = np.random.default_rng(seed)
    test: list[np.ndarray] = []
    for cls in np.unique(y):
        indices = rng.permutation(np.flatnonzero(y == cls))
        test.append(indices[: int(round(test_fraction * len(indices)))])
    test_index = np.sort(np.concatenate(test))
    train_index = np.setdiff1d(np.arange(len(y)), test_index)
    return DigitsSplit(x[train_index], y[train_index], x[test_index], y[test_index])


def home_classes(partition_id: int, num_classes: int = NUM_CLASSES) -> tuple[int, ...]:
    """The two digits a partition holds most of: partition 0 gets 0 and 1, partition 1 gets 2
    and 3, and so on (wrapping around after 9)."""
    return ((2 * partition_id) % num_classes, (2 * partition_id + 1) % num_classes)


def partition_non_iid(
    labels: Sequence[int] | np.ndarray,
    num_partitions: int,
    major_fraction: float = 0.9,
    seed: int = 0,
) -> list[np.ndarray]:
    """Split example indices into ``num_partitions`` non-IID shards, mostly two digits each.

    Each digit belongs to the partition(s) whose :func:`home_classes` contain it; a fraction
    ``major_fraction`` of that digit's examples goes there and the rest is spread evenly over
    all partitions. Digits no partition calls home (8 and 9 with four partitions) are spread
    evenly too. Returns one sorted index array per partition; together they cover every index
    exactly once. The same arguments always give the same partitions.
    """
    if int(num_partitions) != num_partitions or num_partitions < 2:
        raise ValueError(f"num_partitions must be an integer >= 2, got {num_partitions!r}.")
    if not 0.0 <= major_fraction <= 1.0:
        raise ValueError(f"major_fraction must be in [0, 1], got {major_fraction!r}.")
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError("labels must be a non-empty 1-D sequence of class ids.")
    rng = np.random.default_rng(seed)
    shards: list[list[int]] = [[] for _ in range(num_partitions)]
    for cls in np.unique(labels):
        indices = rng.permutation(np.flatnonzero(labels == cls))
        homes = [p for p in range(num_partitions) if int(cls) in home_classes(p)]
        n_major = int(round(major_fraction * len(indices))) if homes else 0
        for k, index in enumerate(indices[:n_major]):
            shards[homes[k % len(homes)]].append(int(index))
        # The minority of each digit: dealt round-robin from a class-dependent start so that
        # every partition gets a similar number of them.
        for k, index in enumerate(indices[n_major:]):
            shards[(k + int(cls)) % num_partitions].append(int(index))
    return [np.array(sorted(shard), dtype=np.int64) for shard in shards]


def partition_iid(
    labels: Sequence[int] | np.ndarray, num_partitions: int, seed: int = 0
) -> list[np.ndarray]:
    """Split example indices into ``num_partitions`` IID shards: every digit is shuffled and dealt
    round-robin, so each partition holds each digit in (almost) the overall proportion."""
    if int(num_partitions) != num_partitions or num_partitions < 2:
        raise ValueError(f"num_partitions must be an integer >= 2, got {num_partitions!r}.")
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    shards: list[list[int]] = [[] for _ in range(num_partitions)]
    dealt = 0
    for cls in np.unique(labels):
        for index in rng.permutation(np.flatnonzero(labels == cls)):
            shards[dealt % num_partitions].append(int(index))
            dealt += 1
    return [np.array(sorted(shard), dtype=np.int64) for shard in shards]


def load_partition(
    partition_id: int,
    num_partitions: int,
    seed: int = 0,
    partition: str = "non-iid",
    path: str | Path | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The training examples (x, y) that client ``partition_id`` holds; ``partition`` is
    ``"non-iid"`` (:func:`partition_non_iid`, the default) or ``"iid"`` (:func:`partition_iid`);
    ``path``: the digits' ``.npz`` copy (see :func:`load_digits_arrays`)."""
    if not 0 <= partition_id < num_partitions:
        raise ValueError(
            f"partition_id must be in [0, {num_partitions}), got {partition_id!r}: "
            "start each SuperNode with --node-config 'partition-id=<k> num-partitions=<n>'."
        )
    if partition not in PARTITIONS:
        raise ValueError(f"partition must be one of {PARTITIONS}, got {partition!r}.")
    split = load_digits_split(seed=seed, path=path)
    if partition == "iid":
        index = partition_iid(split.y_train, num_partitions, seed=seed)[partition_id]
    else:
        index = partition_non_iid(split.y_train, num_partitions, seed=seed)[partition_id]
    return split.x_train[index], split.y_train[index]


Weights = dict[str, np.ndarray]
PARAMETER_NAMES = ("hidden.weight", "hidden.bias", "output.weight", "output.bias")


def make_model(seed: int = 0, hidden: int = 64) -> Weights:
    """A small multilayer perceptron, 64 pixels -> ``hidden`` (ReLU) -> 10 digits, as a dict of
    float32 arrays (about 4,800 weights). Initialised like PyTorch's ``nn.Linear``: uniform in
    +-1/sqrt(fan_in)."""
    rng = np.random.default_rng(seed)

    def uniform(fan_in: int, shape: tuple[int, ...]) -> np.ndarray:
        bound = 1.0 / np.sqrt(fan_in)
        return rng.uniform(-bound, bound, size=shape).astype(np.float32)

    return {
        "hidden.weight": uniform(NUM_FEATURES, (NUM_FEATURES, hidden)),
        "hidden.bias": uniform(NUM_FEATURES, (hidden,)),
        "output.weight": uniform(hidden, (hidden, NUM_CLASSES)),
        "output.bias": uniform(hidden, (NUM_CLASSES,)),
    }


def _check_model(model: Weights) -> None:
    if not isinstance(model, dict) or set(model) != set(PARAMETER_NAMES):
        raise TypeError(
            f"a model is a dict with the arrays {PARAMETER_NAMES} (see make_model), "
            f"got {type(model).__name__} with keys {sorted(model) if isinstance(model, dict) else '-'}"
        )


def logits(model: Weights, x: np.ndarray) -> np.ndarray:
    """The model's scores for each digit, shape (len(x), 10)."""
    hidden = np.maximum(x @ model["hidden.weight"] + model["hidden.bias"], 0.0)
    return hidden @ model["output.weight"] + model["output.bias"]


def _log_softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def loss_and_gradients(model: Weights, x: np.ndarray, y: np.ndarray) -> tuple[float, Weights]:
    """Mean cross-entropy of ``model`` on (x, y) and its gradient for every weight (backprop)."""
    _check_model(model)
    pre = x @ model["hidden.weight"] + model["hidden.bias"]
    hidden = np.maximum(pre, 0.0)
    log_probs = _log_softmax(hidden @ model["output.weight"] + model["output.bias"])
    n = len(x)
    loss = float(-log_probs[np.arange(n), y].mean())
    d_scores = np.exp(log_probs)
    d_scores[np.arange(n), y] -= 1.0
    d_scores /= n
    d_hidden = (d_scores @ model["output.weight"].T) * (pre > 0)
    grads = {
        "hidden.weight": x.T @ d_hidden,
        "hidden.bias": d_hidden.sum(axis=0),
        "output.weight": hidden.T @ d_scores,
        "output.bias": d_scores.sum(axis=0),
    }
    return loss, {k: v.astype(np.float32) for k, v in grads.items()}


def get_weights(model: Weights) -> Weights:
    """A copy of the model's weights (what travels between client and server)."""
    _check_model(model)
    return {k: np.array(model[k], dtype=np.float32, copy=True) for k in PARAMETER_NAMES}


def set_weights(model: Weights, weights: Weights) -> None:
    """Overwrite ``model``'s weights in place with ``weights`` (e.g. the global model)."""
    _check_model(model)
    _check_model(weights)
    for k in PARAMETER_NAMES:
        if np.shape(weights[k]) != model[k].shape:
            raise ValueError(f"{k}: shape {np.shape(weights[k])}, expected {model[k].shape}")
        model[k] = np.array(weights[k], dtype=np.float32, copy=True)


def local_training_seed(seed: int, server_round: int, partition_id: int) -> int:
    """The seed a client shuffles its data with in one round: different for every round and
    every client, and the same on every re-run of the same federation."""
    return seed + 1000 * server_round + partition_id


def train(
    model: Weights,
    x: np.ndarray,
    y: np.ndarray,
    epochs: int = 1,
    lr: float = 0.1,
    batch_size: int = 32,
    seed: int = 0,
) -> float:
    """Mini-batch SGD on (x, y), updating ``model`` in place; returns the mean training loss of
    the last epoch. The shuffling order comes from ``seed``, so the same call gives the same
    model."""
    _check_model(model)
    if len(x) == 0:
        raise ValueError("cannot train on an empty data set")
    rng = np.random.default_rng(seed)
    last = 0.0
    for _ in range(epochs):
        order = rng.permutation(len(x))
        total = 0.0
        for start in range(0, len(x), batch_size):
            batch = order[start : start + batch_size]
            loss, grads = loss_and_gradients(model, x[batch], y[batch])
            for k in PARAMETER_NAMES:
                model[k] -= np.float32(lr) * grads[k]
            total += loss * len(batch)
        last = total / len(x)
    return last


def evaluate(model: Weights, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(loss, accuracy) of ``model`` on (x, y)."""
    _check_model(model)
    log_probs = _log_softmax(logits(model, x))
    loss = float(-log_probs[np.arange(len(x)), y].mean())
    accuracy = float((log_probs.argmax(axis=1) == y).mean())
    return loss, accuracy


def train_centralised(
    epochs: int = 20, lr: float = 0.1, batch_size: int = 32, seed: int = 0
) -> dict[str, float]:
    """Train the classifier on the pooled training data (the non-federated baseline).

    Returns ``{"accuracy": ..., "loss": ..., "train_loss": ...}`` on the held-out test set.
    """
    split = load_digits_split(seed=seed)
    model = make_model(seed=seed)
    train_loss = train(model, split.x_train, split.y_train, epochs, lr, batch_size, seed=seed)
    loss, accuracy = evaluate(model, split.x_test, split.y_test)
    return {"accuracy": accuracy, "loss": loss, "train_loss": train_loss}


def to_array_record(model: Weights):
    """The weights as a Flower ``ArrayRecord`` (the message content clients and server send)."""
    from flwr.app import Array, ArrayRecord

    return ArrayRecord({k: Array(np.asarray(v)) for k, v in get_weights(model).items()})


def from_array_record(record) -> Weights:
    """The weights in a Flower ``ArrayRecord``, as a dict of NumPy arrays."""
    weights = {k: record[k].numpy() for k in record}
    _check_model(weights)
    return weights
