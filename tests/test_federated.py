"""Tests for osai.federated: the digits partitions, the Flower app and process clean-up."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
import zipfile

import numpy as np
import psutil
import pytest

from osai.federated import APP_DIR
from osai.federated.digits_fedavg.task import (
    evaluate,
    get_weights,
    home_classes,
    load_digits_split,
    load_partition,
    loss_and_gradients,
    make_model,
    partition_iid,
    partition_non_iid,
    set_weights,
    to_array_record,
    train,
    train_centralised,
)
from osai.federated.processes import (
    FLOWER_OFFLINE_VARIABLES,
    MARKER_VARIABLE,
    FederationError,
    LocalFederation,
    ProcessGroup,
    free_port,
)

# --- data and partitions -------------------------------------------------------------------


def test_split_is_stratified_deterministic_and_disjoint():
    a, b = load_digits_split(seed=0), load_digits_split(seed=0)
    assert len(a.y_train) == 1258 and len(a.y_test) == 539
    assert np.array_equal(a.x_test, b.x_test) and np.array_equal(a.y_train, b.y_train)
    assert a.x_train.dtype == np.float32 and 0.0 <= a.x_train.min() and a.x_train.max() <= 1.0
    counts = np.bincount(a.y_test, minlength=10)
    assert counts.min() >= 50 and counts.max() <= 56  # about 30 % of each digit
    train_rows = {row.tobytes() for row in a.x_train}
    assert sum(row.tobytes() in train_rows for row in a.x_test) < 5  # (a few digits repeat)
    assert not np.array_equal(load_digits_split(seed=1).y_test, a.y_test)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1])
def test_split_rejects_bad_fraction(fraction):
    with pytest.raises(ValueError, match="test_fraction"):
        load_digits_split(test_fraction=fraction)


def test_partitions_cover_everything_once_and_are_deterministic():
    labels = load_digits_split().y_train
    parts = partition_non_iid(labels, 4)
    assert len(parts) == 4
    joined = np.concatenate(parts)
    assert np.array_equal(np.sort(joined), np.arange(len(labels)))
    again = partition_non_iid(labels, 4)
    assert all(np.array_equal(p, q) for p, q in zip(parts, again, strict=True))
    other_seed = partition_non_iid(labels, 4, seed=1)
    assert not all(np.array_equal(p, q) for p, q in zip(parts, other_seed, strict=True))


@pytest.mark.parametrize("num_partitions", [4, 5])
def test_partitions_are_non_iid_mostly_two_digits(num_partitions):
    labels = load_digits_split().y_train
    parts = partition_non_iid(labels, num_partitions)
    for pid, part in enumerate(parts):
        counts = np.bincount(labels[part], minlength=10)
        home = list(home_classes(pid))
        assert counts[home].sum() / counts.sum() >= 0.6, (pid, counts)
        assert set(np.argsort(counts)[-2:]) == set(home) or num_partitions == 4
        assert counts[home].min() > 100
    # the label distributions differ a lot between clients (far from IID)
    dists = [np.bincount(labels[p], minlength=10) / len(p) for p in parts]
    assert max(abs(dists[0] - dists[1])) > 0.3
    sizes = [len(p) for p in parts]
    assert max(sizes) - min(sizes) <= 10  # similar sizes: only the label mix differs


def test_partition_rejects_bad_inputs():
    with pytest.raises(ValueError, match="num_partitions"):
        partition_non_iid([0, 1, 2], 1)
    with pytest.raises(ValueError, match="num_partitions"):
        partition_non_iid([0, 1, 2], 2.5)
    with pytest.raises(ValueError, match="major_fraction"):
        partition_non_iid([0, 1, 2], 2, major_fraction=1.5)
    with pytest.raises(ValueError, match="labels"):
        partition_non_iid([], 2)
    with pytest.raises(ValueError, match="partition-id"):
        load_partition(4, 4)


def test_home_classes_wrap_around():
    assert home_classes(0) == (0, 1) and home_classes(4) == (8, 9) and home_classes(5) == (0, 1)


# --- model and training ------------------------------------------------------------------


def test_training_is_deterministic_and_learns():
    x, y = load_partition(0, 4)
    first, second = make_model(seed=0), make_model(seed=0)
    train(first, x, y, epochs=2, seed=3)
    train(second, x, y, epochs=2, seed=3)
    for key, value in get_weights(first).items():
        assert np.array_equal(value, get_weights(second)[key])
    split = load_digits_split()
    untrained = evaluate(make_model(seed=0), split.x_test, split.y_test)[1]
    result = train_centralised(epochs=5)
    assert result["accuracy"] > 0.85 > untrained
    with pytest.raises(ValueError, match="empty"):
        train(make_model(), x[:0], y[:0])


def test_gradients_match_finite_differences():
    x, y = load_partition(1, 4)
    x, y = x[:20].astype(np.float64), y[:20]
    model = {k: v.astype(np.float64) for k, v in make_model(seed=4).items()}
    _, grads = loss_and_gradients(model, x, y)
    rng = np.random.default_rng(0)
    for name in model:
        direction = rng.normal(size=model[name].shape)
        plus = {**model, name: model[name] + 1e-5 * direction}
        minus = {**model, name: model[name] - 1e-5 * direction}
        numeric = (loss_and_gradients(plus, x, y)[0] - loss_and_gradients(minus, x, y)[0]) / 2e-5
        assert numeric == pytest.approx(float((grads[name] * direction).sum()), rel=1e-3, abs=1e-6)


def test_iid_partitions_hold_every_digit_in_proportion():
    labels = load_digits_split().y_train
    parts = partition_iid(labels, 4, seed=0)
    assert np.array_equal(np.sort(np.concatenate(parts)), np.arange(len(labels)))
    overall = np.bincount(labels, minlength=10)
    for part in parts:
        assert np.all(np.abs(np.bincount(labels[part], minlength=10) - overall / 4) <= 1)
    assert np.array_equal(load_partition(2, 4, partition="iid")[1], labels[parts[2]])
    with pytest.raises(ValueError, match="partition must be one of"):
        load_partition(0, 4, partition="shuffled")


def test_a_bad_model_gets_a_clear_error():
    with pytest.raises(TypeError, match="make_model"):
        train({"w": np.zeros(3)}, *load_partition(0, 4))


def test_the_flower_apps_do_not_import_torch():
    """Each ClientApp and ServerApp is its own process: a torch import would cost each of them
    several hundred megabytes (the notebook's memory budget counts every process)."""
    code = (
        "import sys\n"
        "import osai.federated.digits_fedavg.client_app, osai.federated.digits_fedavg.server_app\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_set_weights_round_trips():
    source, target = make_model(seed=1), make_model(seed=2)
    set_weights(target, get_weights(source))
    assert all(np.array_equal(v, get_weights(target)[k]) for k, v in get_weights(source).items())


# --- the Flower app ----------------------------------------------------------------------


@pytest.fixture
def task_identity():
    """Messages need the identity Flower's runtime sets for a task; fake one, then unset it."""
    from flwr.supercore.task_identity import TaskIdentity

    TaskIdentity.run_id, TaskIdentity.node_id, TaskIdentity.task_id = 1, 0, 1
    yield
    TaskIdentity._run_id = TaskIdentity._node_id = TaskIdentity._task_id = None


def test_one_in_process_fedavg_step_is_the_weighted_average(task_identity):
    from flwr.app import ConfigRecord, Context, Message, MessageType, RecordDict

    from osai.federated.digits_fedavg import client_app, server_app

    global_model = make_model(seed=0)
    instruction = Message(
        content=RecordDict(
            {
                "arrays": to_array_record(global_model),
                "config": ConfigRecord({"server-round": 1}),
            }
        ),
        dst_node_id=7,
        message_type=MessageType.TRAIN,
    )
    run_config = {"seed": 0, "local-epochs": 1, "lr": 0.2, "batch-size": 32}
    replies = []
    for pid in (0, 1):
        context = Context(
            run_id=1,
            node_id=7,
            node_config={"partition-id": pid, "num-partitions": 4},
            state=RecordDict(),
            run_config=run_config,
        )
        replies.append(client_app.train_locally(instruction, context))
    sizes = [int(r.content["metrics"]["num-examples"]) for r in replies]
    assert sizes == [len(load_partition(0, 4)[0]), len(load_partition(1, 4)[0])]

    strategy = server_app.OrderedFedAvg()
    arrays, _ = strategy.aggregate_train(1, list(reversed(replies)))
    arrays_again, _ = strategy.aggregate_train(1, replies)
    local = [r.content["arrays"].to_numpy_ndarrays() for r in replies]
    weights = np.array(sizes) / sum(sizes)
    for got, again, a, b in zip(
        arrays.to_numpy_ndarrays(), arrays_again.to_numpy_ndarrays(), *local, strict=True
    ):
        assert np.array_equal(got, again)  # order of arrival does not matter
        np.testing.assert_allclose(got, weights[0] * a + weights[1] * b, rtol=1e-5, atol=1e-7)
        assert not np.array_equal(got, a)


def test_app_config_is_valid_and_bundle_holds_only_the_app():
    from flwr.cli.build import build_fab_from_disk
    from flwr.cli.config_utils import load_and_validate

    config, _ = load_and_validate(APP_DIR / "pyproject.toml")
    components = config["tool"]["flwr"]["app"]["components"]
    assert components["serverapp"] == "digits_fedavg.server_app:app"
    assert components["clientapp"] == "digits_fedavg.client_app:app"
    names = zipfile.ZipFile(io.BytesIO(build_fab_from_disk(APP_DIR))).namelist()
    assert "digits_fedavg/client_app.py" in names and "digits_fedavg/task.py" in names
    assert "processes.py" not in names and "__init__.py" not in names
    assert "dependencies" not in config["project"]  # nothing for Flower to pip install


# --- processes -----------------------------------------------------------------------------

# A child that starts a grandchild in a new session (as Flower's SuperLink does), then waits.
_SPAWNER = (
    "import subprocess, sys, time\n"
    "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'],"
    " start_new_session=True)\n"
    "time.sleep(120 if sys.argv[1] == 'stay' else 0)\n"
)


def _marked(marker: str) -> list[psutil.Process]:
    found = []
    for p in psutil.process_iter():
        try:
            if p.environ().get(MARKER_VARIABLE) == marker and p.status() != psutil.STATUS_ZOMBIE:
                found.append(p)
        except psutil.Error:
            pass
    return found


def _wait_for_members(group: ProcessGroup, count: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while len(group.members()) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(group.members()) >= count


def test_process_group_stops_children_and_grandchildren(tmp_path):
    with ProcessGroup(tmp_path) as group:
        group.start("spawner", [sys.executable, "-c", _SPAWNER, "stay"])
        _wait_for_members(group, 2)
        pids = [p.pid for p in group.members()]
        assert group.running() == ["spawner"]
    assert not any(
        psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie" for pid in pids
    )
    assert _marked(group.marker) == []
    assert group.running() == []
    group.stop()  # idempotent


def test_each_started_process_leads_a_session_of_its_own(tmp_path):
    # Linux's autogroup scheduler shares the CPU between sessions: a federation's servers in the
    # caller's session would share one session's part of a core another program keeps busy.
    with ProcessGroup(tmp_path) as group:
        one = group.start("one", [sys.executable, "-c", "import time; time.sleep(60)"])
        two = group.start("two", [sys.executable, "-c", "import time; time.sleep(60)"])
        sessions = {os.getsid(one.pid), os.getsid(two.pid)}
        assert sessions == {one.pid, two.pid}
        assert os.getsid(0) not in sessions


def test_process_group_stops_everything_when_the_block_raises(tmp_path):
    with pytest.raises(RuntimeError, match="a cell failed"):
        with ProcessGroup(tmp_path) as group:
            group.start("one", [sys.executable, "-c", _SPAWNER, "stay"])
            group.start("two", [sys.executable, "-c", _SPAWNER, "stay"])
            _wait_for_members(group, 4)
            raise RuntimeError("a cell failed")
    assert _marked(group.marker) == []


def test_process_group_finds_orphaned_grandchildren_by_marker(tmp_path):
    with ProcessGroup(tmp_path) as group:
        # The child exits at once; its grandchild is re-parented away from our tree.
        group.start("short", [sys.executable, "-c", _SPAWNER, "leave"])
        deadline = time.monotonic() + 20
        while group.running() and time.monotonic() < deadline:
            time.sleep(0.1)
        _wait_for_members(group, 1)
        assert group.running() == []
    assert _marked(group.marker) == []


def test_process_group_child_dies_with_a_killed_parent(tmp_path):
    """Even a SIGKILLed notebook kernel leaves nothing behind (Linux: PR_SET_PDEATHSIG)."""
    if not sys.platform.startswith("linux"):
        pytest.skip("PR_SET_PDEATHSIG is Linux-only")
    script = (
        "import sys, time\n"
        "from osai.federated.processes import ProcessGroup\n"
        f"group = ProcessGroup({str(tmp_path)!r})\n"
        "p = group.start('sleeper', [sys.executable, '-c', 'import time; time.sleep(120)'])\n"
        "print(group.marker, flush=True)\n"
        "time.sleep(120)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    marker = parent.stdout.readline().strip()
    try:
        assert len(_marked(marker)) == 1
        parent.kill()
        parent.wait()
        deadline = time.monotonic() + 10
        while _marked(marker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _marked(marker) == []
    finally:
        for p in _marked(marker):
            p.kill()


def test_process_group_rejects_unknown_programs_and_duplicate_names(tmp_path):
    with ProcessGroup(tmp_path) as group:
        with pytest.raises(FileNotFoundError, match="pip install"):
            group.start("nope", ["no-such-program-osai"])
        group.start("a", [sys.executable, "-c", "pass"])
        with pytest.raises(ValueError, match="already started"):
            group.start("a", [sys.executable, "-c", "pass"])


def test_local_federation_environment_is_offline_and_local(tmp_path):
    with LocalFederation(tmp_path / "flwr") as federation:
        env = federation.env
        assert env["FLWR_HOME"] == str((tmp_path / "flwr").resolve())
        for key, value in FLOWER_OFFLINE_VARIABLES.items():
            assert env[key] == value
        assert env["FLWR_TELEMETRY_ENABLED"] == "0"
        assert env["FLWR_DISABLE_UPDATE_CHECK"] == "1"
        assert "http_proxy" not in env and "HTTPS_PROXY" not in env
        assert env["PATH"].split(os.pathsep)[0] == os.path.dirname(sys.executable)
        with pytest.raises(FederationError, match="SuperLink first"):
            federation.start_supernode(0, 4)
        with pytest.raises(FederationError, match="SuperLink first"):
            federation.run_app(APP_DIR)


def test_default_run_config_matches_the_app_config():
    import tomllib

    from osai.federated.digits_fedavg.task import DEFAULT_RUN_CONFIG

    config = tomllib.loads((APP_DIR / "pyproject.toml").read_text())
    assert config["tool"]["flwr"]["app"]["config"] == DEFAULT_RUN_CONFIG


def test_run_app_refuses_a_folder_without_app_config(tmp_path):
    with LocalFederation(tmp_path / "flwr") as federation:
        federation.port = free_port()  # pretend a SuperLink runs: the app check comes first
        with pytest.raises(FederationError, match="not a Flower app"):
            federation.run_app(tmp_path)


def test_the_digits_travel_once_as_an_npz(tmp_path):
    from sklearn.datasets import load_digits

    from osai.federated.digits_fedavg.task import load_digits_arrays

    path = tmp_path / "run" / "digits.npz"
    x, y = load_digits_arrays(path)  # loads with scikit-learn, writes the file
    assert path.is_file() and not list(path.parent.glob(".*"))
    again_x, again_y = load_digits_arrays(path)  # reads the file
    digits = load_digits()
    np.testing.assert_array_equal(again_x * 16, digits.data)
    np.testing.assert_array_equal(again_y, digits.target)
    assert again_x.dtype == x.dtype == np.float32 and again_y.dtype == y.dtype == np.int64


class TickingGrid:
    """Stands in for the SuperLink's grid: each message's reply becomes available at its own
    time after the push; records when it was asked."""

    def __init__(self, delays: dict[str, float]):
        self.delays, self.pulls, self.pushed_at = delays, [], None

    def push_messages(self, messages):
        self.pushed_at = time.monotonic()
        return list(messages)

    def pull_messages(self, message_ids):
        now = time.monotonic()
        self.pulls.append(now)
        from types import SimpleNamespace

        return [
            SimpleNamespace(metadata=SimpleNamespace(reply_to_message_id=i))
            for i in message_ids
            if now - self.pushed_at >= self.delays[i]
        ]


def test_the_server_app_asks_for_replies_often_not_on_flowers_3_s_ticks():
    from osai.federated.digits_fedavg.server_app import PromptGrid

    flower = TickingGrid({"a": 0.1, "b": 0.5})
    start = time.monotonic()
    replies = PromptGrid(flower, interval=0.05).send_and_receive(["a", "b"])
    elapsed = time.monotonic() - start
    assert sorted(r.metadata.reply_to_message_id for r in replies) == ["a", "b"]
    assert 0.5 <= elapsed < 1.5  # done soon after the last reply, not at a 3 s tick
    assert len(flower.pulls) >= 5  # asked again and again in between

    late = TickingGrid({"a": 0.1, "b": 60.0})
    start = time.monotonic()
    replies = PromptGrid(late, interval=0.05).send_and_receive(["a", "b"], timeout=0.4)
    assert [r.metadata.reply_to_message_id for r in replies] == ["a"]  # what came in time
    assert time.monotonic() - start < 1.0
