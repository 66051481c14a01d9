"""ViewRoom: the graph pane lends the height of its lower part (editor and inspector) to the
graph view while the graph needs it to be seen whole at Fit's smallest zoom (issue 23)."""

from PySide6.QtCore import QEvent, QObject, QTimer

MIN_BELOW = 200  # px the editor and inspector keep: the preset list, four lines, the nudge


class ViewRoom(QObject):
    """Moves `split`'s handle (view above, the rest below) by what the view's graph needs;
    gives the room back when a smaller graph comes. A drag by the learner ends the loan."""

    def __init__(self, split, view):
        super().__init__(split)
        self.split, self.view = split, view
        self.lent = 0  # px moved from below to above, by us
        split.splitterMoved.connect(self._forget)
        split.installEventFilter(self)

    def _forget(self, *_) -> None:
        self.lent = 0  # the learner placed the handle: it is theirs now

    def update(self) -> None:
        """Lend (or give back) the height the graph needs, within MIN_BELOW."""
        sizes = self.split.sizes()
        if len(sizes) != 2 or not self.split.isVisible() or sum(sizes) <= 0:
            return
        top, below = sizes
        need = self.view.wanted_height() - self.view.height()  # > 0: too short
        lend = max(0, min(self.lent + need, below + self.lent - MIN_BELOW))
        if lend != self.lent:
            move, self.lent = lend - self.lent, lend
            self.split.setSizes([top + move, below - move])

    def eventFilter(self, watched, event) -> bool:
        if event.type() in (QEvent.Resize, QEvent.Show):
            QTimer.singleShot(0, self, self.update)  # once the splitter placed its parts
        return False
