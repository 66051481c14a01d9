"""The default dock layout, and a work-around for a Qt 6.11 dock tab bar bug."""

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QDockWidget, QMainWindow, QTabBar

# Left: the two explorers as tabs, full height. Right: the loss above the current
# example / sampling tabs (Generate brings its tab forward); the lessons are a tab behind the
# loss (Help → Lessons brings them forward).
LEFT = ("gradients_pane", "graph_pane", "penguins_pane", "experiments_pane")
RIGHT = ("loss_pane", "lessons_pane", "example_pane", "sampling_pane", "runs_pane")


def build_docks(win: QMainWindow, panes: dict) -> dict[str, QDockWidget]:
    """A dock per (name -> (title, widget)), placed in the default layout."""
    docks = {}
    for name, (title, widget) in panes.items():
        dock = QDockWidget(title, win, objectName=name)
        dock.setWidget(widget)
        docks[name] = dock
    for name in LEFT:
        win.addDockWidget(Qt.LeftDockWidgetArea, docks[name])
    for name in RIGHT:
        win.addDockWidget(Qt.RightDockWidgetArea, docks[name], Qt.Vertical)
    win.tabifyDockWidget(docks["gradients_pane"], docks["graph_pane"])
    win.tabifyDockWidget(docks["graph_pane"], docks["penguins_pane"])
    win.tabifyDockWidget(docks["penguins_pane"], docks["experiments_pane"])
    win.tabifyDockWidget(docks["example_pane"], docks["sampling_pane"])
    win.tabifyDockWidget(docks["sampling_pane"], docks["runs_pane"])
    win.tabifyDockWidget(docks["loss_pane"], docks["lessons_pane"])
    docks["loss_pane"].raise_()
    docks["gradients_pane"].raise_()
    docks["example_pane"].raise_()
    share_space(win, docks, 1280, 800)
    return docks


def share_space(win: QMainWindow, docks: dict[str, QDockWidget], width: int, height: int):
    """The default split of a width x height window: the explorers on the left get 54%."""
    left = round(width * 0.54)
    win.resizeDocks(
        [docks["gradients_pane"], docks["loss_pane"]], [left, width - left], Qt.Horizontal
    )
    top = round(height * 0.4)
    win.resizeDocks([docks["loss_pane"], docks["example_pane"]], [top, height - top], Qt.Vertical)


class StrayTabBars(QObject):
    """Qt 6.11 leaves a stray copy of a dock tab bar after a second tabified group (a
    minimal QMainWindow shows it too): hide any tab bar that is not directly below a dock
    it names. Checked when docks move or the window shows or resizes, not on every
    LayoutRequest (a label's new text during Play made one, and each check repainted)."""

    def __init__(self, win: QMainWindow, docks: dict[str, QDockWidget]):
        super().__init__(win)
        self.win, self.docks = win, docks
        for dock in docks.values():
            dock.dockLocationChanged.connect(self.check)
            dock.topLevelChanged.connect(self.check)
            dock.visibilityChanged.connect(self.check)

    def check(self, *_) -> None:
        QTimer.singleShot(0, self, self._hide)  # cancelled if we are gone by then

    def _hide(self) -> None:
        docks = [d for d in self.docks.values() if d.isVisible() and not d.isFloating()]
        for bar in self.win.findChildren(QTabBar):
            if bar.parent() is not self.win or not bar.isVisible():
                continue
            titles = {bar.tabText(i) for i in range(bar.count())}
            owned = any(
                d.windowTitle() in titles
                and d.x() == bar.x()
                and abs(d.geometry().bottom() + 1 - bar.y()) <= 3
                for d in docks
            )
            if not owned:
                bar.hide()
