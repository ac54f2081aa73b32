"""The ServerApp: FedAvg over all connected SuperNodes, evaluated on a held-out test set.

It runs next to the SuperLink. Each round it sends the global model to every node, averages the
returned weights (weighted by each node's number of examples, as in McMahan et al. 2017) and
measures the new global model on the test set. The accuracy per round is written as JSON to the
run-config path ``results-path`` when one is given.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path

from flwr.app import ArrayRecord, ConfigRecord, Context, Message, MetricRecord
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg

from .task import (
    evaluate,
    from_array_record,
    load_digits_split,
    make_model,
    run_config_of,
    to_array_record,
)

app = ServerApp()

# How often the ServerApp asks the SuperLink for the round's replies. Flower's own grid asks every
# 3 s, which suits clients on other machines that train for minutes; here a round takes seconds,
# and 3-second ticks would set its length (on a busy machine one tick more per round).
REPLY_POLL_INTERVAL = 0.25


class PromptGrid(Grid):
    """The SuperLink's grid, asking for replies every ``interval`` seconds; all else delegated."""

    def __init__(self, grid: Grid, interval: float = REPLY_POLL_INTERVAL):
        self._grid, self.interval = grid, interval

    def set_run(self, run) -> None:
        self._grid.set_run(run)

    @property
    def run(self):
        return self._grid.run

    def create_message(self, *args, **kwargs) -> Message:
        return self._grid.create_message(*args, **kwargs)

    def get_node_ids(self) -> Iterable[int]:
        return self._grid.get_node_ids()

    def push_messages(self, messages: Iterable[Message]) -> Iterable[str]:
        return self._grid.push_messages(messages)

    def pull_messages(self, message_ids: Iterable[str]) -> Iterable[Message]:
        return self._grid.pull_messages(message_ids)

    def send_and_receive(
        self, messages: Iterable[Message], *, timeout: float | None = None
    ) -> Iterable[Message]:
        """Push the messages, then pull until every one has its reply or ``timeout`` passed."""
        waiting = set(self.push_messages(messages))
        deadline = None if timeout is None else time.monotonic() + timeout
        replies: list[Message] = []
        while waiting and (deadline is None or time.monotonic() < deadline):
            arrived = list(self.pull_messages(waiting))
            replies.extend(arrived)
            waiting -= {reply.metadata.reply_to_message_id for reply in arrived}
            if waiting:
                time.sleep(self.interval)
        return replies


class OrderedFedAvg(FedAvg):
    """FedAvg that averages the replies in partition order.

    Replies arrive in whatever order the nodes finish; floating-point sums depend on order, so
    sorting makes the global model bit-for-bit repeatable.
    """

    def aggregate_train(self, server_round: int, replies: Iterable[Message]):
        def key(message: Message) -> float:
            if message.has_error():
                return -1.0
            return float(message.content["metrics"]["partition-id"])

        return super().aggregate_train(server_round, sorted(replies, key=key))


@app.main()
def main(grid: Grid, context: Context) -> None:
    """Run ``num-server-rounds`` rounds of FedAvg and record the test accuracy per round."""
    config = run_config_of(context)
    seed = int(config["seed"])
    num_nodes = int(config["min-nodes"])
    # Loads the digits once and writes them to data-path for the ClientApps (load_digits_arrays).
    split = load_digits_split(seed=seed, path=str(config["data-path"]) or None)
    model = make_model(seed=seed)
    history: dict[int, float] = {}

    def evaluate_global(server_round: int, arrays: ArrayRecord) -> MetricRecord:
        loss, accuracy = evaluate(from_array_record(arrays), split.x_test, split.y_test)
        history[server_round] = accuracy
        return MetricRecord({"accuracy": accuracy, "loss": loss})

    strategy = OrderedFedAvg(
        fraction_train=1.0,
        fraction_evaluate=0.0,  # evaluation happens here, on the held-out test set
        min_train_nodes=num_nodes,
        min_available_nodes=num_nodes,
    )
    strategy.start(
        grid=PromptGrid(grid),
        initial_arrays=to_array_record(model),
        num_rounds=int(config["num-server-rounds"]),
        train_config=ConfigRecord({}),
        evaluate_fn=evaluate_global,
    )
    if results_path := str(config.get("results-path", "")):
        path = Path(results_path)
        path.parent.mkdir(parents=True, exist_ok=True)
        rounds = sorted(history)
        payload = {"rounds": rounds, "accuracy": [history[r] for r in rounds]}
        path.write_text(json.dumps(payload, indent=1), encoding="utf-8")
