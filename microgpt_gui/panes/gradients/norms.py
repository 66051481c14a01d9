"""GradNormsPlot: each matrix's L2 gradient norm per step, plus the global norm, whole run."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QSizePolicy

from microgpt import StepPoints
from microgpt.model import ParamSpec
from microgpt_gui import theme
from microgpt_gui.panes.envelope import Envelope
from microgpt_gui.panes.steady_range import SteadyRange, StepAxis

EMPTY_TEXT = "How big each matrix's gradient is,\nstep by step, appears here."
TOOLTIP = (
    "Gradient norm = √(sum of the squared gradients of a matrix): how hard the loss "
    "pulls on that matrix as a whole. 'all' is the same over every parameter."
)


def short_name(spec: ParamSpec, n_layer: int) -> str:
    """'attn_wq' with one layer, 'L0 attn_wq' with more."""
    if spec.layer is None or n_layer == 1:
        return spec.kind
    return f"L{spec.layer} {spec.kind}"


def pen_for(i: int):
    """Okabe-Ito colours without black (kept for 'all'); darker after the first eight.

    1 px solid: a dashed or 2 px pen cost ~10x as much to draw (~2.6 ms per 1000 points).
    """
    colours = [c for c in theme.PLOT_PENS if c != "#000000"]
    colour = QColor(colours[i % len(colours)])
    return pg.mkPen(colour if i < len(colours) else colour.darker(160), width=1)


class GradNormsPlot(pg.PlotWidget):
    """One curve per matrix with a legend beside the plot, and the global norm in black."""

    def __init__(self, parent=None):
        super().__init__(parent, axisItems={"bottom": StepAxis()})
        self.setObjectName("grad_norms_plot")
        self.setToolTip(TOOLTIP)
        item = self.getPlotItem()
        item.setLabel("bottom", "step", **{"font-size": "8pt"})
        item.setLabel("left", "gradient size", **{"font-size": "8pt"})
        item.getAxis("left").setWidth(46)  # fixed: a wider tick label relaid the plot out
        # no grid: alpha-blended grid lines made each repaint ~4x slower
        item.setMenuEnabled(False)
        self.legend = pg.LegendItem(verSpacing=-6, labelTextSize="8pt")
        item.layout.addItem(self.legend, 2, 3, 3, 1)  # beside plot and x axis, not over curves
        self.legend.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)  # not stretched
        item.layout.setAlignment(self.legend, Qt.AlignTop | Qt.AlignLeft)
        self.empty = pg.TextItem(EMPTY_TEXT, color=theme.MUTED, anchor=(0.5, 0.5))
        item.addItem(self.empty, ignoreBounds=True)
        self.curves: list[pg.PlotDataItem] = []
        self.envelopes: list[Envelope] = []  # one per curve: what it draws, at a flat cost
        self.first_point = pg.ScatterPlotItem(size=7, pen=None)
        item.addItem(self.first_point)  # one step draws no line: a dot per curve instead
        self.steady = SteadyRange(item, self._redraw)
        self.reset(())

    def reset(self, specs, n_layer: int = 1, history: StepPoints | None = None) -> None:
        """New curves for these matrices (+ 'all'), filled from history."""
        item = self.getPlotItem()
        for curve in self.curves:
            item.removeItem(curve)
        self.legend.clear()
        self.curves = []
        for i, spec in enumerate(specs):
            self.curves.append(item.plot(pen=pen_for(i)))
            self.legend.addItem(self.curves[-1], short_name(spec, n_layer))
        if specs:  # the global norm: sqrt of the sum of every matrix's norm²
            self.curves.append(item.plot(pen=pg.mkPen("#000000", width=1)))
            self.legend.addItem(self.curves[-1], "all")
        self.legend.setColumnCount(min(3, max(1, (len(self.curves) + 3) // 4)))  # 4 rows, 3 cols
        self.envelopes = [Envelope() for _ in self.curves]
        self.n = 0
        self.steady.forget()
        if history is not None:
            self.extend(history)
        else:
            self._redraw()

    def extend(self, points: StepPoints) -> None:
        """Append every step's norms (columns: matrices in layout order, then global)."""
        norms = np.asarray(points.grad_norms, dtype=np.float64)
        for i, env in enumerate(self.envelopes):
            env.extend(norms[:, i])
        self.n += len(points)
        self._redraw()

    def _redraw(self) -> None:
        drawn = [env.xy() for env in self.envelopes]
        for curve, (x, y) in zip(self.curves, drawn):
            curve.setData(x, y)
        if self.n == 1 and drawn:
            brushes = [pg.mkBrush(curve.opts["pen"].color()) for curve in self.curves]
            xs, ys = (np.concatenate(v) for v in zip(*drawn))
            self.first_point.setData(xs, ys, brush=brushes)
        else:
            self.first_point.setData([], [])
        empty = self.n == 0
        self.empty.setVisible(empty)
        if empty:
            self.steady.forget()
            self.setRange(xRange=(0, 100), yRange=(0, 1), padding=0)
            self.empty.setPos(50, 0.5)
        else:
            self.steady.fit(float(self.n), [y for _, y in drawn])
