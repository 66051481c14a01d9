"""The graph pane's two small plots: the output as a function of one node, with the tangent
whose slope is the gradient (FunctionPlot), and the output after each descent (DescentPlot)."""

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont

from microgpt.expr.explore import curve
from microgpt.expr.language import ExprGraph
from microgpt_gui import theme

from .text import fmt, name_of

POINTS = 121  # where the curve is evaluated: >= 100, and an odd count puts one at the centre
FONT = {"font-size": "8pt"}
LIMIT = 1e300  # the largest |value| drawn: pyqtgraph's views stop at ±1e307 ("Cannot set range")
TOO_LARGE = f"Too large to draw:\nthe plot shows numbers up to ±{LIMIT:.0e}."


def drawable(*values: float) -> bool:
    return all(math.isfinite(v) and abs(v) <= LIMIT for v in values)


def drawn(values) -> np.ndarray:
    """The values as floats, nan (a gap) where they are not finite or too large to draw."""
    ys = np.asarray(values, dtype=float)
    return np.where(np.isfinite(ys) & (np.abs(ys) <= LIMIT), ys, np.nan)


def padded(lo: float, hi: float, share: float = 0.08) -> tuple[float, float]:
    """lo..hi with a margin, never empty (a flat range at 1e300 still has a width)."""
    pad = max(hi - lo, 1e-9 * max(1.0, abs(lo), abs(hi))) * share
    return lo - pad, hi + pad


def _small_plot(name: str, height: int) -> pg.PlotWidget:
    plot = pg.PlotWidget()
    plot.setObjectName(name)  # PlotWidget(objectName=...) hands it to PlotItem, which drops it
    plot.setFixedHeight(height)
    item = plot.getPlotItem()
    item.setMenuEnabled(False)
    item.hideButtons()
    item.getAxis("left").setWidth(44)
    for axis in ("left", "bottom"):
        item.getAxis(axis).setStyle(tickFont=_tick_font())
        item.getAxis(axis).enableAutoSIPrefix(False)  # "L (x0.001)" reads as a formula
    plot.setMouseEnabled(x=False, y=False)
    item.disableAutoRange()  # the plots set their ranges (auto range met inf: "Cannot set range")
    return plot


def curve_range(graph: ExprGraph, i: int) -> tuple[float, float]:
    """Where to draw the curve of node i: around the value written in the program for a
    leaf (so nudging or descending moves the point along a curve that stays put), around
    the current value otherwise; always wide enough to include the current value."""
    x = graph.nodes[i].data
    step = graph.steps[i]
    centre = step.const if step.op == "" else x
    half = max(1.0, abs(centre))
    lo, hi = centre - half, centre + half
    if not lo < x < hi:
        lo, hi = min(lo, x - half / 4), max(hi, x + half / 4)
    return lo, hi


def _tick_font() -> QFont:
    f = QFont()
    f.setPointSizeF(8)
    return f


class FunctionPlot:
    """The output against node i's value, every other leaf fixed, from the same engine; the
    current point, and the tangent there whose slope is the autograd gradient."""

    def __init__(self):
        self.widget = _small_plot("graph_function_plot", 150)
        item = self.widget.getPlotItem()
        self.curve = item.plot(pen=pg.mkPen(theme.DATA, width=2), connect="finite")
        self.tangent = item.plot(pen=pg.mkPen(theme.HIGHLIGHT, width=3))
        self.point = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(theme.HIGHLIGHT), pen=None)
        item.addItem(self.point)
        self.empty = pg.TextItem(TOO_LARGE, color=theme.MUTED, anchor=(0.5, 0.5))
        item.addItem(self.empty, ignoreBounds=True)
        self.xs = self.ys = np.zeros(0)

    def show(self, graph: ExprGraph, i: int) -> str:
        """Draw node i's curve; returns the sentence that explains it (plain text)."""
        x_name, out = name_of(graph, i), name_of(graph, len(graph.nodes) - 1)
        x0, y0, slope = graph.nodes[i].data, graph.output.data, graph.nodes[i].grad
        lo, hi = curve_range(graph, i)
        item = self.widget.getPlotItem()
        item.setLabel("bottom", x_name, **FONT)
        item.setLabel("left", out, **FONT)
        if not drawable(lo, hi, x0, y0):
            return self._too_large(x_name, out, x0, y0, slope)
        self.empty.hide()
        self.xs = np.linspace(lo, hi, POINTS)
        self.ys = drawn(curve(graph, i, self.xs.tolist()))
        self.curve.setData(self.xs, self.ys)
        finite = self.ys[np.isfinite(self.ys)]
        y_lo, y_hi = padded(min(finite.min(initial=y0), y0), max(finite.max(initial=y0), y0))
        half = (hi - lo) / 4
        if slope:  # at most a plot's height up or down: slope * half cannot overflow
            half = min(half, (y_hi - y_lo) / abs(slope))
        tx = np.array([x0 - half, x0 + half])
        self.tangent.setData(tx, y0 + slope * (tx - x0))
        self.point.setData([x0], [y0])
        item.setRange(xRange=(lo, hi), yRange=(y_lo, y_hi), padding=0)
        gaps = "" if len(finite) == len(self.ys) else " (gaps: where it cannot be computed)"
        return (
            f"{out} as a function of {x_name}, everything else as it is now{gaps}. The dot is "
            f"where {x_name} is ({fmt(x0)}); the red line touches the curve there and its "
            f"slope is the gradient, {fmt(slope)}."
        )

    def _too_large(self, x_name: str, out: str, x0: float, y0: float, slope: float) -> str:
        """The empty state, when the numbers are beyond what the plot can draw."""
        for data in (self.curve, self.tangent, self.point):
            data.setData([], [])
        self.xs = self.ys = np.zeros(0)
        self.widget.getPlotItem().setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self.empty.setPos(0.5, 0.5)
        self.empty.show()
        return (
            f"{out} as a function of {x_name} is not drawn: here {x_name} = {fmt(x0)} and "
            f"{out} = {fmt(y0)}, and the plot shows numbers up to ±{LIMIT:.0e}. The gradient "
            f"is {fmt(slope)}."
        )


class DescentPlot:
    """The output before the first descent (step 0) and after each one."""

    EMPTY = "Press Descend: the output after\neach descent appears here."

    def __init__(self):
        self.widget = _small_plot("graph_descent_plot", 120)
        item = self.widget.getPlotItem()
        item.setLabel("bottom", "descent step", **FONT)
        self.line = item.plot(
            pen=pg.mkPen(theme.OUTPUT, width=2), symbol="o", symbolSize=5, connect="finite"
        )
        self.line.setSymbolBrush(pg.mkBrush(theme.OUTPUT))
        self.line.setSymbolPen(None)
        self.empty = pg.TextItem(self.EMPTY, color=theme.MUTED, anchor=(0.5, 0.5))
        item.addItem(self.empty, ignoreBounds=True)
        self.values: list[float] = []
        self.clear()

    def clear(self, out_name: str = "output") -> None:
        self.values = []
        self.line.setData([], [])
        self.widget.getPlotItem().setLabel("left", out_name, **FONT)
        self.empty.setText(self.EMPTY)
        self.empty.show()
        self.widget.getPlotItem().setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self.empty.setPos(0.5, 0.5)

    def add(self, before: float, after: float) -> None:
        """One descent: the output went from before to after."""
        if not self.values:
            self.values.append(before)
        self.values.append(after)
        ys = drawn(self.values)
        finite = ys[np.isfinite(ys)]
        item = self.widget.getPlotItem()
        self.line.setData(np.arange(len(ys)) if len(finite) else [], ys if len(finite) else [])
        if not len(finite):  # every value beyond what the plot can draw
            self.empty.setText(TOO_LARGE)
            self.empty.show()
            item.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
            self.empty.setPos(0.5, 0.5)
            return
        self.empty.hide()
        y_range = padded(finite.min(), finite.max())
        item.setRange(xRange=padded(0, len(ys) - 1, 0.05), yRange=y_range, padding=0)
