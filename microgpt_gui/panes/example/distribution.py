"""DistributionView: the model's whole prediction at one position of the example, a bar per
character, the target highlighted and the top five labelled."""

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from microgpt import StepReport
from microgpt_gui import theme
from microgpt_gui.text import token_text

TOP = 5  # labelled bars
MAX_TICKS = 40  # every character is named under its bar up to this vocabulary size
EMPTY_TEXT = "Click a cell above to see everything the model predicted at that position."
NO_PROBS = (
    "The full prediction is kept for single steps and for the step where Play stops: "
    "press Step (S), or pause."
)
TARGET = theme.GOOD
OTHER = QColor("#9DB7CF")


def explain(report: StepReport, k: int) -> str:
    """'the model gave 't' p = 0.021, so the loss here is −ln 0.021 = 3.87' (plain text)."""
    target = token_text(report.tokens[k + 1], report.chars)
    p = float(report.target_probs[k])
    loss = float(report.position_losses[k])
    src = token_text(report.tokens[k], report.chars)
    return (
        f"Position {k + 1} of {report.n}, after '{src}': the model gave '{target}' p = {p:.3g}, "
        f"so the loss here is −ln {p:.3g} = {loss:.3g}."
    ).replace("-", "−")


ROW_PX = 18  # a label row's height in pixels: its text and the padding above it
LABEL_PX = 46  # a label's width in pixels


def fit_labels(order, probs, target, top_p, room: float, width: float):
    """The labels that fit (the least probable go first, never the target), their heights
    and the y range that holds them, for a bar box `room` x `width` pixels."""
    vocab = len(probs)
    gap = LABEL_PX * (vocab + 0.4) / max(width, 50.0)  # a label's width, in bars
    order = list(order)
    while True:
        y_max = (top_p * 1.05) or 1.0
        for _ in range(40):  # the rows' height in data units grows with the range
            step = y_max * ROW_PX / room
            ys = place_labels(order, probs, gap, step)
            need = max(ys.values(), default=0.0) + step
            if need <= y_max * 1.001:
                break
            y_max = need
        bars_keep = top_p / y_max >= 0.4  # the bars keep 40% of the height
        if (need <= y_max * 1.001 and bars_keep) or len(order) <= 1:
            return order, ys, max(y_max, need)
        drop = next((i for i in reversed(order) if i != target), order[-1])
        order.remove(drop)


def place_labels(bars: list[int], probs, gap: float, step: float) -> dict[int, float]:
    """Bar index -> the height of its label's bottom, in data units. In the order given
    (most probable first), each label sits on its bar, or above the label of any bar closer
    than a label's width (gap, in bars) that it would cover; one row is `step` tall."""
    ys: dict[int, float] = {}
    for i in bars:
        y = float(probs[i])
        moved = True
        while moved:  # lift it past every placed neighbour it would touch
            moved = False
            for j, yj in ys.items():
                # (a label already lifted onto yj + step stays: (yj + step) - yj can come
                # out a hair under step in floating point, which would lift it forever)
                if abs(j - i) < gap and abs(y - yj) < step and y < yj + step:
                    y, moved = yj + step, True
        ys[i] = y
    return ys


class DistributionView(QWidget):
    """A bar chart of probs[k] over the vocabulary, with a sentence about the target."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("example_distribution")
        self.text = QLabel(EMPTY_TEXT, objectName="distribution_text", wordWrap=True)
        self.text.setTextFormat(pg.QtCore.Qt.PlainText)  # it quotes characters of the data
        self.text.setMinimumWidth(100)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("distribution_plot")  # PlotWidget(objectName=) drops it
        self.plot.setMinimumHeight(110)
        self.plot.setMouseEnabled(x=False, y=False)
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.setLabel("left", "p", **{"font-size": "8pt"})
        item.getAxis("left").setWidth(40)
        font = QFont()
        font.setPointSizeF(8)
        for axis in ("left", "bottom"):
            item.getAxis(axis).setStyle(tickFont=font)
            item.getAxis(axis).enableAutoSIPrefix(False)
        self.bars = pg.BarGraphItem(x=[], height=[], width=0.8)
        item.addItem(self.bars)
        self.labels: list[pg.TextItem] = []
        self.plot.installEventFilter(self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.text)
        layout.addWidget(self.plot, 1)
        self.position: int | None = None
        self._shown = None
        self.clear()

    def clear(self, text: str = EMPTY_TEXT) -> None:
        self.position, self._shown = None, None
        self.text.setText(text)
        self.bars.setOpts(x=[], height=[])
        self._drop_labels()
        self.plot.hide()

    def eventFilter(self, obj, event) -> bool:
        if obj is self.plot and event.type() == QEvent.Resize and self._shown is not None:
            QTimer.singleShot(0, self, self._reshow)  # the labels' room depends on its size
        return False

    def _reshow(self) -> None:
        if self._shown is not None:
            self.show_position(*self._shown)

    def _drop_labels(self) -> None:
        for label in self.labels:
            self.plot.removeItem(label)
        self.labels = []

    def show_position(self, report: StepReport, k: int) -> None:
        """Position k of the report's example (0-based)."""
        if report.probs is None:
            self.clear(NO_PROBS)
            return
        self.position, self._shown = k, (report, k)
        probs = np.asarray(report.probs[k], dtype=float)
        vocab = len(probs)
        target = report.tokens[k + 1]
        colours = [TARGET if i == target else OTHER for i in range(vocab)]
        xs = np.arange(vocab)
        self.bars.setOpts(x=xs, height=probs, brushes=colours, pens=[None] * vocab)
        self._drop_labels()
        top = [int(i) for i in np.argsort(-probs, kind="stable")[:TOP]]
        top_p = float(probs.max()) if vocab else 1.0
        order = list(dict.fromkeys(top + [target]))  # the top five, and the target
        vb = self.plot.getPlotItem().vb  # the bars' own box (without the axes), in pixels
        order, ys, y_max = fit_labels(
            order, probs, target, top_p, room=max(vb.height(), 60.0), width=vb.width()
        )
        half = LABEL_PX / 2 * (vocab + 0.4) / max(vb.width(), 50.0)  # half a label, in bars
        for i in order:
            # centred on its bar, but never past the chart's edges (the view clips it there)
            x, ax = i, 0.5
            if i - half < -0.7:
                x, ax = -0.6, 0.0
            elif i + half > vocab - 0.3:
                x, ax = vocab - 0.4, 1.0
            label = pg.TextItem(
                f"{token_text(i, report.chars)} {probs[i]:.2f}",
                color=TARGET.darker(140) if i == target else theme.MUTED,
                anchor=(ax, 1.0),
            )
            label.setPos(x, ys[i])
            self.plot.addItem(label)
            self.labels.append(label)
        axis = self.plot.getPlotItem().getAxis("bottom")
        names = [token_text(i, report.chars) for i in range(vocab)]
        ticks = [(i, names[i]) for i in range(vocab)] if vocab <= MAX_TICKS else []
        axis.setTicks([ticks])  # a big vocabulary: only the labelled bars are named
        self.plot.getPlotItem().setRange(xRange=(-0.7, vocab - 0.3), yRange=(0, y_max), padding=0)
        self.text.setText(explain(report, k))
        self.plot.show()
        if not math.isfinite(top_p):
            self.clear("This prediction could not be drawn (not a number).")
