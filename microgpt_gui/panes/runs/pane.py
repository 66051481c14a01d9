"""RunsPane: every run of this session (the current one and those kept by a branch or a
Reset): name, settings, steps reached, final and best smoothed loss; shown or hidden in
the loss plot, renamed, deleted."""

import numpy as np
from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from microgpt import StepPoints
from microgpt.runs import RunRecord, TimelineInfo
from microgpt_gui import theme
from microgpt_gui.panes.loss.pane import SMOOTH_COLOUR, Smoothed
from microgpt_gui.run.state import RunState
from microgpt_gui.text import plain_tooltip

# kept runs' colours, by run id; the current run is always the loss pane's blue
RUN_COLOURS = [theme.PLOT_PENS[i] for i in (5, 2, 3, 7, 1, 8)]
COLUMNS = ("run", "steps", "final", "best", "settings")  # settings last: long
HELP = (
    "Every run of this session. Going back to a step and changing the learning rate or the "
    "backend starts a new run; the old one is kept here, as is the run before a Reset. "
    "Tick a run to draw it in the loss plot; double-click a name to rename it."
)


def run_colour(run: RunRecord) -> str:
    return SMOOTH_COLOUR if run.current else RUN_COLOURS[run.id % len(RUN_COLOURS)]


def smoothed_stats(loss: np.ndarray, weight: float) -> tuple[float, float]:
    """The last and the lowest value of the smoothed loss (nan, nan for no steps)."""
    if not len(loss):
        return float("nan"), float("nan")
    values = Smoothed(weight).extend(np.asarray(loss))
    return float(values[-1]), float(values.min())


class RunsPane(QWidget):
    """The runs list; ticks choose what the loss plot overlays."""

    shown_changed = Signal(object)  # tuple[RunRecord, ...]: the kept runs to draw
    rename_requested = Signal(int, str)  # run id, new name
    delete_requested = Signal(int)
    export_requested = Signal()

    def __init__(self, run: RunState, parent=None):
        super().__init__(parent)
        self.run = run
        self.weight = 0.9  # the loss pane's smoothing (set_smoothing)
        self.runs: tuple[RunRecord, ...] = ()
        self.hidden: set[int] = set()  # ids of kept runs not drawn
        self._live = Smoothed(self.weight)  # the current run beyond its record, as it trains
        self._best = float("nan")
        self.list = QTreeWidget(objectName="runs_list")
        self.list.setColumnCount(len(COLUMNS))
        self.list.setHeaderLabels(list(COLUMNS))
        self.list.setRootIsDecorated(False)
        self.list.setSelectionMode(QAbstractItemView.SingleSelection)
        self.list.setEditTriggers(
            QAbstractItemView.DoubleClicked | QAbstractItemView.EditKeyPressed
        )
        self.list.setToolTip(HELP)
        for col, tip in (
            (1, "Steps reached: the furthest step of the run"),
            (2, "The smoothed loss at its furthest step (the loss pane's smoothing)"),
            (3, "The lowest smoothed loss of the run"),
        ):
            self.list.headerItem().setToolTip(col, tip)
        self.list.itemChanged.connect(self._on_list_item_changed)
        self.list.currentItemChanged.connect(self._on_list_current_changed)
        self.delete = QPushButton("Delete", objectName="runs_delete", enabled=False)
        self.delete.setToolTip("Forget the selected run (not the current one)")
        self.delete.clicked.connect(self._on_delete_clicked)
        self.export = QPushButton("Export shown…", objectName="runs_export")
        self.export.setToolTip("The losses of the shown runs as one CSV: step, run, loss")
        self.export.clicked.connect(self.export_requested)
        row = QHBoxLayout()
        row.addWidget(QLabel("Tick a run to draw it in the loss plot"), 1)
        row.addWidget(self.delete)
        row.addWidget(self.export)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        run.timeline_changed.connect(self._on_run_timeline_changed)
        run.advanced.connect(self._on_run_advanced)

    # --- reading ----------------------------------------------------------------------

    def shown(self) -> tuple[RunRecord, ...]:
        """The kept runs ticked to be drawn."""
        return tuple(r for r in self.runs if not r.current and r.id not in self.hidden)

    def current_loss(self) -> np.ndarray:
        """The current run's loss up to the furthest step it reached."""
        record = self.runs[0].loss if self.runs else np.zeros(0)
        live = self.run.history.loss
        return live if len(live) > len(record) else record

    def set_smoothing(self, weight: float) -> None:
        self.weight = weight
        self._fill()

    # --- the run ------------------------------------------------------------------------

    def _on_run_timeline_changed(self, info: TimelineInfo) -> None:
        self.runs = info.runs
        ids = {r.id for r in info.runs}
        self.hidden &= ids
        self._fill()
        self.shown_changed.emit(self.shown())

    def _on_run_advanced(self, points: StepPoints) -> None:
        """The current run trains past its record: its row follows (O(new steps))."""
        if not self.runs or points.last <= self._live.n:
            return
        new = points.loss[self._live.n - points.first + 1 :]
        values = self._live.extend(new)
        self._best = float(np.nanmin([self._best, values.min()]))
        self._set_numbers(self.list.topLevelItem(0), self._live.n, values[-1], self._best)

    def _fill(self) -> None:
        with QSignalBlocker(self.list):
            self.list.clear()
            for r in self.runs:
                self.list.addTopLevelItem(self._item(r))
        for i in range(len(COLUMNS) - 1):
            self.list.resizeColumnToContents(i)
        self._restart_live()
        self.delete.setEnabled(False)

    def _restart_live(self) -> None:
        """Smooth the current run's whole known loss once; later steps come by advanced."""
        self._live = Smoothed(self.weight)
        loss = self.current_loss()
        if len(loss):
            values = self._live.extend(np.asarray(loss))
            self._best = float(values.min())

    def _item(self, r: RunRecord) -> QTreeWidgetItem:
        item = QTreeWidgetItem([r.name])
        item.setData(0, Qt.UserRole, r.id)
        item.setData(0, Qt.DecorationRole, QColor(run_colour(r)))
        flags = item.flags() | Qt.ItemIsEditable
        if r.current:
            font = QFont(item.font(0))
            font.setBold(True)
            item.setFont(0, font)
            item.setToolTip(0, "The current run: always drawn")
        else:
            item.setToolTip(0, plain_tooltip(r.name))  # a name is the learner's text: plain
            flags |= Qt.ItemIsUserCheckable
            shown = Qt.Unchecked if r.id in self.hidden else Qt.Checked
            item.setCheckState(0, shown)
        item.setFlags(flags)
        origin = f" · {r.origin}" if r.origin else ""
        item.setText(4, r.settings + origin)
        item.setToolTip(4, plain_tooltip(r.settings + origin))  # origin quotes a run name
        loss = self.current_loss() if r.current else r.loss
        final, best = smoothed_stats(loss, self.weight)
        self._set_numbers(item, len(loss), final, best)
        return item

    def _set_numbers(self, item, steps: int, final: float, best: float) -> None:
        if item is None:
            return
        with QSignalBlocker(self.list):
            item.setText(1, f"{steps:,}")
            for col, value in ((2, final), (3, best)):
                item.setText(col, "–" if value != value else f"{value:.4f}")
            for col in (1, 2, 3):
                item.setTextAlignment(col, Qt.AlignRight | Qt.AlignVCenter)

    # --- the user ---------------------------------------------------------------------

    def _on_list_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        run_id = item.data(0, Qt.UserRole)
        record = next((r for r in self.runs if r.id == run_id), None)
        if record is None or column != 0:
            return
        if item.text(0) != record.name:
            self.rename_requested.emit(run_id, item.text(0))
        if not record.current:
            hidden = item.checkState(0) == Qt.Unchecked
            if hidden != (run_id in self.hidden):
                self.hidden ^= {run_id}
                self.shown_changed.emit(self.shown())

    def _on_list_current_changed(self, item, _previous) -> None:
        current = item is not None and self.list.indexOfTopLevelItem(item) == 0
        self.delete.setEnabled(item is not None and not current)

    def _on_delete_clicked(self) -> None:
        item = self.list.currentItem()
        if item is not None and self.list.indexOfTopLevelItem(item) > 0:
            self.delete_requested.emit(item.data(0, Qt.UserRole))
