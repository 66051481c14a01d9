"""LossPane: every step's loss, a smoothed curve, the 'uniform guess' line and the lr."""

import csv
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from microgpt import RunInfo, StepPoints
from microgpt_gui import theme
from microgpt_gui.panes.envelope import Envelope
from microgpt_gui.panes.steady_range import SteadyRange, StepAxis
from microgpt_gui.run.state import RunState

RAW_COLOUR, SMOOTH_COLOUR, LR_COLOUR = theme.PLOT_PENS[4], theme.PLOT_PENS[0], theme.PLOT_PENS[1]
# the curves' names in their colours, beside the controls (the lr axis names itself): no
# legend inside the plot, where it covered the curves or the uniform line at some step
LEGEND = (
    f"<span style='color:{RAW_COLOUR}'>──</span>&nbsp;per step &nbsp; "
    f"<span style='color:{SMOOTH_COLOUR}'><b>━━</b></span>&nbsp;smoothed"
)
AXIS_PX = 52  # room for the label and ticks such as 3.25 or 1e-3
EMPTY_TEXT = "Press Step (S) or Play (Space): the loss of every step appears here."
READOUT_TEXT = "hover over the plot to read a step"


class Smoothed:
    """TensorBoard's debiased EMA of the loss. It keeps the EMA every EVERY steps, not every
    step (8 bytes per EVERY steps instead of 4 a step): at(i, loss) recomputes step i from
    the checkpoint before it, with the same float operations as extend."""

    EVERY = 256

    def __init__(self, weight: float = 0.9):
        self.weight = weight
        self.clear()

    def clear(self) -> None:
        self.n, self._last = 0, 0.0
        self._marks = [0.0]  # the EMA after steps 0, EVERY, 2*EVERY, ... (before debiasing)

    def extend(self, ys: np.ndarray) -> np.ndarray:
        """Smooth ys after what came before; return their smoothed values."""
        # last = w*last + (1-w)*y; shown = last / (1 - w**n)
        w, last, n, every = self.weight, self._last, self.n, self.EVERY
        out = np.asarray(ys, dtype=np.float64).copy()
        for i, y in enumerate(out.tolist()):
            last = w * last + (1 - w) * y
            n += 1
            if n % every == 0:
                self._marks.append(last)
            if w:
                out[i] = last / (1 - w**n)
        self._last, self.n = last, n
        return out

    def at(self, i: int, loss: np.ndarray) -> float:
        """The smoothed value of step i + 1 (0 <= i < n), from the loss it smoothed."""
        w, k = self.weight, (i + 1) // self.EVERY
        last = self._marks[k]
        for y in loss[k * self.EVERY : i + 1].tolist():
            last = w * last + (1 - w) * y
        return last / (1 - w ** (i + 1)) if w else float(loss[i])


class LossPane(QWidget):
    """The loss of every step (raw and smoothed), ln(vocab) as the 'uniform guess' line."""

    def __init__(self, run: RunState, parent=None):
        super().__init__(parent)
        self.run = run
        self.extra_readout = None  # step -> more text for the hover readout (other runs)
        self.extra_range = None  # () -> (x_max, [ys]) of more curves to keep in view
        self.smoothed = Smoothed()
        self.envelopes = {"raw": Envelope(), "smooth": Envelope(), "lr": Envelope()}
        self._uniform = math.log(27)
        self.plot = pg.PlotWidget(axisItems={"bottom": StepAxis()})
        self.plot.setObjectName("loss_plot")
        item = self.plot.getPlotItem()
        item.setLabel("bottom", "step")
        item.setLabel("left", "loss")
        # fixed axis widths: a tick label growing by a digit relaid the whole plot out
        item.getAxis("left").setWidth(AXIS_PX)
        item.getAxis("right").setWidth(AXIS_PX + 12)
        item.getAxis("left").setToolTip(
            "−log p of the right next character, averaged over the name: lower is better"
        )
        # no grid: pyqtgraph draws it alpha-blended through every axis paint (4x the cost)
        self.raw = item.plot(pen=pg.mkPen(RAW_COLOUR, width=1))
        self.smooth = item.plot(pen=pg.mkPen(SMOOTH_COLOUR, width=2))
        self.first_point = pg.ScatterPlotItem(size=8, brush=pg.mkBrush(RAW_COLOUR))
        item.addItem(self.first_point)  # one step draws no line: show it as a dot
        self.uniform_line = pg.InfiniteLine(
            angle=0,
            pen=pg.mkPen(theme.MUTED, width=1.5, style=Qt.DashLine),
            movable=False,
            label="uniform guess",
            # at the right end: the first steps' loss sits at the uniform guess on the left
            labelOpts={"position": 0.98, "color": theme.MUTED, "anchors": [(1, 1), (1, 1)]},
        )
        item.addItem(self.uniform_line, ignoreBounds=True)
        self.marker = pg.ScatterPlotItem(size=9, brush=pg.mkBrush(theme.HIGHLIGHT), pen=None)
        item.addItem(self.marker)
        self.empty = pg.TextItem(EMPTY_TEXT, color=theme.MUTED, anchor=(0.5, 0.5))
        self.plot.addItem(self.empty, ignoreBounds=True)
        self._build_lr_axis(item)
        self.steady = SteadyRange(item, self._redraw)
        self.readout = QLabel(READOUT_TEXT, objectName="loss_readout", textFormat=Qt.PlainText)
        self.readout.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._build_controls())
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.readout)
        self.plot.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        run.reset.connect(self._on_run_reset)
        run.advanced.connect(self._on_run_advanced)
        self._set_uniform(27)
        self._redraw()

    def _build_lr_axis(self, item) -> None:
        """A second ViewBox on the right axis for the learning rate (pyqtgraph's recipe)."""
        self.lr_view = pg.ViewBox()
        item.scene().addItem(self.lr_view)
        axis = item.getAxis("right")
        axis.linkToView(self.lr_view)
        axis.setLabel("learning rate", color=LR_COLOUR)
        self.lr_view.setXLink(item)
        self.lr_curve = pg.PlotCurveItem(pen=pg.mkPen(LR_COLOUR, width=1.5, style=Qt.DotLine))
        self.lr_view.addItem(self.lr_curve)
        item.vb.sigResized.connect(self._on_view_resized)
        item.showAxis("right", False)
        self.lr_view.setVisible(False)

    def _build_controls(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.addWidget(QLabel("smoothing"))
        self.smoothing = QSlider(Qt.Horizontal, objectName="loss_smoothing")
        self.smoothing.setRange(0, 99)
        self.smoothing.setValue(90)
        self.smoothing.setMaximumWidth(160)
        self.smoothing.setMinimumWidth(56)  # gives way first in a narrow pane (lesson 5's column)
        self.smoothing.setToolTip("Average over recent steps, like TensorBoard (0 = none)")
        self.smoothing_label = QLabel("0.90")
        self.smoothing.valueChanged.connect(self._on_smoothing_changed)
        self.log_y = QCheckBox("log y", objectName="loss_log_y")
        self.log_y.toggled.connect(self._on_log_y_toggled)
        self.show_lr = QCheckBox("learning rate", objectName="loss_show_lr")
        self.show_lr.setToolTip("Show the learning rate of each step on a second axis")
        self.show_lr.toggled.connect(self._on_show_lr_toggled)
        self.legend = QLabel(LEGEND, objectName="loss_legend", textFormat=Qt.RichText)
        self.legend.setToolTip("The curves of the plot, in their colours")
        # whole: the slider gives way first (lesson 5's column cut the legend to 'smoothe')
        self.legend.setSizePolicy(QSizePolicy.Minimum, QSizePolicy.Preferred)
        for w in (self.smoothing, self.smoothing_label, self.log_y, self.show_lr):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.legend)
        return row

    # --- the run ---------------------------------------------------------------------

    def _on_run_reset(self, info: RunInfo) -> None:
        self._set_uniform(info.vocab_size)
        self._refill()
        self.marker.setData([], [])
        self.readout.setText(READOUT_TEXT)
        self.steady.forget()

    def _refill(self) -> None:
        """Rebuild every curve from the run's whole history."""
        self.smoothed.clear()
        for env in self.envelopes.values():
            env.clear()
        h = self.run.history
        self._append(h.loss, h.lr)
        self._redraw()

    def _on_run_advanced(self, points: StepPoints) -> None:
        self._append(points.loss, points.lr)
        self._redraw()

    def _append(self, loss: np.ndarray, lr: np.ndarray) -> None:
        e = self.envelopes
        e["raw"].extend(loss)
        e["smooth"].extend(self.smoothed.extend(loss))
        e["lr"].extend(lr)

    # --- drawing ---------------------------------------------------------------------

    def _set_uniform(self, vocab_size: int) -> None:
        self._uniform = math.log(vocab_size)
        self.uniform_line.label.setFormat(f"uniform guess: ln {vocab_size} = {self._uniform:.2f}")
        self._place_uniform()

    def _place_uniform(self) -> None:
        y = self._uniform
        self.uniform_line.setPos(math.log10(y) if self.log_y.isChecked() else y)

    def _redraw(self) -> None:
        e, n = self.envelopes, self.smoothed.n
        raw, smooth = e["raw"].xy(), e["smooth"].xy()
        self.raw.setData(*raw)
        self.smooth.setData(*smooth)
        self.lr_curve.setData(*e["lr"].xy())
        log = self.log_y.isChecked()
        if n == 1 and not (log and raw[1][0] <= 0):
            self.first_point.setData(raw[0], np.log10(raw[1]) if log else raw[1])
        else:
            self.first_point.setData([], [])
        self.empty.setVisible(n == 0)
        if n == 0:
            self.steady.forget()
            self.plot.setRange(xRange=(0, 100), yRange=(0, 4), padding=0)
            self.empty.setPos(50, 2)
        else:
            x_max, ys = self.extra_range() if self.extra_range else (0, [])
            self.steady.fit(float(max(n, x_max)), [raw[1], smooth[1], *ys], log)
            if self.lr_view.isVisible():
                self.lr_view.updateAutoRange()

    def redraw(self) -> None:
        """Draw again (more curves, from extra_range, changed)."""
        self._redraw()

    def _on_view_resized(self) -> None:
        vb = self.plot.getPlotItem().vb
        self.lr_view.setGeometry(vb.sceneBoundingRect())
        self.lr_view.linkedViewChanged(vb, self.lr_view.XAxis)

    def _on_smoothing_changed(self, value: int) -> None:
        self.smoothing_label.setText(f"{value / 100:.2f}")
        self.smoothed.weight = value / 100
        self._refill()

    def _on_log_y_toggled(self, on: bool) -> None:
        item = self.plot.getPlotItem()
        item.setLogMode(y=on)
        item.getAxis("right").setLogMode(False)  # the lr axis stays linear (its own view)
        self._place_uniform()
        self.steady.forget()
        self._redraw()

    def _on_show_lr_toggled(self, on: bool) -> None:
        self.plot.getPlotItem().showAxis("right", on)
        self.lr_view.setVisible(on)
        self._on_view_resized()
        if on:
            self.lr_view.enableAutoRange()

    @property
    def uniform(self) -> float:
        """ln(vocab): the loss of a uniform guess."""
        return self._uniform

    def _on_scene_mouse_moved(self, pos) -> None:
        vb = self.plot.getPlotItem().vb
        h = self.run.history
        if not vb.sceneBoundingRect().contains(pos):
            return
        step = max(1, round(vb.mapSceneToView(pos).x()))
        extra = self.extra_readout(step) if self.extra_readout else ""
        if step > len(h) and extra:  # a recorded step ahead, or another run's
            self.marker.setData([], [])
            self.readout.setText(f"step {step}  ·  {extra}")
            return
        if not len(h):
            return
        i = min(step, len(h)) - 1
        y = float(h.loss[i])
        self.marker.setData([i + 1], [math.log10(y) if self.log_y.isChecked() and y > 0 else y])
        text = (
            f"step {i + 1}  ·  loss {y:.4f}  ·  smoothed "
            f"{self.smoothed.at(i, h.loss):.4f}  ·  lr {h.lr[i]:.5f}"
        )
        self.readout.setText(f"{text}  ·  {extra}" if extra else text)

    # --- export ----------------------------------------------------------------------

    def export_png(self, path: str) -> bool:
        return self.plot.grab().save(path)

    def export_csv(self, path: str) -> None:
        """step, loss, lr of every step (whole, not what the plot draws)."""
        h = self.run.history
        with open(path, "w", encoding="utf-8", newline="") as f:
            out = csv.writer(f)
            out.writerow(["step", "loss", "lr"])
            for i, (loss, lr) in enumerate(zip(h.loss.tolist(), h.lr.tolist())):
                out.writerow([i + 1, repr(loss), repr(lr)])
