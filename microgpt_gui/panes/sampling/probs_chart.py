"""ProbsChart: for each generated position, the chosen char and the top-5 probabilities.

The positions flow left to right and wrap into rows (like text), so the chart fills the
width it gets and grows downwards (its height follows its width: heightForWidth).
"""

import math

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from microgpt_gui import theme
from microgpt_gui.text import token_text

TOP_K = 5
COL_W, BAR_H, HEAD_H, PAD = 108, 18, 28, 8  # COL_W: the narrowest a column gets
EMPTY_TEXT = (
    "The chosen character at each position, with the five the model "
    "thought likeliest, appears here."
)


def shown(token: int, chars, chosen: bool = False) -> str:
    """A char as token_text shows it; BOS as the end of the name it is here."""
    if token == len(chars):
        return "end" if chosen else "⏎ end"
    return token_text(token, chars)


class ProbsChart(QWidget):
    """One column per position: header 'pos 2 → a', then the 5 likeliest chars as bars."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("sample_probs")
        self._columns: list[tuple[str, list[tuple[str, float, bool]]]] = []
        policy = QSizePolicy(QSizePolicy.Preferred, QSizePolicy.Preferred)
        policy.setHeightForWidth(True)  # a QScrollArea then gives it the height it needs
        self.setSizePolicy(policy)

    @property
    def positions(self) -> int:
        """How many positions (columns) it shows."""
        return len(self._columns)

    def show_sample(self, sample, chars) -> None:
        """Columns for sample (None clears)."""
        self._columns = []
        if sample is not None:
            for k, (tok, p) in enumerate(zip(sample.tokens, sample.probs)):
                top = np.argsort(-p, kind="stable")[:TOP_K]
                bars = [(shown(int(i), chars), float(p[i]), int(i) == tok) for i in top]
                if tok not in top:  # the chosen char was unlikely: show it too
                    bars.append((shown(tok, chars), float(p[tok]), True))
                pos = len(sample.prefix) + k + 1
                self._columns.append((f"pos {pos}: {shown(tok, chars, chosen=True)}", bars))
        self.updateGeometry()  # its height follows the number of columns
        self.update()

    # --- geometry: columns of at least COL_W, wrapped into rows ----------------------

    def _per_row(self, width: int) -> int:
        return max(1, int((width - PAD) // COL_W))

    def _block_height(self) -> int:
        """One row of columns: the header and as many bars as the tallest column has."""
        bars = max((len(b) for _, b in self._columns), default=0)
        return HEAD_H + bars * (BAR_H + 4) + PAD

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        if not self._columns:
            return 3 * HEAD_H
        rows = math.ceil(len(self._columns) / self._per_row(width))
        return rows * self._block_height() + PAD

    def sizeHint(self) -> QSize:
        width = PAD + 3 * COL_W
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(PAD + COL_W, HEAD_H)

    def column_rects(self) -> list[QRectF]:
        """Where each position's column goes: left to right, wrapped at the widget's width."""
        per_row = self._per_row(self.width())
        col_w, block_h = (self.width() - PAD) / per_row, self._block_height()
        return [
            QRectF(PAD + (c % per_row) * col_w, (c // per_row) * block_h, col_w, block_h)
            for c in range(len(self._columns))
        ]

    def paintEvent(self, event) -> None:
        qp = QPainter(self)
        qp.setRenderHint(QPainter.Antialiasing)
        font = QFont(self.font())
        if not self._columns:
            qp.setPen(theme.MUTED)
            qp.drawText(self.rect().adjusted(PAD, PAD, -PAD, -PAD), Qt.TextWordWrap, EMPTY_TEXT)
            return
        for rect, (head, bars) in zip(self.column_rects(), self._columns):
            x, y, col_w = rect.x(), rect.y(), rect.width()
            font.setBold(True)
            qp.setFont(font)
            qp.setPen(QColor("black"))
            head_rect = QRectF(x, y + 4, col_w - 8, HEAD_H - 8)
            qp.drawText(head_rect, Qt.AlignLeft | Qt.AlignVCenter, head)
            font.setBold(False)
            qp.setFont(font)
            for r, (label, p, chosen) in enumerate(bars):
                self._bar(qp, x, y + HEAD_H + r * (BAR_H + 4), col_w, label, p, chosen)

    @staticmethod
    def _bar(qp: QPainter, x: float, y: float, col_w: float, label, p: float, chosen) -> None:
        label_w, text_w = 30, 34
        bar_w = col_w - label_w - text_w - 8
        qp.setPen(QColor("black"))
        qp.drawText(QRectF(x, y, label_w - 4, BAR_H), Qt.AlignRight | Qt.AlignVCenter, label)
        colour = theme.HIGHLIGHT if chosen else theme.DATA.lighter(150)
        length = max(1.0, bar_w * p)
        qp.fillRect(QRectF(x + label_w, y + 2, length, BAR_H - 4), colour)
        qp.setPen(theme.MUTED)
        qp.drawText(
            QRectF(x + label_w + length + 3, y, text_w, BAR_H),
            Qt.AlignLeft | Qt.AlignVCenter,
            f"{p:.0%}" if p >= 0.01 else "<1%",
        )
