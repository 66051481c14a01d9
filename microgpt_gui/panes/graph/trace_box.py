"""TraceBox: one node of the trace, its name on a coloured band and value | grad below."""

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
)

from microgpt_gui import theme

from .items import (
    KIND_COLOURS,
    PAD,
    _draw_condensed,
    font,
    ink_on,
    legible,
    text_width,
)

BOX_H = 40.0
NAME_H = 17.0
KINDS = {"param": "weight", "loss": "output", "more": "more"}  # trace kind -> box colour


class TraceBox(QGraphicsItem):
    """A trace node: its name on a coloured band, value | grad below (narrower than the
    expression's label | value | grad, so a path to the loss fits the view)."""

    def __init__(self, index: int, name: str, kind: str):
        super().__init__()
        self.index, self.name, self.kind = index, name, kind
        self.data_text = self.grad_text = ""
        self.selected = False
        self.number_w = text_width("number", "−0.00000") + PAD
        self.width = max(text_width("label", name) + 2 * PAD, 2 * self.number_w, 60.0)
        self.setCursor(Qt.PointingHandCursor)
        self.setAcceptedMouseButtons(Qt.LeftButton)

    def set_numbers(self, data_text: str, grad_text: str) -> None:
        self.data_text, self.grad_text = data_text, grad_text
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(-self.width / 2 - 4, -BOX_H / 2 - 4, self.width + 8, BOX_H + 8)

    def paint(self, p, option, widget=None) -> None:
        box = QRectF(-self.width / 2, -BOX_H / 2, self.width, BOX_H)
        colour = KIND_COLOURS.get(self.kind, QColor("#F4F4F4"))  # 'more': pale, dashed
        pen = QPen(colour.darker(130) if self.kind != "more" else theme.MUTED, 1.2)
        pen.setStyle(Qt.DashLine if self.kind == "more" else Qt.SolidLine)
        p.setPen(pen)
        p.setBrush(colour)
        p.drawRoundedRect(box, 4, 4)
        cells = QRectF(box.left() + 1.5, box.top() + NAME_H, box.width() - 3, BOX_H - NAME_H - 1.5)
        if self.data_text or self.grad_text:
            p.fillRect(cells, Qt.white)
        if legible(option.levelOfDetailFromTransform(p.worldTransform())):
            p.setFont(font("label"))
            p.setPen(ink_on(colour))
            p.drawText(
                QRectF(box.left(), box.top(), box.width(), NAME_H), Qt.AlignCenter, self.name
            )
            p.setFont(font("number"))
            p.setPen(Qt.black)
            half = cells.width() / 2
            for k, text in enumerate((self.data_text, self.grad_text)):
                cell = QRectF(cells.left() + k * half + 2, cells.top(), half - 4, cells.height())
                _draw_condensed(p, cell, text)
            if self.data_text:
                p.setPen(QPen(colour.darker(130), 1))
                mid = cells.left() + half
                p.drawLine(QPointF(mid, cells.top()), QPointF(mid, cells.bottom()))
        if self.selected:
            p.setPen(QPen(theme.HIGHLIGHT, 3))
            p.setBrush(Qt.NoBrush)
            p.drawRoundedRect(box.adjusted(-1.5, -1.5, 1.5, 1.5), 5, 5)


def node_kind(node) -> str:
    kind = getattr(node, "kind", "quantity")
    return kind if kind in ("param", "loss") else "quantity"
