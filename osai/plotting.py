"""One plotting style for the whole course, with a colour-blind-safe palette."""

from __future__ import annotations

# Okabe & Ito's palette (https://jfly.uni-koeln.de/color/), distinguishable with the common
# forms of colour blindness; black is left out so that lines stay distinct from text.
OKABE_ITO = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
)
# For heat-maps: cividis is designed to read the same with colour-vision deficiency.
SEQUENTIAL_CMAP = "cividis"


def use_course_style() -> None:
    """Apply the course's matplotlib defaults: the palette, readable sizes, no top/right spines."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(
        {
            "axes.prop_cycle": cycler(color=OKABE_ITO),
            "image.cmap": SEQUENTIAL_CMAP,
            "figure.figsize": (7.0, 3.6),
            "figure.dpi": 80,
            "savefig.dpi": 80,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "font.size": 10,
            # SVG-free, deterministic PNGs: no timestamps or random ids in the output.
            "svg.hashsalt": "osai",
        }
    )
