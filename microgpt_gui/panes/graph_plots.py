"""The graph pane's two small plots: the output as a function of one node, with the tangent
whose slope is the gradient (FunctionPlot), and the output after each descent (DescentPlot)."""

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QFont

from microgpt.explore import curve
from microgpt.expr import ExprGraph

from .. import theme
from .graph_text import fmt, name_of

POINTS = 121  # where the curve is evaluated: >= 100, and an odd count puts one at the centre
FONT = {"font-size": "8pt"}


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
        self.xs = self.ys = np.zeros(0)

    def show(self, graph: ExprGraph, i: int) -> str:
        """Draw node i's curve; returns the sentence that explains it (plain text)."""
        x_name, out = name_of(graph, i), name_of(graph, len(graph.nodes) - 1)
        x0, y0, slope = graph.nodes[i].data, graph.output.data, graph.nodes[i].grad
        lo, hi = curve_range(graph, i)
        self.xs = np.linspace(lo, hi, POINTS)
        self.ys = np.array(curve(graph, i, self.xs.tolist()))
        self.curve.setData(self.xs, self.ys)
        half = (hi - lo) / 4
        tx = np.array([x0 - half, x0 + half])
        self.tangent.setData(tx, y0 + slope * (tx - x0))
        self.point.setData([x0], [y0])
        item = self.widget.getPlotItem()
        item.setLabel("bottom", x_name, **FONT)
        item.setLabel("left", out, **FONT)
        finite = self.ys[np.isfinite(self.ys)]
        if len(finite):
            y_lo, y_hi = min(finite.min(), y0), max(finite.max(), y0)
            pad = max(y_hi - y_lo, 1e-9) * 0.08
            item.setRange(xRange=(lo, hi), yRange=(y_lo - pad, y_hi + pad), padding=0)
        gaps = "" if len(finite) == len(self.ys) else " (gaps: where it cannot be computed)"
        return (
            f"{out} as a function of {x_name}, everything else as it is now{gaps}. The dot is "
            f"where {x_name} is ({fmt(x0)}); the red line touches the curve there and its "
            f"slope is the gradient, {fmt(slope)}."
        )


class DescentPlot:
    """The output before the first descent (step 0) and after each one."""

    EMPTY = "Press Descend: the output after\neach descent appears here."

    def __init__(self):
        self.widget = _small_plot("graph_descent_plot", 92)
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
        self.empty.show()
        self.widget.getPlotItem().setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
        self.empty.setPos(0.5, 0.5)

    def add(self, before: float, after: float) -> None:
        """One descent: the output went from before to after."""
        if not self.values:
            self.values.append(before)
        self.values.append(after)
        self.empty.hide()
        ys = np.array([v if math.isfinite(v) else np.nan for v in self.values])
        self.line.setData(np.arange(len(ys)), ys)
        self.widget.getPlotItem().enableAutoRange()
