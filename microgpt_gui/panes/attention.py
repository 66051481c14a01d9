"""AttentionView: per head, how much each position looked at each earlier position."""

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from .. import theme


class AttentionGrid(QWidget):
    """n_head small grids; row = the position looking, column = the position looked at."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._w = np.zeros((0, 0, 0))  # (n_head, n, n)
        self._labels: list[str] = []
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)

    def set_weights(self, weights: np.ndarray, labels) -> None:
        self._w, self._labels = weights, list(labels)
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(400, 160)

    def paintEvent(self, event) -> None:
        heads, n = self._w.shape[0], self._w.shape[-1]
        if not heads or not n:
            return
        qp = QPainter(self)
        font = QFont(self.font())
        font.setPointSizeF(max(6.0, font.pointSizeF() * 0.85))
        qp.setFont(font)
        margin, title_h = 26, 18
        width = (self.width() - 8) / heads
        cell = max(2.0, min((width - margin - 8) / n, (self.height() - title_h - margin) / n))
        base = theme.DATA
        for h in range(heads):
            x0 = 4 + h * width + margin
            y0 = title_h + margin
            qp.setPen(QColor("black"))
            qp.drawText(QRectF(x0, 0, n * cell, title_h), Qt.AlignCenter, f"head {h + 1}")
            for i in range(n):
                if cell >= 9:
                    qp.drawText(
                        QRectF(x0 - margin, y0 + i * cell, margin - 3, cell),
                        Qt.AlignRight | Qt.AlignVCenter,
                        self._labels[i],
                    )
                    self._top_label(
                        qp,
                        QRectF(x0 + i * cell, y0 - margin, cell, margin - 2),
                        self._labels[i],
                        font,
                    )
                for j in range(n):
                    r = QRectF(x0 + j * cell, y0 + i * cell, cell - 1, cell - 1)
                    if j > i:  # the future: never looked at
                        qp.fillRect(r, QColor("#F2F2F2"))
                        continue
                    colour = QColor(base)
                    colour.setAlphaF(min(1.0, max(0.0, float(self._w[h, i, j]))))
                    qp.fillRect(r, QColor("white"))
                    qp.fillRect(r, colour)

    @staticmethod
    def _top_label(qp: QPainter, r: QRectF, text: str, font: QFont) -> None:
        """A column label, in a smaller font when it is wider than its cell ('BOS')."""
        small = QFont(font)
        while QFontMetricsF(small).horizontalAdvance(text) > r.width() and small.pointSizeF() > 5:
            small.setPointSizeF(small.pointSizeF() - 0.5)
        qp.setFont(small)
        qp.drawText(r, Qt.AlignHCenter | Qt.AlignBottom, text)
        qp.setFont(font)


class AttentionView(QWidget):
    """A layer selector and the attention grids of that layer."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("attention_view")
        self.layer = QComboBox()
        self.layer.currentIndexChanged.connect(self._on_layer_changed)
        self.caption = QLabel(
            "Attention: each row is a position; darker cells are the earlier "
            "positions it took most information from."
        )
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet(f"color: {theme.MUTED.name()};")
        self.grid = AttentionGrid()
        top = QHBoxLayout()
        top.addWidget(self.caption, 1)
        top.addWidget(self.layer)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.grid, 1)
        self._weights = np.zeros((0, 0, 0, 0))
        self._labels: list[str] = []
        self.clear()

    def clear(self) -> None:
        self._weights = np.zeros((0, 0, 0, 0))
        self.grid.set_weights(np.zeros((0, 0, 0)), [])
        self.setVisible(False)

    def set_weights(self, attention: np.ndarray, labels) -> None:
        """attention: (n_layer, n_head, n, n)."""
        self._weights, self._labels = attention, list(labels)
        n_layer = attention.shape[0]
        if self.layer.count() != n_layer:
            self.layer.blockSignals(True)
            self.layer.clear()
            self.layer.addItems([f"layer {i}" for i in range(n_layer)])
            self.layer.blockSignals(False)
        if self.layer.isHidden() == (n_layer > 1):
            self.layer.setVisible(n_layer > 1)
        if self.isHidden():
            self.setVisible(True)
        self._on_layer_changed(self.layer.currentIndex())

    def _on_layer_changed(self, index: int) -> None:
        if 0 <= index < self._weights.shape[0]:
            self.grid.set_weights(self._weights[index], self._labels)
