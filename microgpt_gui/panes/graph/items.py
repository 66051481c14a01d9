"""The items of the graph drawing: value boxes (label over value over grad), op circles, edges."""

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QGraphicsItem

from microgpt_gui import theme

KIND_COLOURS = {
    "data": theme.DATA,
    "weight": theme.WEIGHT,
    "intermediate": theme.INTERMEDIATE,
    "output": theme.OUTPUT,
}
LABEL_H = 14.0  # the label's band on top of a stacked value box (label text: 12 px ascent)
ROW_H = 14.5  # the value's row and the grad's row below it (number text: 12 px ascent)
BOX_HEIGHT = LABEL_H + 2 * ROW_H + 2.0  # 45, stacked: a 1 px margin above and below the rows
FLAT_HEIGHT = 34.0  # flat: the label beside the two rows
MIN_TEXT_PX = 8.0  # text is never drawn smaller: below that zoom, boxes are drawn blank
FIT_TEXT_PX = 9.0  # Fit never frames a graph so small that its numbers are shorter (issue 23)
OP_SIZE = 22.0
PAD = 8.0  # text padding inside a cell
BOX_PAD = 5.0  # beside the text of a value box's cells: narrow boxes fit more of a graph
GRAD_SHADE = QColor("#ECECEC")  # behind the grad, the lower number of a box
EDGE_COLOUR = QColor("#8A8A8A")
HALO = QColor(theme.HIGHLIGHT.red(), theme.HIGHLIGHT.green(), theme.HIGHLIGHT.blue(), 90)
_fonts: dict[str, QFont] = {}


def font(role: str) -> QFont:
    """'label', 'number', 'caption' or 'op'; made on first use (needs a QApplication)."""
    if not _fonts:
        for name, size, bold in (
            ("label", 10, True),
            ("number", 10, False),
            ("caption", 8, False),
            ("op", 10, True),
        ):
            f = QFont()
            f.setPointSizeF(size)
            f.setBold(bold)
            _fonts[name] = f
    return _fonts[role]


def text_px(role: str) -> float:
    """The height of a font role's text in scene units (pixels at zoom 1)."""
    return QFontMetricsF(font(role)).ascent()


def legible_scale(role: str = "number", px: float = MIN_TEXT_PX) -> float:
    """The smallest zoom at which a role's text is `px` tall on screen."""
    return px / text_px(role)


def legible(lod: float, role: str = "number") -> bool:
    """Is text of this role legible at zoom lod? (Fit zooms to exactly legible_scale(), and
    an item's level of detail can come out a rounding error below the view's scale.)"""
    return lod >= legible_scale(role) * (1 - 1e-9)


_metrics: dict[str, QFontMetricsF] = {}


def text_width(role: str, text: str) -> float:
    if role not in _metrics:
        _metrics[role] = QFontMetricsF(font(role))
    return _metrics[role].horizontalAdvance(text)


def ink_on(colour: QColor) -> QColor:
    """Black or white text, whichever reads better on `colour`."""
    r, g, b = colour.redF(), colour.greenF(), colour.blueF()
    return QColor("black") if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else QColor("white")


class ValueBox(QGraphicsItem):
    """One Value, like micrograd's draw_dot record, stacked to be narrow: the label on top,
    then the value above the grad (on a shaded row). `flat`: the label beside the two rows
    instead, 13 px lower but wider (for a column of many boxes: issue 23)."""

    def __init__(self, index: int, label: str, kind: str):
        super().__init__()
        self.index, self.label, self.kind = index, label, kind
        self.data_text = self.grad_text = ""
        self.selected = self.active = self.flat = False
        self.label_w = text_width("label", label) + 2 * BOX_PAD
        self.number_w = text_width("number", "−0.000") + 2 * BOX_PAD
        self.setCursor(Qt.PointingHandCursor)
        self.setAcceptedMouseButtons(Qt.LeftButton)

    @property
    def width(self) -> float:
        if self.flat:
            return max(self.label_w, 24.0) + self.number_w
        return max(self.label_w, self.number_w)

    @property
    def height(self) -> float:
        return FLAT_HEIGHT if self.flat else BOX_HEIGHT

    def set_numbers(self, data_text: str, grad_text: str) -> None:
        """Show new numbers; a number wider than its cell is drawn condensed, so a nudge
        never moves the layout."""
        if (data_text, grad_text) != (self.data_text, self.grad_text):
            self.data_text, self.grad_text = data_text, grad_text
            self.update()

    def fit_numbers(self) -> None:
        """Widen the cells to the current numbers (before layout)."""
        need = max(text_width("number", self.data_text), text_width("number", self.grad_text))
        self.number_w = max(self.number_w, need + 2 * BOX_PAD)

    def boundingRect(self) -> QRectF:
        w, h = self.width, self.height
        return QRectF(-w / 2 - 4, -h / 2 - 4, w + 8, h + 8)

    def rows(self) -> tuple[QRectF, QRectF]:
        """The value's row and the grad's row, in item coordinates."""
        if self.flat:
            left, top, w = self.width / 2 - self.number_w, -ROW_H, self.number_w - 1.5
        else:
            left, top, w = -self.width / 2 + 1.5, -BOX_HEIGHT / 2 + LABEL_H + 1, self.width - 3
        return QRectF(left, top, w, ROW_H), QRectF(left, top + ROW_H, w, ROW_H)

    def box(self) -> QRectF:
        return QRectF(-self.width / 2, -self.height / 2, self.width, self.height)

    def paint(self, p, option, widget=None) -> None:
        box = self.box()
        colour = KIND_COLOURS[self.kind]
        if self.active:  # a halo behind the node being computed right now
            p.setPen(Qt.NoPen)
            p.setBrush(HALO)
            p.drawRoundedRect(box.adjusted(-4, -4, 4, 4), 7, 7)
        p.setPen(QPen(colour.darker(130), 1.2))
        p.setBrush(colour)
        p.drawRoundedRect(box, 4, 4)
        value_row, grad_row = self.rows()
        p.fillRect(value_row, Qt.white)
        p.fillRect(grad_row, GRAD_SHADE)
        if legible(option.levelOfDetailFromTransform(p.worldTransform())):
            self._paint_texts(p, box, value_row, grad_row, colour)
        if self.selected:
            p.setPen(QPen(theme.HIGHLIGHT, 3))
            p.setBrush(Qt.NoBrush)
            p.drawRoundedRect(box.adjusted(-1.5, -1.5, 1.5, 1.5), 5, 5)

    def _paint_texts(self, p, box: QRectF, value_row: QRectF, grad_row: QRectF, colour) -> None:
        p.setFont(font("label"))
        p.setPen(ink_on(colour))
        w, h = (box.width() - self.number_w, box.height()) if self.flat else (box.width(), LABEL_H)
        p.drawText(QRectF(box.left(), box.top(), w, h), Qt.AlignCenter, self.label)
        p.setFont(font("number"))
        for row, text in ((value_row, self.data_text), (grad_row, self.grad_text)):
            p.setPen(theme.MUTED if text == "?" else Qt.black)
            _draw_condensed(p, row.adjusted(2, 0, -2, 0), text, Qt.AlignVCenter)


class OpCircle(QGraphicsItem):
    """The op that made a Value: a small circle (a pill for a long symbol) with its symbol
    (+, ×, **2, exp, σ, ...)."""

    def __init__(self, index: int, symbol: str):
        super().__init__()
        self.index, self.symbol = index, symbol
        self.active = False
        self.width = max(OP_SIZE, text_width("op", symbol) + PAD)
        self.setCursor(Qt.PointingHandCursor)
        self.setAcceptedMouseButtons(Qt.LeftButton)

    def boundingRect(self) -> QRectF:
        return QRectF(-self.width / 2 - 1, -OP_SIZE / 2 - 1, self.width + 2, OP_SIZE + 2)

    def paint(self, p, option, widget=None) -> None:
        rect = QRectF(-self.width / 2, -OP_SIZE / 2, self.width, OP_SIZE)
        fill = theme.HIGHLIGHT if self.active else QColor("white")
        p.setPen(QPen(theme.HIGHLIGHT if self.active else EDGE_COLOUR, 1.5))
        p.setBrush(fill)
        if self.width > OP_SIZE:  # a long symbol (**2, tanh): a pill, so the text stays inside
            p.drawRoundedRect(rect, OP_SIZE / 2, OP_SIZE / 2)
        else:
            p.drawEllipse(rect)
        if legible(option.levelOfDetailFromTransform(p.worldTransform()), "op"):
            p.setFont(font("op"))
            p.setPen(ink_on(fill))
            p.drawText(rect, Qt.AlignCenter, self.symbol)


class EdgeItem(QGraphicsItem):
    """An arrow from a child's box to an op (carrying a local gradient), or an op to its box.

    `shared`: the edge rises to a lane another edge of the same source already draws (one
    value feeding many ops far apart), so unlit it draws only its own drop to the op."""

    def __init__(
        self, points: list[tuple[float, float]], child: int, node: int, slot: int, shared=False
    ):
        super().__init__()
        self.child, self.node, self.slot = child, node, slot  # slot -1: op -> its own box
        self.hovered = self.active = False
        self.points, self.shared = points, shared
        # a long edge is drawn piecewise: only the pieces on screen (drawPath costs ~ length);
        # each piece's path is made when it is first drawn (most never are, in a big graph)
        cuts = [0, 2] if shared else list(range(0, len(points) - 1, 8))
        self.pieces = [(_bounds(points[a : b + 1], 2, 2), a, b) for a, b in _spans(cuts, points)]
        self._paths: dict[int, QPainterPath] = {}
        self._bounds = _bounds(points, 8, 6)  # the arrow head is 7 px long, 7 px wide
        self._shape: QPainterPath | None = None  # made on the first hover: most never are
        self.setAcceptHoverEvents(True)
        self.setFlag(QGraphicsItem.ItemUsesExtendedStyleOption)  # gives option.exposedRect
        self.setZValue(-1)

    def shape(self) -> QPainterPath:
        """What a hover or click hits: the drawn path (a shared edge: only its own drop)."""
        if self._shape is None:
            stroker = QPainterPathStroker()
            stroker.setWidth(10)
            first = 2 if self.shared else 0
            self._shape = stroker.createStroke(_smooth_path(self.points[first:], first))
        return self._shape

    def boundingRect(self) -> QRectF:
        return self._bounds

    def hoverEnterEvent(self, event) -> None:
        self.hovered = True
        self.update()

    def hoverLeaveEvent(self, event) -> None:
        self.hovered = False
        self.update()

    def paint(self, p, option, widget=None) -> None:
        lit = self.hovered or self.active
        colour = theme.HIGHLIGHT if lit else EDGE_COLOUR
        p.setPen(QPen(colour, 3 if lit else 1.4))
        p.setBrush(Qt.NoBrush)
        exposed = option.exposedRect
        pieces = self.pieces[1:] if self.shared and not lit else self.pieces
        for bounds, a, b in pieces:
            if bounds.intersects(exposed):
                if a not in self._paths:
                    self._paths[a] = _smooth_path(self.points[a : b + 1], a)
                p.drawPath(self._paths[a])
        x, y = self.points[-1]
        p.setPen(Qt.NoPen)
        p.setBrush(QBrush(colour))
        p.drawPolygon(QPolygonF([QPointF(x, y), QPointF(x - 7, y - 3.5), QPointF(x - 7, y + 3.5)]))


def _draw_condensed(p, rect: QRectF, text: str, align=Qt.AlignBottom) -> None:
    """Centred across rect (at its bottom, or as `align` says), squeezed horizontally if it
    is too wide."""
    k = min(1.0, rect.width() / max(text_width("number", text), 1.0))
    if k == 1.0:
        p.drawText(rect, Qt.AlignHCenter | align, text)
        return
    p.save()
    p.translate(rect.center().x(), 0)
    p.scale(k, 1)
    p.translate(-rect.center().x(), 0)
    p.drawText(rect, Qt.AlignHCenter | align | Qt.TextDontClip, text)
    p.restore()


def _spans(cuts: list[int], points) -> list[tuple[int, int]]:
    """(first, last) point index of each piece of a route cut at `cuts`."""
    ends = [*cuts[1:], len(points) - 1]
    return [(a, b) for a, b in zip(cuts, ends) if b > a]


def _bounds(points: list[tuple[float, float]], dx: float, dy: float) -> QRectF:
    """The points' bounding box, grown by dx and dy (a smooth path stays inside it: its
    control points lie between its ends)."""
    xs, ys = [x for x, _ in points], [y for _, y in points]
    left, top = min(xs) - dx, min(ys) - dy
    return QRectF(left, top, max(xs) + dx - left, max(ys) + dy - top)


def _smooth_path(points: list[tuple[float, float]], first: int = 0) -> QPainterPath:
    """Curves across the gaps between columns, straight lines through a column; `first` is
    the index of points[0] in the whole route (segment k + first odd: a gap)."""
    path = QPainterPath(QPointF(*points[0]))
    for k in range(1, len(points)):
        (x0, y0), (x1, y1) = points[k - 1], points[k]
        if (k + first) % 2:  # a gap between columns: an S-curve with horizontal ends
            mx = (x0 + x1) / 2
            path.cubicTo(QPointF(mx, y0), QPointF(mx, y1), QPointF(x1, y1))
        else:
            path.lineTo(QPointF(x1, y1))
    return path
