"""Show me: do a lesson's task through the real widgets, visibly. Each Move waits until its
widget is ready, outlines it for HIGHLIGHT_MS, then uses it (a click, a new value)."""

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

from .. import theme

HIGHLIGHT_MS = 600  # how long a widget is outlined before it is used
POLL_MS = 50  # how often a waiting move looks again whether its widget is ready
GIVE_UP_MS = 120_000  # a move whose widget never becomes ready ends the show


@dataclass
class Move:
    target: Callable[[], QWidget | None]  # the widget to outline
    act: Callable[[], object]  # use it
    ready: Callable[[], bool] = lambda: True  # wait for this first
    again: Callable[[], bool] = lambda: False  # after act: do this move once more?


class Outline(QFrame):
    """A coloured frame over a widget, transparent to the mouse."""

    def __init__(self, window: QWidget):
        super().__init__(window, objectName="lessons_highlight")
        self.setAttribute(Qt.WA_TransparentForMouseEvents)
        self.setStyleSheet(
            f"#lessons_highlight {{ border: 3px solid {theme.HIGHLIGHT.name()}; "
            "border-radius: 4px; background: transparent; }"
        )
        self.hide()

    def cover(self, widget: QWidget) -> None:
        area = widget.parentWidget()
        while area is not None and not isinstance(area, QScrollArea):
            area = area.parentWidget()
        if area is not None:  # e.g. the nudge box, below the graph inspector's plot
            area.ensureWidgetVisible(widget, 8, 8)
        top_left = widget.mapTo(self.parentWidget(), QPoint(0, 0))
        self.setGeometry(
            top_left.x() - 3, top_left.y() - 3, widget.width() + 6, widget.height() + 6
        )
        self.show()
        self.raise_()


class ShowMe(QObject):
    """Plays a list of Moves; `finished` when the last is done (or `failed`, why)."""

    finished = Signal()
    failed = Signal(str)

    def __init__(self, window: QWidget):
        super().__init__(window)
        self.outline = Outline(window)
        self.moves: list[Move] = []
        self.running = False
        self._waited = 0
        self._poll = QTimer(self, singleShot=True, interval=POLL_MS)
        self._poll.timeout.connect(self._next)
        self._use = QTimer(self, singleShot=True)
        self._use.timeout.connect(self._act)

    def play(self, moves: list[Move]) -> None:
        self.stop()
        self.moves, self.running, self._waited = list(moves), True, 0
        self._next()

    def stop(self) -> None:
        self._poll.stop()
        self._use.stop()
        self.outline.hide()
        self.moves, self.running = [], False

    def _next(self) -> None:
        if not self.moves:
            self.stop()
            self.finished.emit()
            return
        move = self.moves[0]
        if not move.ready():
            self._waited += POLL_MS
            if self._waited > GIVE_UP_MS:
                self.stop()
                self.failed.emit("Show me waited too long for the app: try the task by hand.")
            else:
                self._poll.start()
            return
        self._waited = 0
        widget = move.target()
        if widget is not None and widget.isVisible():
            self.outline.cover(widget)
        self._use.start(HIGHLIGHT_MS)

    def _act(self) -> None:
        self.outline.hide()
        if not self.moves:
            return
        move = self.moves[0]
        move.act()  # may end the show (the task is done): then moves is empty
        if self.running and not move.again():
            self.moves.pop(0)
        if self.running:
            self._poll.start()
