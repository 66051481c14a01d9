"""GradNormsPlot: each matrix's L2 gradient norm per step, plus the global norm, whole run."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSizePolicy

from microgpt import StepPoint

from .. import theme
from .steady_range import SteadyRange

EMPTY_TEXT = "How big each matrix's gradient is,\nstep by step, appears here."
TOOLTIP = (
    "Gradient norm = √(sum of the squared gradients of a matrix): how hard the loss "
    "pulls on that matrix as a whole. 'all' is the same over every parameter."
)


def short_name(name: str, n_layer: int) -> str:
    """'layer0.attn_wq' -> 'attn_wq' with one layer, 'L0 attn_wq' with more."""
    if "." not in name:
        return name
    layer, kind = name.split(".", 1)
    return kind if n_layer == 1 else f"L{layer[len('layer') :]} {kind}"


def pen_for(i: int):
    """Okabe-Ito colours without black (kept for 'all'); dashed after the first eight."""
    colours = [c for c in theme.PLOT_PENS if c != "#000000"]
    style = Qt.SolidLine if i < len(colours) else Qt.DashLine
    return pg.mkPen(colours[i % len(colours)], width=1, style=style)  # 1 px: cheap to draw


class NormSeries:
    """Growing float64 table: column 0 the step, then one column per norm (matrices, global)."""

    def __init__(self, width: int):
        self.n, self._data = 0, np.zeros((1024, width + 1))

    def extend(self, points: list[StepPoint]) -> None:
        k = len(points)
        if self.n + k > len(self._data):
            grown = np.zeros((max(2 * len(self._data), self.n + k), self._data.shape[1]))
            grown[: self.n] = self._data[: self.n]
            self._data = grown
        block = self._data[self.n : self.n + k]
        block[:, 0] = [p.step for p in points]
        block[:, 1:] = [p.grad_norms for p in points]
        self.n += k

    def column(self, i: int) -> np.ndarray:
        """Column i of the norms (the last one is the global norm)."""
        return self._data[: self.n, i + 1]

    @property
    def step(self) -> np.ndarray:
        return self._data[: self.n, 0]


class GradNormsPlot(pg.PlotWidget):
    """One curve per matrix with a legend beside the plot, and the global norm in black."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("grad_norms_plot")
        self.setToolTip(TOOLTIP)
        item = self.getPlotItem()
        item.setLabel("bottom", "step", **{"font-size": "8pt"})
        item.setLabel("left", "gradient size", **{"font-size": "8pt"})
        # no grid: alpha-blended grid lines made each repaint ~4x slower
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")  # long runs stay fast to draw
        item.setMenuEnabled(False)
        self.legend = pg.LegendItem(verSpacing=-6, labelTextSize="8pt")
        item.layout.addItem(self.legend, 2, 3, 3, 1)  # beside plot and x axis, not over curves
        self.legend.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)  # not stretched
        item.layout.setAlignment(self.legend, Qt.AlignTop | Qt.AlignLeft)
        self.empty = pg.TextItem(EMPTY_TEXT, color=theme.MUTED, anchor=(0.5, 0.5))
        item.addItem(self.empty, ignoreBounds=True)
        self.curves: list[pg.PlotDataItem] = []
        self.series = NormSeries(1)
        self.steady = SteadyRange(item, lambda: self.extend([]))
        self.reset(())

    def reset(self, names, n_layer: int = 1, history=()) -> None:
        """New curves for these matrix names (+ 'all'), filled from history."""
        item = self.getPlotItem()
        for curve in self.curves:
            item.removeItem(curve)
        self.legend.clear()
        self.curves = []
        for i, name in enumerate(names):
            self.curves.append(item.plot(pen=pen_for(i)))
            self.legend.addItem(self.curves[-1], short_name(name, n_layer))
        if names:  # the global norm: sqrt of the sum of every matrix's norm²
            self.curves.append(item.plot(pen=pg.mkPen("#000000", width=2)))
            self.legend.addItem(self.curves[-1], "all")
        self.legend.setColumnCount(min(3, max(1, (len(self.curves) + 3) // 4)))  # 4 rows, 3 cols
        self.series = NormSeries(len(self.curves))
        self.extend(list(history))

    def extend(self, points: list[StepPoint]) -> None:
        if points:
            self.series.extend(points)
        for i, curve in enumerate(self.curves):
            curve.setData(self.series.step, self.series.column(i))
        empty = self.series.n == 0
        self.empty.setVisible(empty)
        if empty:
            self.steady.forget()
            self.setRange(xRange=(0, 100), yRange=(0, 1), padding=0)
            self.empty.setPos(50, 0.5)
        else:
            columns = [self.series.column(i) for i in range(len(self.curves))]
            self.steady.fit(self.series.step[-1], columns)
