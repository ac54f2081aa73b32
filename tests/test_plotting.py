"""osai.plotting: the course's colour-blind-safe style (accessibility of every osai figure)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402

from osai import plotting  # noqa: E402

# Okabe & Ito (2008), https://jfly.uni-koeln.de/color/: the eight colours of their palette.
OKABE_ITO_REFERENCE = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky blue": "#56B4E9",
    "bluish green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish purple": "#CC79A7",
}


@pytest.fixture
def course_style():
    with mpl.rc_context():
        plotting.use_course_style()
        yield
    plt.close("all")


def test_palette_is_okabe_ito():
    palette = [c.upper() for c in plotting.OKABE_ITO]
    assert len(palette) == len(set(palette)) == 7, "seven distinct colours"
    assert set(palette) <= set(OKABE_ITO_REFERENCE.values()), "only Okabe-Ito colours"
    assert "#000000" not in palette, "black is kept for text, not data"


def test_use_course_style_sets_the_palette_and_a_cvd_safe_colormap(course_style):
    cycle = [to_hex(c["color"]).upper() for c in mpl.rcParams["axes.prop_cycle"]]
    assert cycle == [c.upper() for c in plotting.OKABE_ITO]
    assert mpl.rcParams["image.cmap"] == plotting.SEQUENTIAL_CMAP == "cividis"


def test_lines_drawn_after_use_course_style_take_the_palette(course_style):
    fig, ax = plt.subplots()
    lines = [ax.plot([0, 1], [i, i + 1])[0] for i in range(3)]
    assert [to_hex(line.get_color()).upper() for line in lines] == [
        c.upper() for c in plotting.OKABE_ITO[:3]
    ]
    image = ax.imshow([[0, 1], [1, 0]])
    assert image.get_cmap().name == "cividis"


def test_use_course_style_is_deterministic_for_images(course_style):
    assert mpl.rcParams["svg.hashsalt"] == "osai"
    assert mpl.rcParams["savefig.dpi"] == mpl.rcParams["figure.dpi"]
