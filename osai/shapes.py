"""A synthetic object-detection dataset: coloured shapes on noise, with YOLO-format labels.

Chapter 5 trains a YOLO detector from scratch on the CPU. A real dataset (COCO: 118,000
training images) would need a download and days of compute; this one is drawn in code in a
second, the same on every machine, and still is a real detection task: several objects per
image, of three classes, at random positions, sizes and colours, on a noisy background.

The layout is the one Ultralytics reads::

    root/
      data.yaml                  absolute paths to the splits, class names
      images/train/00000.png     ...
      images/val/00000.png       ...
      labels/train/00000.txt     one line per object: class x_center y_center width height
      labels/val/00000.txt       (all four numbers relative to the image size, in [0, 1])

Every image is drawn from its own random generator, seeded with ``(seed, split, index)``, so an
image does not change when the number of images in a split changes.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CLASSES: tuple[str, ...] = ("circle", "square", "triangle")
SPLITS: tuple[str, ...] = ("train", "val")
_SPLIT_CODE = {"train": 0, "val": 1}
# Written into data.yaml: marks a folder this module may overwrite.
_MARKER = "# written by osai.shapes.make_shapes_dataset"


@dataclass(frozen=True)
class Shape:
    """One object in an image: its class index and its pixel box (x1, y1, x2, y2), x2/y2 exclusive."""

    cls: int
    box: tuple[int, int, int, int]

    @property
    def name(self) -> str:
        return CLASSES[self.cls]


@dataclass(frozen=True)
class ShapesDataset:
    """Where :func:`make_shapes_dataset` wrote a dataset, and what it holds."""

    root: Path
    data_yaml: Path
    imgsz: int
    n_train: int
    n_val: int
    seed: int
    classes: tuple[str, ...] = CLASSES

    def images(self, split: str) -> list[Path]:
        """The image files of ``split`` ("train" or "val"), in order."""
        return sorted((self.root / "images" / _check_split(split)).glob("*.png"))

    def labels(self, split: str) -> list[Path]:
        """The label files of ``split``, in the same order as :meth:`images`."""
        return sorted((self.root / "labels" / _check_split(split)).glob("*.txt"))


def _check_split(split: str) -> str:
    if split not in SPLITS:
        raise ValueError(f"Unknown split {split!r}: choose one of {', '.join(SPLITS)}.")
    return split


def _check_int(name: str, value, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {value!r}.")
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise ValueError(f"{name} must be at least {minimum}{upper}, got {value}.")
    return int(value)


def _overlap(a: tuple[int, int, int, int], b: tuple[int, int, int, int], gap: int) -> bool:
    return not (
        a[2] + gap <= b[0] or b[2] + gap <= a[0] or a[3] + gap <= b[1] or b[3] + gap <= a[1]
    )


def render_image(
    rng: np.random.Generator,
    imgsz: int = 128,
    max_shapes: int = 3,
    size_range: tuple[float, float] = (0.15, 0.4),
) -> tuple[np.ndarray, list[Shape]]:
    """Draw one image: 1 to ``max_shapes`` non-overlapping shapes on uniform noise.

    Returns the image (``imgsz`` x ``imgsz`` x 3, uint8, RGB) and the shapes with their pixel
    boxes. Shapes have random colours, so only their form tells the classes apart.
    """
    from PIL import Image, ImageDraw

    imgsz = _check_int("imgsz", imgsz, 32)
    max_shapes = _check_int("max_shapes", max_shapes, 1, 10)
    low, high = size_range
    if not 0.05 <= low <= high <= 0.5:
        raise ValueError(
            f"size_range must satisfy 0.05 <= low <= high <= 0.5 (fractions of the image side), "
            f"got {size_range!r}."
        )
    # Dim noise, so that the (bright) shapes stand out but the edges are not trivially clean.
    noise = rng.integers(0, 110, size=(imgsz, imgsz, 3), dtype=np.uint8)
    image = Image.fromarray(noise, mode="RGB")
    draw = ImageDraw.Draw(image)
    shapes: list[Shape] = []
    wanted = int(rng.integers(1, max_shapes + 1))
    for _ in range(50 * wanted):  # rejection sampling until the shapes do not overlap
        if len(shapes) == wanted:
            break
        side = int(rng.integers(round(low * imgsz), round(high * imgsz) + 1))
        x1 = int(rng.integers(0, imgsz - side + 1))
        y1 = int(rng.integers(0, imgsz - side + 1))
        box = (x1, y1, x1 + side, y1 + side)
        if any(_overlap(box, other.box, gap=2) for other in shapes):
            continue
        cls = int(rng.integers(0, len(CLASSES)))
        colour = tuple(int(c) for c in rng.integers(140, 256, size=3))
        x2, y2 = x1 + side - 1, y1 + side - 1  # PIL's coordinates are inclusive
        if CLASSES[cls] == "circle":
            draw.ellipse((x1, y1, x2, y2), fill=colour)
        elif CLASSES[cls] == "square":
            draw.rectangle((x1, y1, x2, y2), fill=colour)
        else:  # an upright isosceles triangle filling the box
            draw.polygon([((x1 + x2) / 2, y1), (x1, y2), (x2, y2)], fill=colour)
        shapes.append(Shape(cls, box))
    return np.asarray(image), shapes


def yolo_label_lines(shapes: list[Shape], imgsz: int) -> list[str]:
    """YOLO-format lines, ``class x_center y_center width height``, relative to the image size."""
    lines = []
    for shape in shapes:
        x1, y1, x2, y2 = shape.box
        xc, yc = (x1 + x2) / 2 / imgsz, (y1 + y2) / 2 / imgsz
        w, h = (x2 - x1) / imgsz, (y2 - y1) / imgsz
        lines.append(f"{shape.cls} {xc:.6f} {yc:.6f} {w:.6f} {h:.6f}")
    return lines


def read_yolo_labels(path: str | Path) -> np.ndarray:
    """Read a YOLO label file into an (n, 5) float array: class, x_center, y_center, w, h.

    Raises ``ValueError`` naming the file and line when a line is not five numbers or a
    coordinate lies outside [0, 1].
    """
    path = Path(path)
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        try:
            values = [float(part) for part in parts]
        except ValueError:
            values = []
        if len(values) != 5 or not values[0].is_integer():
            raise ValueError(
                f"{path.name}, line {number}: expected 'class x_center y_center width height' "
                f"(an integer and four numbers), got {line!r}."
            )
        if not all(0.0 <= v <= 1.0 for v in values[1:]):
            raise ValueError(
                f"{path.name}, line {number}: YOLO coordinates are fractions of the image size "
                f"and must lie in [0, 1], got {line!r}."
            )
        rows.append(values)
    return np.array(rows, dtype=np.float64).reshape(-1, 5)


def make_shapes_dataset(
    root: str | Path,
    n_train: int = 240,
    n_val: int = 60,
    imgsz: int = 128,
    seed: int = 0,
    max_shapes: int = 3,
) -> ShapesDataset:
    """Write a shapes detection dataset under ``root`` and return where everything is.

    The same arguments give byte-identical files on every machine. ``root`` must be empty, not
    exist yet, or hold a dataset this function wrote before (it is then replaced); any other
    folder is refused, so that a wrong path cannot delete your files.
    """
    n_train = _check_int("n_train", n_train, 1, 100_000)
    n_val = _check_int("n_val", n_val, 1, 100_000)
    imgsz = _check_int("imgsz", imgsz, 32, 2048)
    seed = _check_int("seed", seed, 0)
    max_shapes = _check_int("max_shapes", max_shapes, 1, 10)
    from PIL import Image

    root = Path(root).resolve()
    data_yaml = root / "data.yaml"
    if root.exists():
        if not root.is_dir():
            raise NotADirectoryError(f"{root} is a file; give make_shapes_dataset a folder.")
        ours = data_yaml.is_file() and data_yaml.read_text().startswith(_MARKER)
        if any(root.iterdir()) and not ours:
            raise FileExistsError(
                f"{root} is not empty and was not written by make_shapes_dataset: "
                "choose a new or empty folder (nothing was deleted)."
            )
        for sub in ("images", "labels"):
            shutil.rmtree(root / sub, ignore_errors=True)
    counts = {"train": n_train, "val": n_val}
    for split, count in counts.items():
        image_dir, label_dir = root / "images" / split, root / "labels" / split
        image_dir.mkdir(parents=True)
        label_dir.mkdir(parents=True)
        for index in range(count):
            rng = np.random.default_rng([seed, _SPLIT_CODE[split], index])
            pixels, shapes = render_image(rng, imgsz=imgsz, max_shapes=max_shapes)
            Image.fromarray(pixels).save(image_dir / f"{index:05d}.png")
            lines = yolo_label_lines(shapes, imgsz)
            (label_dir / f"{index:05d}.txt").write_text("\n".join(lines) + "\n")
    import yaml

    body = {
        "path": str(root),
        "train": str(root / "images" / "train"),
        "val": str(root / "images" / "val"),
        "names": dict(enumerate(CLASSES)),
    }
    data_yaml.write_text(
        f"{_MARKER}(n_train={n_train}, n_val={n_val}, imgsz={imgsz}, seed={seed}, "
        f"max_shapes={max_shapes})\n" + yaml.safe_dump(body, sort_keys=False)
    )
    return ShapesDataset(root, data_yaml, imgsz, n_train, n_val, seed)
