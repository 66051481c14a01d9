"""ExampleStrip: the cards of the last step's document, one per position, coloured by how
sure the model was of the character that came next."""

import math

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import (
    QSizePolicy,
    QWidget,
)

from microgpt_gui import theme

COLOUR_TEXT = (  # {among}: ' among all the characters' or ' (p = 1/27)'
    "colour: green when sure and right, pale yellow when no better than a blind "
    "guess{among}, orange-red when surprised (p far below a blind guess)"
)


# a card is CELL_W wide when there is room; narrower cards (down to MIN_CELL_W) stack their
# lines and shrink their font: 16 positions (block_size) fit the example pane at 1280x800
CELL_W, MIN_CELL_W, CELL_H, GAP = 92, 24, 84, 6
COMPACT_W = 58  # narrower than this: 'BOS' over '→ t', numbers without their names


PALE = QColor("#F7F3C6")  # a blind guess's colour


STRIP_TIP = "Click a cell (or use ← →) to see the model's whole prediction there"


def confidence_colour(p: float, vocab_size: int) -> QColor:
    """By surprise −log p against a blind guess's ln V: bluish green at 0 (p = 1), pale
    yellow at ln V (p = 1/V), vermilion from 2 ln V on (p <= 1/V²)."""
    x = min(2.0, -math.log(max(p, 1e-300)) / math.log(vocab_size))
    a, b, t = (theme.GOOD, PALE, x) if x < 1 else (PALE, theme.BAD, x - 1)
    mix = lambda u, v: round(u + (v - u) * t)  # noqa: E731
    return QColor(mix(a.red(), b.red()), mix(a.green(), b.green()), mix(a.blue(), b.blue()))


class ExampleStrip(QWidget):
    """Cells: input → target, p(target) as colour, −log p as a number (or, in the forward
    phase, the model's top guess); click or arrow keys select a position."""

    selected_changed = Signal(int)  # the position clicked or chosen with the arrow keys

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("example_strip")
        self._cells: list[tuple[str, str, float, float]] = []
        self.guesses: list[str] = []  # the top guess per position, if the report has probs
        self.shown = 0  # cells drawn (the forward phase reveals them one by one)
        self.with_loss = True
        self.vocab_size = 2  # colours measure surprise against a blind guess: ln vocab_size
        self.selected: int | None = None
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setToolTip(STRIP_TIP)

    @property
    def cells(self) -> list[tuple[str, str, float, float]]:
        """(input, target, p(target), loss) per position."""
        return list(self._cells)

    def set_cells(self, cells, guesses=(), with_loss=True, shown=None, vocab_size=None) -> None:
        resized = len(cells) != len(self._cells)
        if vocab_size is not None:
            self.vocab_size = vocab_size
            self.setToolTip(f"{STRIP_TIP}\n{COLOUR_TEXT.format(among=f' (p = 1/{vocab_size})')}")
        self._cells = list(cells)
        self.guesses, self.with_loss = list(guesses), with_loss
        self.shown = len(self._cells) if shown is None else shown
        if self.selected is not None and self.selected >= len(self._cells):
            self.selected = None
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

    def cell_rect(self, k: int) -> QRectF:
        cw = self._cell_width()
        return QRectF(GAP + k * (cw + GAP), GAP, cw, CELL_H)

    def cell_lines(self, k: int) -> list[tuple[str, bool]]:
        """Card k's lines, (text, bold), top to bottom: input → target, p, loss or guess."""
        src, dst, p, loss = self._cells[k]
        if self.with_loss:
            last = f"loss {loss:.2f}"
        else:
            last = f"guess {self.guesses[k]}" if k < len(self.guesses) else "loss ?"
        if self._cell_width() >= COMPACT_W:
            return [(f"{src} → {dst}", True), (f"p = {p:.3f}", False), (last, False)]
        last = last.removeprefix("loss ").replace("guess ", "? ")
        return [
            (src, True),
            (f"→ {dst}", True),
            (f"{p:.3f}".removeprefix("0"), False),
            (last, False),
        ]

    def card_fonts(self, lines) -> tuple[QFont, QFont]:
        """(plain, bold) fonts for a card's lines: the widget's, or smaller until every line
        fits the card (at least 6 pt); a roomy card's bold first line is 1.25x larger."""
        font, room = QFont(self.font()), self._cell_width() - 4
        base = font.pointSizeF()
        for f in (1.0, 0.9, 0.8, 0.7, 0.6):
            font.setPointSizeF(max(6.0, base * f))
            bold = QFont(font)
            bold.setBold(True)
            if len(lines) == 3:
                bold.setPointSizeF(font.pointSizeF() * 1.25)
            widths = [QFontMetricsF(bold if b else font).horizontalAdvance(t) for t, b in lines]
            if max(widths) <= room:
                break
        return font, bold

    def reveal_one(self) -> bool:
        """Draw one more cell; False when all are drawn."""
        if self.shown >= len(self._cells):
            return False
        self.shown += 1
        self.update()
        return True

    def cell_at(self, x: float) -> int | None:
        cw = self._cell_width()
        k = int((x - GAP) // (cw + GAP))
        return k if 0 <= k < min(self.shown, len(self._cells)) else None

    def select(self, k: int | None) -> None:
        if k == self.selected:
            return
        self.selected = k
        self.update()
        if k is not None:
            self.selected_changed.emit(k)

    def mousePressEvent(self, event) -> None:
        k = self.cell_at(event.position().x())
        if k is not None:
            self.select(k)
        super().mousePressEvent(event)

    def keyPressEvent(self, event) -> None:
        n = min(self.shown, len(self._cells))
        step = {Qt.Key_Left: -1, Qt.Key_Right: 1}.get(event.key())
        if step is None or not n:
            super().keyPressEvent(event)
            return
        k = 0 if self.selected is None else min(max(self.selected + step, 0), n - 1)
        self.select(k)

    def event(self, event) -> bool:
        if event.type() == event.Type.ShortcutOverride and event.key() in (
            Qt.Key_Left,
            Qt.Key_Right,
        ):
            event.accept()  # ← → walk the cells here, not train a step
            return True
        return super().event(event)

    def paintEvent(self, event) -> None:
        qp = QPainter(self)
        qp.setRenderHint(QPainter.Antialiasing)
        for k in range(min(self.shown, len(self._cells))):
            r = self.cell_rect(k)
            chosen = k == self.selected
            qp.setPen(QPen(theme.HIGHLIGHT, 3) if chosen else QPen(QColor("#888888"), 1))
            qp.setBrush(confidence_colour(self._cells[k][2], self.vocab_size))
            qp.drawRoundedRect(r, 6, 6)
            lines = self.cell_lines(k)
            font, bold = self.card_fonts(lines)
            qp.setPen(QColor("black"))
            row_h = (CELL_H - 8) / len(lines)
            for i, (text, is_bold) in enumerate(lines):
                qp.setFont(bold if is_bold else font)
                qp.drawText(
                    QRectF(r.left(), r.top() + 4 + i * row_h, r.width(), row_h),
                    Qt.AlignCenter,
                    text,
                )
