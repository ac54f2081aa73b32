"""osai.shapes (the synthetic detection dataset) and osai.yolo's set-up, bad inputs included."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import yaml

from osai import shapes, yolo
from osai.shapes import CLASSES, make_shapes_dataset, read_yolo_labels, render_image


def _digest(folder):
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "data.yaml"):
        digest.update(str(path.relative_to(folder)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return make_shapes_dataset(
        tmp_path_factory.mktemp("a") / "shapes", n_train=6, n_val=3, imgsz=64
    )


def test_layout_and_data_yaml(small):
    assert len(small.images("train")) == len(small.labels("train")) == 6
    assert len(small.images("val")) == len(small.labels("val")) == 3
    data = yaml.safe_load(small.data_yaml.read_text())
    assert data["names"] == {0: "circle", 1: "square", 2: "triangle"}
    for key in ("path", "train", "val"):
        assert data[key].startswith("/"), "Ultralytics gets absolute paths"
    assert data["train"].endswith("images/train") and data["val"].endswith("images/val")


def test_same_arguments_same_bytes(small, tmp_path):
    again = make_shapes_dataset(tmp_path / "b", n_train=6, n_val=3, imgsz=64)
    assert _digest(again.root) == _digest(small.root)
    other_seed = make_shapes_dataset(tmp_path / "c", n_train=6, n_val=3, imgsz=64, seed=1)
    assert _digest(other_seed.root) != _digest(small.root)


def test_an_image_does_not_depend_on_the_split_sizes(small, tmp_path):
    bigger = make_shapes_dataset(tmp_path / "d", n_train=8, n_val=1, imgsz=64)
    for split, index in (("train", 5), ("val", 0)):
        assert bigger.images(split)[index].read_bytes() == small.images(split)[index].read_bytes()
        assert bigger.labels(split)[index].read_text() == small.labels(split)[index].read_text()


def test_labels_are_yolo_format_and_match_the_pixels(small):
    from PIL import Image

    for image_path, label_path in zip(small.images("train"), small.labels("train"), strict=True):
        labels = read_yolo_labels(label_path)
        assert 1 <= len(labels) <= 3
        for line in label_path.read_text().splitlines():
            parts = line.split()
            assert len(parts) == 5 and parts[0] in {"0", "1", "2"}
        assert np.all((labels[:, 1:] > 0) & (labels[:, 1:] <= 1))
        pixels = np.asarray(Image.open(image_path))
        assert pixels.shape == (64, 64, 3)
        for cls, xc, yc, _w, h in labels:
            # the centre of a shape's box is painted (bright), except for a triangle's apex side
            x, y = int(xc * 64), int(yc * 64 + (h * 64 / 4 if cls == 2 else 0))
            assert pixels[y, x].min() >= 140, f"no shape at the centre of {label_path.name}"


def test_render_image_boxes_do_not_overlap():
    rng = np.random.default_rng(0)
    for _ in range(20):
        image, drawn = render_image(rng, imgsz=96, max_shapes=4)
        assert image.shape == (96, 96, 3) and image.dtype == np.uint8
        assert 1 <= len(drawn) <= 4
        for i, a in enumerate(drawn):
            assert a.name in CLASSES
            assert 0 <= a.box[0] < a.box[2] <= 96 and 0 <= a.box[1] < a.box[3] <= 96
            for b in drawn[i + 1 :]:
                assert not shapes._overlap(a.box, b.box, gap=0)


def test_regenerating_replaces_the_dataset(tmp_path):
    first = make_shapes_dataset(tmp_path / "e", n_train=4, n_val=2, imgsz=32)
    second = make_shapes_dataset(first.root, n_train=2, n_val=1, imgsz=32)
    assert len(second.images("train")) == 2 and len(second.labels("val")) == 1


def test_refuses_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "mine.txt").write_text("precious")
    with pytest.raises(FileExistsError, match="nothing was deleted"):
        make_shapes_dataset(tmp_path, n_train=1, n_val=1, imgsz=32)
    assert (tmp_path / "mine.txt").read_text() == "precious"
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        make_shapes_dataset(tmp_path / "file", n_train=1, n_val=1)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_train": 0}, ValueError, "n_train must be at least 1"),
        ({"n_val": -3}, ValueError, "n_val must be at least 1"),
        ({"imgsz": 16}, ValueError, "imgsz must be at least 32"),
        ({"imgsz": 64.0}, TypeError, "imgsz must be an int"),
        ({"seed": -1}, ValueError, "seed must be at least 0"),
        ({"max_shapes": 0}, ValueError, "max_shapes"),
        ({"n_train": True}, TypeError, "n_train must be an int"),
    ],
)
def test_bad_arguments(tmp_path, kwargs, error, match):
    with pytest.raises(error, match=match):
        make_shapes_dataset(tmp_path / "x", **kwargs)
    assert not (tmp_path / "x").exists(), "bad arguments are refused before anything is written"


def test_render_image_bad_size_range():
    with pytest.raises(ValueError, match="size_range"):
        render_image(np.random.default_rng(0), size_range=(0.3, 0.1))


def test_split_names(small):
    with pytest.raises(ValueError, match="train, val"):
        small.images("test")


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("0 0.5 0.5 0.2\n", "expected 'class x_center"),
        ("cat 0.5 0.5 0.2 0.2\n", "expected 'class x_center"),
        ("1.5 0.5 0.5 0.2 0.2\n", "expected 'class x_center"),
        ("0 0.5 1.5 0.2 0.2\n", r"YOLO coordinates .* must lie in \[0, 1\]"),
    ],
)
def test_read_yolo_labels_rejects_bad_lines(tmp_path, text, match):
    path = tmp_path / "bad.txt"
    path.write_text("1 0.5 0.5 0.1 0.1\n" + text)
    with pytest.raises(ValueError, match=f"bad.txt, line 2: {match}"):
        read_yolo_labels(path)


def test_read_yolo_labels_empty_file(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("\n")
    assert read_yolo_labels(path).shape == (0, 5)


def test_yolo_label_lines_round_trip():
    lines = shapes.yolo_label_lines([shapes.Shape(2, (10, 20, 42, 52))], imgsz=128)
    assert lines == ["2 0.203125 0.281250 0.250000 0.250000"]


# osai.yolo: the parts that need no training (train_shapes itself runs in the notebook).


@pytest.mark.parametrize(
    ("device", "expected"),
    [("cpu", "cpu"), ("cuda", "0"), ("cuda:1", "1"), ("mps", "mps")],
)
def test_ultralytics_device(device, expected):
    import torch

    assert yolo.ultralytics_device(device) == expected
    assert yolo.ultralytics_device(torch.device(device)) == expected


@pytest.mark.parametrize("device", ["tpu", "cpu:0", "gpu"])
def test_ultralytics_device_bad(device):
    with pytest.raises(ValueError, match="Unknown device"):
        yolo.ultralytics_device(device)


def test_train_shapes_takes_keywords_only():
    """Build folders and every other setting are named at the call (tests/test_package_boundary.py
    checks that the package never looks for the repository itself)."""
    import inspect

    parameters = inspect.signature(yolo.train_shapes).parameters.values()
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters)
    assert "build_dir" in yolo.train_shapes.__kwdefaults__


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"epochs": 0}, "epochs must be an int"),
        ({"imgsz": 100}, "multiple of 32"),
        ({"batch": 0.5}, "batch must be an int"),
        ({"model": "yolov8n.pt"}, "configuration"),
        ({"device": "tpu"}, "Unknown device"),
        ({"cpu_threads": 0}, "cpu_threads must be"),
    ],
)
def test_train_shapes_bad_arguments(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        yolo.train_shapes(build_dir=tmp_path, **kwargs)
    assert not any(tmp_path.iterdir()), "refused before anything is written"


def test_prepare_ultralytics_bad_build_dir(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError):
        yolo.prepare_ultralytics(tmp_path / "file")
    with pytest.raises(ValueError, match="plain folder name"):
        yolo.prepare_ultralytics(tmp_path, name="a/b")


_PREPARE = """
import json, os, sys
from pathlib import Path
from osai.yolo import prepare_ultralytics
dirs = prepare_ultralytics(sys.argv[1])
import ultralytics.utils as u
from ultralytics import settings
report = {
    "config": str(u.USER_CONFIG_DIR),
    "fonts": sorted(p.name for p in Path(u.USER_CONFIG_DIR).glob("*.ttf")),
    "env": {k: os.environ[k] for k in ("YOLO_OFFLINE", "YOLO_AUTOINSTALL", "YOLO_CONFIG_DIR")},
    "runs_dir": settings["runs_dir"], "sync": settings["sync"], "online": u.ONLINE,
    "relative": dirs.relative(dirs.runs / "x"),
}
again = prepare_ultralytics(sys.argv[1])  # idempotent in one process
try:
    prepare_ultralytics(sys.argv[2])
except RuntimeError as error:
    report["second"] = str(error)
print(json.dumps(report))
"""


def test_prepare_ultralytics_keeps_everything_in_build(tmp_path):
    import json
    import subprocess
    import sys

    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith("YOLO_")}
    result = subprocess.run(
        [sys.executable, "-c", _PREPARE, str(tmp_path / "build"), str(tmp_path / "other")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])
    config = tmp_path / "build" / "ultralytics" / "config"
    assert report["config"] == str(config / "Ultralytics")
    assert report["fonts"] == ["Arial.Unicode.ttf", "Arial.ttf"]
    assert report["env"] == {
        "YOLO_OFFLINE": "1",
        "YOLO_AUTOINSTALL": "0",
        "YOLO_CONFIG_DIR": str(config),
    }
    assert report["runs_dir"] == str(tmp_path / "build" / "ultralytics" / "runs")
    assert report["sync"] is False and report["online"] is False
    assert report["relative"] == "build/ultralytics/runs/x"
    assert "Restart the kernel" in report["second"]
