"""Plots for the course: one readable, colour-blind-safe style used by every notebook and figure.

The colours are the Okabe–Ito palette. Plots of fits, loss curves and gradient norms are used from
notebook 06 on.
"""

from __future__ import annotations

# Okabe & Ito (2008), distinguishable with every common form of colour-vision deficiency.
COLORS = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
CYCLE = [COLORS[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky", "yellow", "black")]


def use_style():
    """Apply the course style to matplotlib (modest figure size and dpi, the palette, light grid)."""
    import matplotlib as mpl
    from cycler import cycler

    mpl.rcParams.update(
        {
            "figure.figsize": (6.4, 3.6),
            "figure.dpi": 80,
            "savefig.dpi": 100,
            "axes.prop_cycle": cycler(color=CYCLE),
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "font.size": 10,
            "legend.frameon": False,
        }
    )
