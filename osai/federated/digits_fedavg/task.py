"""Data, model and training loop shared by the ServerApp, the ClientApp and the notebook.

Everything is deterministic: the split, the partitions and every training run are seeded, and
training runs on one CPU thread unless a GPU is asked for.
"""

from __future__ import annotations

import importlib.util
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
    "results-path": "",
}


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


def _digits_csv() -> Path:
    """The digits data file that ships inside scikit-learn (found without importing sklearn,
    which would cost every ClientApp process about a second)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("scikit-learn is not installed: pip install scikit-learn")
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / "digits.csv.gz"
    if not path.is_file():
        raise FileNotFoundError(f"scikit-learn's digits file is missing: {path}")
    return path


def load_digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """All 1,797 digits as (x, y): x scaled to [0, 1] (float32, 64 pixels), y the digit."""
    data = np.loadtxt(_digits_csv(), delimiter=",", dtype=np.float32)
    return data[:, :-1] / np.float32(16.0), data[:, -1].astype(np.int64)


def load_digits_split(test_fraction: float = 0.3, seed: int = 0) -> DigitsSplit:
    """Scikit-learn's 1,797 handwritten digits, split stratified into training pool and test set.

    The same ``seed`` always gives the same split, on every machine: every client and the
    server compute it independently and agree without exchanging any data.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction!r}.")
    x, y = load_digits_arrays()
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


def load_partition(
    partition_id: int, num_partitions: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """The training examples (x, y) that client ``partition_id`` holds."""
    if not 0 <= partition_id < num_partitions:
        raise ValueError(
            f"partition_id must be in [0, {num_partitions}), got {partition_id!r}: "
            "start each SuperNode with --node-config 'partition-id=<k> num-partitions=<n>'."
        )
    split = load_digits_split(seed=seed)
    index = partition_non_iid(split.y_train, num_partitions, seed=seed)[partition_id]
    return split.x_train[index], split.y_train[index]


def make_model(seed: int = 0, hidden: int = 64):
    """A small multilayer perceptron: 64 pixels -> ``hidden`` -> 10 digits (about 4,800 weights)."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(NUM_FEATURES, hidden), nn.ReLU(), nn.Linear(hidden, NUM_CLASSES))


def get_weights(model) -> dict[str, np.ndarray]:
    """The model's parameters as NumPy arrays (what travels between client and server)."""
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def set_weights(model, weights: dict[str, np.ndarray]) -> None:
    """Load NumPy arrays (e.g. the global model from the server) into ``model``."""
    import torch

    model.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in weights.items()})


def train(
    model,
    x: np.ndarray,
    y: np.ndarray,
    epochs: int = 1,
    lr: float = 0.1,
    batch_size: int = 32,
    seed: int = 0,
    device=None,
) -> float:
    """Mini-batch SGD on (x, y); returns the mean training loss of the last epoch.

    The shuffling order comes from ``seed``, so the same call gives the same model.
    """
    import torch
    from torch import nn

    if len(x) == 0:
        raise ValueError("cannot train on an empty data set")
    device = torch.device(device or "cpu")
    model.to(device)
    model.train()
    xs = torch.as_tensor(x, device=device)
    ys = torch.as_tensor(y, device=device)
    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    last = 0.0
    for _ in range(epochs):
        order = torch.randperm(len(xs), generator=generator).to(device)
        total = 0.0
        for start in range(0, len(xs), batch_size):
            batch = order[start : start + batch_size]
            optimiser.zero_grad()
            loss = loss_fn(model(xs[batch]), ys[batch])
            loss.backward()
            optimiser.step()
            total += float(loss.detach()) * len(batch)
        last = total / len(xs)
    return last


def evaluate(model, x: np.ndarray, y: np.ndarray, device=None) -> tuple[float, float]:
    """(loss, accuracy) of ``model`` on (x, y)."""
    import torch
    from torch import nn

    device = torch.device(device or "cpu")
    model.to(device)
    model.eval()
    with torch.no_grad():
        logits = model(torch.as_tensor(x, device=device))
        targets = torch.as_tensor(y, device=device)
        loss = float(nn.functional.cross_entropy(logits, targets))
        accuracy = float((logits.argmax(dim=1) == targets).float().mean())
    return loss, accuracy


def train_centralised(
    device=None, epochs: int = 20, lr: float = 0.1, batch_size: int = 32, seed: int = 0
) -> dict[str, float]:
    """Train the classifier on the pooled training data (the non-federated baseline).

    Returns ``{"accuracy": ..., "loss": ..., "train_loss": ...}`` on the held-out test set.
    ``device`` may be "cpu", "cuda", a ``torch.device`` or None (CPU).
    """
    split = load_digits_split(seed=seed)
    model = make_model(seed=seed)
    train_loss = train(
        model, split.x_train, split.y_train, epochs, lr, batch_size, seed=seed, device=device
    )
    loss, accuracy = evaluate(model, split.x_test, split.y_test, device=device)
    return {"accuracy": accuracy, "loss": loss, "train_loss": train_loss}
