"""The ClientApp: what every SuperNode runs on its own, private data.

It receives the global model, trains it for a few local epochs on the partition named by the
SuperNode's ``--node-config`` and sends back only the updated weights and the number of examples.
The data never leave the node.
"""

from __future__ import annotations

from flwr.app import Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp

from .task import (
    from_array_record,
    load_partition,
    local_training_seed,
    make_model,
    run_config_of,
    set_weights,
    to_array_record,
    train,
)

app = ClientApp()


@app.train()
def train_locally(message: Message, context: Context) -> Message:
    """Train the received global model on this node's partition; reply with the new weights."""
    config = run_config_of(context)
    partition_id = int(context.node_config["partition-id"])
    num_partitions = int(context.node_config["num-partitions"])
    seed = int(config["seed"])
    server_round = int(message.content["config"]["server-round"])
    data_path = str(config["data-path"]) or None  # the digits the ServerApp wrote
    x, y = load_partition(
        partition_id, num_partitions, seed=seed, partition=config["partition"], path=data_path
    )

    model = make_model(seed=seed)
    set_weights(model, from_array_record(message.content["arrays"]))
    loss = train(
        model,
        x,
        y,
        epochs=int(config["local-epochs"]),
        lr=float(config["lr"]),
        batch_size=int(config["batch-size"]),
        seed=local_training_seed(seed, server_round, partition_id),
    )
    metrics = MetricRecord(
        {"train_loss": loss, "num-examples": len(x), "partition-id": partition_id}
    )
    content = RecordDict({"arrays": to_array_record(model), "metrics": metrics})
    return Message(content=content, reply_to=message)
