"""LessonLayout: a lesson arranges the window for itself (its `show:` panes and the lesson
text, all on screen at once) and gives the learner's own layout back when the lessons end.

The learner's layout is kept as QMainWindow.saveState() when the first lesson arranges the
window, and restoreState() gives it back exactly (Back to my layout, or closing the pane)."""

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt, QTimer, Signal

BIG = ("graph", "gradients", "penguins")  # a pane that wants a whole column
LEFT_SHARE = 0.54  # of the window's width, for a big pane beside the lesson and another
ALONE_SHARE = 0.6  # for a big pane beside the lesson alone (its text fits in 40%)
TEXT_SHARE = 0.42  # for the lesson column when no big pane is shown
GRAPH_SHARES = (0.62, 0.7)  # the graph's (beside two, alone): its presets are wide (issue 23)


class LessonLayout(QObject):
    """Arranges `win`'s docks for a lesson; restore() gives the learner's layout back."""

    restored = Signal()

    def __init__(self, win, pane):
        super().__init__(win)
        self.win, self.pane = win, pane
        self.saved: QByteArray | None = None  # the learner's layout while a lesson arranges
        self.in_front: list = []  # its docks that were not a tab behind another
        self.column: list = []  # the lesson's column when it shares it: fitted to its text
        self.dock = win.docks["lessons_pane"]
        self.dock.installEventFilter(self)

    @property
    def arranged(self) -> bool:
        return self.saved is not None

    def keep(self) -> None:
        """Keep the learner's layout (once: until it is restored)."""
        if self.saved is None:
            self.saved = self.win.saveState()
            docks = self.win.docks.values()
            self.in_front = [d for d in docks if not d.visibleRegion().isEmpty()]

    def arrange(self, shown: tuple[str, ...]) -> None:
        """Only the lesson and its `shown` panes, in two columns, the lesson text unscrolled."""
        win, docks = self.win, self.win.docks
        self.keep()
        names = [f"{s}_pane" for s in shown if f"{s}_pane" in docks]
        for name, dock in docks.items():
            dock.setFloating(False)
            if name != "lessons_pane" and name not in names:
                dock.hide()
        big = [n for n in names if n.removesuffix("_pane") in BIG][:1]
        left = big or ["lessons_pane"]
        right = [n for n in ["lessons_pane", *names] if n not in left]
        win.addDockWidget(Qt.LeftDockWidgetArea, docks[left[0]])
        for name in right:
            win.addDockWidget(Qt.RightDockWidgetArea, docks[name], Qt.Vertical)
        for name in left + right:
            docks[name].show()
        shares = GRAPH_SHARES if big == ["graph_pane"] else (LEFT_SHARE, ALONE_SHARE)
        share = shares[len(right) == 1] if big else TEXT_SHARE
        first = round(win.width() * share)
        win.resizeDocks(
            [docks[left[0]], docks[right[0]]], [first, win.width() - first], Qt.Horizontal
        )
        self.dock.raise_()
        column = [docks[n] for n in right]
        self.column = column if big and len(column) > 1 else []
        if self.column:
            self.refit()
        elif "loss_pane" in right and len(column) > 1:  # the loss below the other pane
            h = win.height()
            win.resizeDocks(
                column, [h - h * 2 // 5] + [h * 2 // 5] * (len(column) - 1), Qt.Vertical
            )

    def refit(self) -> None:
        """Fit the lesson dock to its text again, once the layout has settled (after the
        arrangement, and when the check mark appears: the width it was fitted at may have
        changed since, and the text with it)."""
        if self.column:
            QTimer.singleShot(0, self, lambda: self._fit_text(self.column))

    def _fit_text(self, column) -> None:
        """Give the lesson dock (top of `column`) the height its whole text needs."""
        if not self.arranged:
            return
        total = sum(d.height() for d in column)
        chrome = self.dock.height() - self.pane.height()  # the dock's title bar
        need = self.pane.needed_height(self.pane.width()) + chrome
        need = min(need, total - 120 * (len(column) - 1))
        rest = (total - need) // (len(column) - 1)
        self.win.resizeDocks(column, [need] + [rest] * (len(column) - 1), Qt.Vertical)

    def restore(self) -> None:
        """The learner's own layout, exactly as it was before the first lesson arranged."""
        if self.saved is None:
            return
        saved, self.saved = self.saved, None
        self.win.restoreState(saved)
        for dock in self.in_front:  # restoreState keeps the tabs, not which one is in front
            dock.raise_()
        self.restored.emit()

    def eventFilter(self, watched, event) -> bool:
        if watched is self.dock and event.type() == QEvent.Close and self.arranged:
            QTimer.singleShot(0, self, self.restore)  # closing the lessons ends them
        return False
