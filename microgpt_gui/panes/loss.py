"""LossPane: every step's loss, a smoothed curve, the 'uniform guess' line and the lr."""

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QSlider, QVBoxLayout, QWidget

from .. import theme
from .steady_range import SteadyRange

EMPTY_TEXT = "Press Step (S) or Play (Space): the loss of every step appears here."


class Series:
    """Growing float64 columns step, loss, lr, with the smoothed loss kept incrementally."""

    def __init__(self, weight: float = 0.9):
        self.weight = weight
        self.clear()

    def clear(self) -> None:
        self.n = 0
        self._data = np.zeros((4, 1024))  # rows: step, loss, lr, smoothed
        self._last, self._count = 0.0, 0

    def column(self, i: int) -> np.ndarray:
        return self._data[i, : self.n]

    step = property(lambda self: self.column(0))
    loss = property(lambda self: self.column(1))
    lr = property(lambda self: self.column(2))
    smoothed = property(lambda self: self.column(3))

    def extend(self, points) -> None:
        k = len(points)
        if self.n + k > self._data.shape[1]:
            grown = np.zeros((4, max(2 * self._data.shape[1], self.n + k)))
            grown[:, : self.n] = self._data[:, : self.n]
            self._data = grown
        block = self._data[:, self.n : self.n + k]
        block[0] = [p.step for p in points]
        block[1] = [p.loss for p in points]
        block[2] = [p.lr for p in points]
        block[3] = self._smooth(block[1])
        self.n += k

    def _smooth(self, ys: np.ndarray) -> list[float]:
        # TensorBoard's debiased EMA: last = w*last + (1-w)*y; shown = last / (1 - w**count)
        w, out = self.weight, []
        for y in ys.tolist():
            self._last = w * self._last + (1 - w) * y
            self._count += 1
            out.append(self._last / (1 - w**self._count) if w else y)
        return out

    def set_weight(self, weight: float) -> None:
        self.weight, self._last, self._count = weight, 0.0, 0
        self._data[3, : self.n] = self._smooth(self.loss)

    def nearest(self, x: float) -> int | None:
        """Index of the point whose step is closest to x."""
        if not self.n:
            return None
        i = int(np.searchsorted(self.step, x))
        if i >= self.n or (i > 0 and x - self.step[i - 1] < self.step[i] - x):
            i -= 1
        return max(i, 0)


class LossPane(QWidget):
    """The loss of every step (raw and smoothed), ln(vocab) as the 'uniform guess' line."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.series = Series()
        self._uniform = math.log(27)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("loss_plot")
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "step")
        item.setLabel("left", "loss")
        item.getAxis("left").setToolTip(
            "−log p of the right next character, averaged over the name: lower is better"
        )
        # no grid: pyqtgraph draws it alpha-blended through every axis paint (4x the cost)
        item.setClipToView(True)
        item.setDownsampling(auto=True, mode="peak")  # long runs stay fast to draw
        item.addLegend(offset=(-10, 10))
        self.raw = item.plot(pen=pg.mkPen(theme.PLOT_PENS[4], width=1), name="loss per step")
        self.smooth = item.plot(pen=pg.mkPen(theme.PLOT_PENS[0], width=2), name="smoothed")
        self.uniform_line = pg.InfiniteLine(
            angle=0,
            pen=pg.mkPen(theme.MUTED, width=1.5, style=Qt.DashLine),
            movable=False,
            label="uniform guess",
            labelOpts={"position": 0.08, "color": theme.MUTED, "anchors": [(0, 1), (0, 1)]},
        )
        item.addItem(self.uniform_line, ignoreBounds=True)
        self.marker = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(theme.HIGHLIGHT), pen=None)
        item.addItem(self.marker)
        self.empty = pg.TextItem(EMPTY_TEXT, color=theme.MUTED, anchor=(0.5, 0.5))
        self.plot.addItem(self.empty, ignoreBounds=True)
        self._build_lr_axis(item)
        self.steady = SteadyRange(item, self._redraw)
        self.readout = QLabel("hover over the plot to read a step")
        self.readout.setObjectName("loss_readout")
        self.readout.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._build_controls())
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)
        self.plot.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        self._set_uniform(27)
        self._redraw()

    def _build_lr_axis(self, item) -> None:
        """A second ViewBox on the right axis for the learning rate (pyqtgraph's recipe)."""
        self.lr_view = pg.ViewBox()
        item.scene().addItem(self.lr_view)
        axis = item.getAxis("right")
        axis.linkToView(self.lr_view)
        axis.setLabel("learning rate", color=theme.PLOT_PENS[1])
        self.lr_view.setXLink(item)
        self.lr_curve = pg.PlotCurveItem(
            pen=pg.mkPen(theme.PLOT_PENS[1], width=1.5, style=Qt.DotLine)
        )
        self.lr_view.addItem(self.lr_curve)
        item.vb.sigResized.connect(self._on_view_resized)
        item.showAxis("right", False)
        self.lr_view.setVisible(False)

    def _build_controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("smoothing"))
        self.smoothing = QSlider(Qt.Horizontal)
        self.smoothing.setObjectName("loss_smoothing")
        self.smoothing.setRange(0, 99)
        self.smoothing.setValue(90)
        self.smoothing.setMaximumWidth(160)
        self.smoothing.setToolTip("Average over recent steps, like TensorBoard (0 = none)")
        self.smoothing_label = QLabel("0.90")
        self.smoothing.valueChanged.connect(self._on_smoothing_changed)
        self.log_y = QCheckBox("log y")
        self.log_y.setObjectName("loss_log_y")
        self.log_y.toggled.connect(self._on_log_y_toggled)
        self.show_lr = QCheckBox("learning rate")
        self.show_lr.setObjectName("loss_show_lr")
        self.show_lr.setToolTip("Show the learning rate of each step on a second axis")
        self.show_lr.toggled.connect(self._on_show_lr_toggled)
        for w in (self.smoothing, self.smoothing_label, self.log_y, self.show_lr):
            row.addWidget(w)
        row.addStretch(1)
        return row

    # --- pane protocol ---------------------------------------------------------------

    def on_reset(self, info) -> None:
        self.series.clear()
        self._set_uniform(info.vocab_size)
        if info.history:
            self.series.extend(info.history)
        self._redraw()

    def on_points(self, points) -> None:
        self.series.extend(points)
        self._redraw()

    def on_report(self, report) -> None:
        pass  # every loss already arrived through on_points

    # --- drawing ---------------------------------------------------------------------

    def _set_uniform(self, vocab_size: int) -> None:
        self._uniform = math.log(vocab_size)
        self.uniform_line.label.setFormat(f"uniform guess: ln {vocab_size} = {self._uniform:.2f}")
        self._place_uniform()

    def _place_uniform(self) -> None:
        y = self._uniform
        self.uniform_line.setPos(math.log10(y) if self.log_y.isChecked() else y)

    def _redraw(self) -> None:
        s = self.series
        self.raw.setData(s.step, s.loss)
        self.smooth.setData(s.step, s.smoothed)
        self.lr_curve.setData(s.step, s.lr)
        self.empty.setVisible(s.n == 0)
        if s.n == 0:
            self.steady.forget()
            self.marker.setData([], [])
            self.plot.setRange(xRange=(0, 100), yRange=(0, 4), padding=0)
            self.empty.setPos(50, 2)
        else:
            self.steady.fit(s.step[-1], [s.loss, s.smoothed], self.log_y.isChecked())
            if self.lr_view.isVisible():
                self.lr_view.updateAutoRange()

    def _on_view_resized(self) -> None:
        vb = self.plot.getPlotItem().vb
        self.lr_view.setGeometry(vb.sceneBoundingRect())
        self.lr_view.linkedViewChanged(vb, self.lr_view.XAxis)

    def _on_smoothing_changed(self, value: int) -> None:
        self.smoothing_label.setText(f"{value / 100:.2f}")
        self.series.set_weight(value / 100)
        self._redraw()

    def _on_log_y_toggled(self, on: bool) -> None:
        self.plot.getPlotItem().setLogMode(y=on)
        self._place_uniform()
        self.steady.forget()
        self._redraw()

    def _on_show_lr_toggled(self, on: bool) -> None:
        self.plot.getPlotItem().showAxis("right", on)
        self.lr_view.setVisible(on)
        self._on_view_resized()

    def _on_scene_mouse_moved(self, pos) -> None:
        vb = self.plot.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(pos):
            return
        i = self.series.nearest(vb.mapSceneToView(pos).x())
        if i is None:
            return
        s = self.series
        y = s.loss[i]
        self.marker.setData([s.step[i]], [math.log10(y) if self.log_y.isChecked() else y])
        self.readout.setText(
            f"step {int(s.step[i])}  ·  loss {y:.4f}  ·  smoothed "
            f"{s.smoothed[i]:.4f}  ·  lr {s.lr[i]:.5f}"
        )

    # --- export ----------------------------------------------------------------------

    def export_png(self, path: str) -> bool:
        return self.plot.grab().save(path)

    def export_csv(self, path: str) -> None:
        s = self.series
        with open(path, "w", encoding="utf-8") as f:
            f.write("step,loss,lr\n")
            for step, loss, lr in zip(s.step.tolist(), s.loss.tolist(), s.lr.tolist()):
                f.write(f"{int(step)},{loss!r},{lr!r}\n")
