"""ExamplePane: the document of the last step, position by position, and its attention."""

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import QLabel, QScrollArea, QSizePolicy, QVBoxLayout, QWidget

from microgpt import RunInfo, StepReport

from .. import theme
from ..run_state import RunState
from ..text import escaped, token_text
from . import on_screen
from .attention import AttentionView

EMPTY_TEXT = (
    "Press Step (S) to train on one name. Each cell will show a character, the "
    "character the model should predict next, how likely the model thought it was "
    "(colour: green sure and right, red surprised), and the loss −log p."
)
CELL_W, MIN_CELL_W, CELL_H, GAP = 92, 58, 84, 6
DOC_CHARS = 40  # the title quotes a document up to this many characters


def confidence_colour(p: float) -> QColor:
    """Vermilion (p near 0) through pale yellow to bluish green (p near 1)."""
    lo, mid, hi = theme.BAD, QColor("#F7F3C6"), theme.GOOD
    a, b, t = (lo, mid, p * 2) if p < 0.5 else (mid, hi, p * 2 - 1)
    mix = lambda u, v: round(u + (v - u) * t)  # noqa: E731
    return QColor(mix(a.red(), b.red()), mix(a.green(), b.green()), mix(a.blue(), b.blue()))


class ExampleStrip(QWidget):
    """Cells: input → target, p(target) as colour, −log p as a number."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("example_strip")
        self._cells: list[tuple[str, str, float, float]] = []
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)

    @property
    def cells(self) -> list[tuple[str, str, float, float]]:
        """(input, target, p(target), loss) per position."""
        return list(self._cells)

    def set_cells(self, cells) -> None:
        resized = len(cells) != len(self._cells)
        self._cells = list(cells)
        if resized:  # a relayout costs a second repaint of the pane
            self.updateGeometry()
            self.adjustSize()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(GAP + len(self._cells) * (CELL_W + GAP), CELL_H + 2 * GAP)

    def minimumSizeHint(self) -> QSize:
        return QSize(GAP + len(self._cells) * (MIN_CELL_W + GAP), CELL_H + 2 * GAP)

    def _cell_width(self) -> float:
        """As wide as fits, between MIN_CELL_W and CELL_W (a scroll bar takes the rest)."""
        n = max(1, len(self._cells))
        return max(MIN_CELL_W, min(CELL_W, (self.width() - GAP) / n - GAP))

    def paintEvent(self, event) -> None:
        qp = QPainter(self)
        qp.setRenderHint(QPainter.Antialiasing)
        base = QFont(self.font())
        cw = self._cell_width()
        if cw < 80:
            base.setPointSizeF(base.pointSizeF() * 0.85)
        for k, (src, dst, p, loss) in enumerate(self._cells):
            r = QRectF(GAP + k * (cw + GAP), GAP, cw, CELL_H)
            qp.setPen(QPen(QColor("#888888"), 1))
            qp.setBrush(confidence_colour(p))
            qp.drawRoundedRect(r, 6, 6)
            qp.setPen(QColor("black"))
            big = QFont(base)
            big.setPointSizeF(base.pointSizeF() * 1.25)
            big.setBold(True)
            qp.setFont(big)
            qp.drawText(r.adjusted(0, 4, 0, -CELL_H * 0.55), Qt.AlignCenter, f"{src} → {dst}")
            qp.setFont(base)
            qp.drawText(
                r.adjusted(0, CELL_H * 0.42, 0, -CELL_H * 0.28), Qt.AlignCenter, f"p = {p:.3f}"
            )
            qp.drawText(r.adjusted(0, CELL_H * 0.68, 0, -4), Qt.AlignCenter, f"loss {loss:.2f}")


class ExamplePane(QWidget):
    """What the model was asked at each position of the last document, and how it did."""

    def __init__(self, run: RunState, parent=None):
        super().__init__(parent)
        self.title = QLabel(EMPTY_TEXT, objectName="example_title", textFormat=Qt.RichText)
        self.title.setMinimumWidth(100)  # its text wraps: it must never widen the window
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.strip = ExampleStrip()
        scroll = QScrollArea()
        scroll.setWidget(self.strip)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setMinimumHeight(CELL_H + 2 * GAP + 18)
        scroll.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.mean = QLabel(objectName="example_mean")
        self.mean.setWordWrap(True)
        self.attention = AttentionView()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.title)
        layout.addWidget(scroll)
        layout.addWidget(self.mean)
        layout.addWidget(self.attention, 1)
        self.mean_value: float | None = None
        self._stale: StepReport | None = None  # arrived while hidden
        run.reset.connect(self._on_run_reset)
        run.reported.connect(self._on_run_reported)

    def _on_run_reset(self, _info: RunInfo) -> None:
        self._stale = None
        self.title.setText(EMPTY_TEXT)
        self.strip.set_cells([])
        self.mean.setText("")
        self.mean_value = None
        self.attention.clear()

    def _on_run_reported(self, report: StepReport) -> None:
        if on_screen(self):
            self.show_report(report)
        else:
            self._stale = report

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self._stale is not None:  # the tab came forward: draw what it missed, next turn
            QTimer.singleShot(0, self, self._catch_up)

    def _catch_up(self) -> None:
        if self._stale is not None:
            self.show_report(self._stale)

    def show_report(self, r: StepReport) -> None:
        self._stale = None
        chars = r.chars
        cells = [
            (
                token_text(r.tokens[i], chars),
                token_text(r.tokens[i + 1], chars),
                float(p),
                float(lo),
            )
            for i, (p, lo) in enumerate(zip(r.target_probs, r.position_losses))
        ]
        self.strip.set_cells(cells)
        self.mean_value = float(np.mean(r.position_losses))
        self.title.setText(
            f"Step {r.step} trained on <b>{escaped(r.doc, DOC_CHARS)}</b>: at each position the "
            "model sees the characters so far and must guess the next one."
        )
        self.mean.setText(
            f"Mean of the {r.n} losses: <b>{self.mean_value:.4f}</b> = this step's loss "
            f"<b>{r.loss:.4f}</b>. A sure, right guess (p = 1) costs 0; p = 0.5 costs 0.69."
        )
        labels = [token_text(t, chars) for t in r.tokens[: r.n]]
        self.attention.set_weights(r.attention, labels)
