"""Colours and fonts shared by every pane, so a colour means the same thing everywhere.

Okabe-Ito colours, safe for colour-blind viewers.
"""

import pyqtgraph as pg
from PySide6.QtGui import QColor

DATA = QColor("#0072B2")  # data inputs (blue)
WEIGHT = QColor("#E69F00")  # parameters / weights (orange)
INTERMEDIATE = QColor("#BBBBBB")  # computed values (grey)
OUTPUT = QColor("#009E73")  # the output / loss (green)
HIGHLIGHT = QColor("#D55E00")  # the thing being looked at right now (vermilion)
GOOD = QColor("#009E73")  # e.g. high p(target)
BAD = QColor("#D55E00")  # e.g. low p(target)
MUTED = QColor("#6E6E6E")  # secondary text
NEW = QColor("#CC79A7")  # a generated name that is not in the data (reddish purple)

PLOT_PENS = [
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
    "#999999",
]


def diverging_colormap() -> pg.ColorMap:
    """Blue (negative) - white (0) - red (positive), for values centred at zero."""
    return pg.colormap.get("CET-D1")


def sequential_colormap() -> pg.ColorMap:
    """Low to high, for probabilities and magnitudes."""
    return pg.colormap.get("viridis")


def setup_pyqtgraph() -> None:
    """Light plots with antialiasing; call once before building panes."""
    pg.setConfigOptions(background="w", foreground="k", antialias=False, imageAxisOrder="row-major")
