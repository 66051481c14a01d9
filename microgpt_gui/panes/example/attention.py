"""AttentionView: per head, how much each position looked at each earlier position."""

import math

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from microgpt_gui import theme

LABEL_PT = 7.5  # the smallest label text
TITLE_H = 18  # 'head 1' above each grid


class AttentionGrid(QWidget):
    """n_head small grids; row = the position looking, column = the position looked at."""

    cell_clicked = Signal(int, int, int)  # head, row (the position looking), column (<= row)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("attention_grid")
        self._w = np.zeros((0, 0, 0))  # (n_head, n, n)
        self._labels: list[str] = []
        self.selected: tuple[int, int, int] | None = None  # (head, row, column) outlined
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setToolTip("Click a cell to read its weight and the rest of its row")

    def set_weights(self, weights: np.ndarray, labels) -> None:
        self._w, self._labels = weights, list(labels)
        if self.selected is not None and self.selected[1] >= weights.shape[-1]:
            self.selected = None
        self.update()

    def cell_rect(self, head: int, row: int, col: int) -> QRectF:
        width, margin, top, cell = self._layout()
        x0, y0 = 4 + head * width + margin, TITLE_H + top
        return QRectF(x0 + col * cell, y0 + row * cell, cell - 1, cell - 1)

    def cell_at(self, x: float, y: float) -> tuple[int, int, int] | None:
        """(head, row, column) of the cell at (x, y), if it is one a row can look at."""
        heads, n = self._w.shape[0], self._w.shape[-1]
        for h in range(heads):
            for i in range(n):
                for j in range(i + 1):
                    if self.cell_rect(h, i, j).adjusted(0, 0, 1, 1).contains(x, y):
                        return h, i, j
        return None

    def mousePressEvent(self, event) -> None:
        hit = self.cell_at(event.position().x(), event.position().y())
        if hit is not None:
            self.selected = hit
            self.update()
            self.cell_clicked.emit(*hit)
        super().mousePressEvent(event)

    def sizeHint(self) -> QSize:
        return QSize(400, 160)

    def label_font(self) -> QFont:
        """One size for every label, never below LABEL_PT (a shrunk 'BOS' was ~5 pt)."""
        font = QFont(self.font())
        font.setPointSizeF(max(LABEL_PT, font.pointSizeF() * 0.85))
        return font

    def _layout(self) -> tuple[float, float, float, float]:
        """(head width, row-label margin, top-label height, cell size) for the current size."""
        heads, n = max(1, self._w.shape[0]), max(1, self._w.shape[-1])
        fm = QFontMetricsF(self.label_font())
        margin = max((fm.horizontalAdvance(t) for t in self._labels), default=0) + 6
        top = fm.height() + 2
        width = (self.width() - 8) / heads
        cell = max(2.0, min((width - margin - 8) / n, (self.height() - TITLE_H - top) / n))
        return width, margin, top, cell

    def labels(self, head: int = 0) -> list[tuple[QRectF, int, str]]:
        """(rect, alignment, text) of every label of one head's grid: its title, the row
        labels (every k-th when rows are lower than a line) and the column labels (centred
        on their columns, every k-th when cells are narrower than a char, never touching)."""
        n = self._w.shape[-1]
        fm = QFontMetricsF(self.label_font())
        width, margin, top, cell = self._layout()
        x0, y0, line = 4 + head * width + margin, TITLE_H + top, fm.height()
        out = [(QRectF(x0, 0, n * cell, TITLE_H), Qt.AlignCenter, f"head {head + 1}")]
        for i in range(0, n, math.ceil(line / cell)):
            r = QRectF(x0 - margin, y0 + (i + 0.5) * cell - line / 2, margin - 4, line)
            out.append((r, Qt.AlignRight | Qt.AlignVCenter, self._labels[i]))
        widths = [fm.horizontalAdvance(t) for t in self._labels]
        right = -math.inf
        for j in range(0, n, math.ceil((max(widths[1:], default=0) + 2) / cell)):
            left = x0 + (j + 0.5) * cell - widths[j] / 2
            if j == 0:  # 'BOS' ends at its column's right edge, reaching into the corner
                left = min(left, x0 + cell - widths[0])
            if left >= right + 2:
                out.append((QRectF(left, TITLE_H, widths[j], top), Qt.AlignBottom, self._labels[j]))
                right = left + widths[j]
        return out

    def paintEvent(self, event) -> None:
        heads, n = self._w.shape[0], self._w.shape[-1]
        if not heads or not n:
            return
        qp = QPainter(self)
        qp.setFont(self.label_font())
        width, margin, top, cell = self._layout()
        for h in range(heads):
            qp.setPen(QColor("black"))
            for rect, align, text in self.labels(h):
                qp.drawText(rect, align, text)
            x0, y0 = 4 + h * width + margin, TITLE_H + top
            for i in range(n):
                for j in range(n):
                    r = QRectF(x0 + j * cell, y0 + i * cell, cell - 1, cell - 1)
                    if j > i:  # the future: never looked at
                        qp.fillRect(r, QColor("#F2F2F2"))
                        continue
                    colour = QColor(theme.DATA)
                    colour.setAlphaF(min(1.0, max(0.0, float(self._w[h, i, j]))))
                    qp.fillRect(r, QColor("white"))
                    qp.fillRect(r, colour)
        if self.selected is not None:
            qp.setPen(QPen(theme.HIGHLIGHT, 2))
            qp.setBrush(Qt.NoBrush)
            qp.drawRect(self.cell_rect(*self.selected))


class AttentionView(QWidget):
    """A layer selector and the attention grids of that layer."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("attention_view")
        self.layer = QComboBox()
        self.layer.currentIndexChanged.connect(self._on_layer_changed)
        self.caption = QLabel(
            "Each row is a position looking back; the darker a cell, the more it took from "
            "that position."
        )
        self.caption.setWordWrap(True)
        self.caption.setStyleSheet(f"color: {theme.MUTED.name()};")
        self.grid = AttentionGrid()
        self.detail = QLabel(objectName="attention_detail", textFormat=Qt.PlainText)
        self.detail.setWordWrap(True)  # it quotes characters of the data: plain
        self.detail.setMinimumWidth(100)
        self.grid.cell_clicked.connect(self._on_grid_cell_clicked)
        self.empty = QLabel(
            "Press Step: which earlier positions each position took its information from "
            "appears here.",
            objectName="attention_empty",
            wordWrap=True,
        )
        self.empty.setStyleSheet(f"color: {theme.MUTED.name()};")
        top = QHBoxLayout()
        top.addWidget(self.caption, 1)
        top.addWidget(self.layer)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addWidget(self.grid, 1)
        layout.addWidget(self.detail)
        self._weights = np.zeros((0, 0, 0, 0))
        self._labels: list[str] = []
        self.clear()

    def clear(self) -> None:
        self._weights = np.zeros((0, 0, 0, 0))
        self.grid.set_weights(np.zeros((0, 0, 0)), [])
        # the view itself stays put: it is a tab's page, and a page that shows itself is
        # drawn over the current one (the "Prediction at a position" text was overprinted)
        self.grid.selected = None
        for w in (self.caption, self.layer, self.grid, self.detail):
            w.setVisible(False)
        self.empty.setVisible(True)

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
        if self.grid.isHidden():
            self.empty.setVisible(False)
            self.caption.setVisible(True)
            self.grid.setVisible(True)
        self._on_layer_changed(self.layer.currentIndex())

    def _on_layer_changed(self, index: int) -> None:
        if 0 <= index < self._weights.shape[0]:
            self.grid.set_weights(self._weights[index], self._labels)
            self._show_detail()

    @property
    def selected_row(self) -> np.ndarray | None:
        """The weights of the clicked cell's row, (row + 1,), in the layer shown."""
        if self.grid.selected is None or self.grid.isHidden():
            return None
        h, i, _ = self.grid.selected
        return self._weights[max(0, self.layer.currentIndex()), h, i, : i + 1]

    def _on_grid_cell_clicked(self, *_cell) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        """'Head 2, position 4 ('m') looks at: BOS 0.05, e 0.61, ...; most at 'e'.'"""
        row = self.selected_row
        self.detail.setVisible(row is not None)
        if row is None:
            return
        h, i, j = self.grid.selected
        parts = ", ".join(f"{self._labels[t]} {w:.2f}" for t, w in enumerate(row.tolist()))
        top = int(np.argmax(row))
        self.detail.setText(
            f"Head {h + 1}, position {i + 1} ('{self._labels[i]}') looks at: {parts}. "
            f"This cell: {row[j]:.2f}; the most: '{self._labels[top]}' (position {top + 1})."
        )
