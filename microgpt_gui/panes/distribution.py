"""DistributionView: the model's whole prediction at one position of the example, a bar per
character, the target highlighted and the top five labelled."""

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from microgpt import StepReport

from .. import theme
from ..text import token_text

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


def label_levels(bars: list[int], vocab: int, width_px: int, label_px: int = 46) -> dict:
    """Bar index -> how many steps up its label goes, so that labels of nearby bars never
    overlap: each label (in the order given, most probable first) takes the lowest level
    where no label already placed is closer than a label's width."""
    gap = label_px / max(width_px - 50, 50) * vocab  # a label's width, in bars
    placed: dict[int, int] = {}
    for i in bars:
        level = 0
        while any(lv == level and abs(j - i) < gap for j, lv in placed.items()):
            level += 1
        placed[i] = level
    return placed


class DistributionView(QWidget):
    """A bar chart of probs[k] over the vocabulary, with a sentence about the target."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("example_distribution")
        self.text = QLabel(EMPTY_TEXT, objectName="distribution_text", wordWrap=True)
        self.text.setTextFormat(pg.QtCore.Qt.PlainText)  # it quotes characters of the data
        self.text.setMinimumWidth(100)
        self.plot = pg.PlotWidget(objectName="distribution_plot")
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
        levels = label_levels(list(dict.fromkeys(top + [target])), vocab, self.plot.width())
        rows = max(levels.values(), default=0) + 1  # label rows above the tallest bar
        share = min(0.6, rows * 16 / max(self.plot.height() - 30, 60))  # of the height
        y_max = (top_p * 1.05 or 1.0) / (1 - share)
        step = y_max * share / rows  # one label row, in data units
        for i, level in levels.items():  # the top five, and the target
            label = pg.TextItem(
                f"{token_text(i, report.chars)} {probs[i]:.2f}",
                color=TARGET.darker(140) if i == target else theme.MUTED,
                anchor=(0.5, 1.0),
            )
            label.setPos(i, probs[i] + level * step)
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
