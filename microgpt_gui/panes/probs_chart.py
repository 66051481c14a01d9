"""ProbsChart: for each generated position, the chosen char and the top-5 probabilities."""

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

from .. import theme

TOP_K = 5
COL_W, BAR_H, HEAD_H, PAD = 116, 18, 40, 8


class ProbsChart(QWidget):
    """One column per position: header 'pos 2 → a', then the 5 likeliest chars as bars."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("sample_probs")
        self._columns: list[tuple[str, list[tuple[str, float, bool]]]] = []
        self.setSizePolicy(QSizePolicy.Minimum, QSizePolicy.Minimum)

    def show_sample(self, sample, chars) -> None:
        """Columns for sample (None clears)."""
        self._columns = []
        if sample is not None:
            names = [*chars, "BOS"]
            for k, (tok, p) in enumerate(zip(sample.tokens, sample.probs)):
                top = np.argsort(-p, kind="stable")[:TOP_K]
                bars = [(self._shown(names[i]), float(p[i]), int(i) == tok) for i in top]
                if tok not in top:  # the chosen char was unlikely: show it too
                    bars.append((self._shown(names[tok]), float(p[tok]), True))
                pos = len(sample.prefix) + k + 1
                head = f"pos {pos}: {self._shown(names[tok], True)}"
                self._columns.append((head, bars))
        self.updateGeometry()
        self.adjustSize()
        self.update()

    @staticmethod
    def _shown(name: str, chosen_end: bool = False) -> str:
        if name == "BOS":
            return "end" if chosen_end else "⏎ end"
        return "␣" if name == " " else name

    def sizeHint(self) -> QSize:
        rows = max((len(b) for _, b in self._columns), default=0)
        return QSize(PAD + len(self._columns) * COL_W, HEAD_H + rows * (BAR_H + 4) + PAD)

    minimumSizeHint = sizeHint

    def paintEvent(self, event) -> None:
        qp = QPainter(self)
        qp.setRenderHint(QPainter.Antialiasing)
        font = QFont(self.font())
        if not self._columns:
            qp.setPen(theme.MUTED)
            qp.drawText(
                self.rect().adjusted(PAD, PAD, -PAD, -PAD),
                Qt.TextWordWrap,
                "The chosen character at each position, with the five the model "
                "thought likeliest, appears here.",
            )
            return
        for c, (head, bars) in enumerate(self._columns):
            x = PAD + c * COL_W
            font.setBold(True)
            qp.setFont(font)
            qp.setPen(QColor("black"))
            qp.drawText(QRectF(x, 4, COL_W - 8, HEAD_H - 8), Qt.AlignLeft | Qt.AlignVCenter, head)
            font.setBold(False)
            qp.setFont(font)
            for r, (label, p, chosen) in enumerate(bars):
                self._bar(qp, x, HEAD_H + r * (BAR_H + 4), label, p, chosen)

    def _bar(self, qp: QPainter, x: float, y: float, label: str, p: float, chosen: bool) -> None:
        label_w, text_w = 30, 34
        bar_w = COL_W - label_w - text_w - 8
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
