"""ExperimentsPane: sweep a setting in other processes; results table, plot and samples.

The GUI thread only draws what arrives: a QTimer polls the sweep's futures and progress
files (never waiting), so the window stays responsive while the pool trains. Pass a process
executor: a thread of this process that triggers the cyclic GC may free Qt objects off the
GUI thread.
"""

import concurrent.futures as cf
import os

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from microgpt import default_docs
from microgpt.lab import Sweep, compute_baselines, make_split
from microgpt.lab.sweep import default_executor
from microgpt.lab.table import row, value_text, write_csv

from .experiment import Experiment
from .form import SweepForm
from .plot import ExperimentsPlot

COLUMNS = ("value", "progress", "parameters", "held-out loss", "train loss", "time (s)", "% new")
POLL_MS = 200
HELP = (
    "Train one small model per value of a setting, side by side in other processes, and "
    "score each on the same 500 held-out names it never trained on. Dashed lines: what "
    "counting letter pairs (bigram) and triples (trigram) score."
)


class ExperimentsPane(QWidget):
    """experiments_pane; executor None: a process pool sized to the cores, made at the first
    Run and kept until shutdown()."""

    experiment_finished = Signal(object)  # Experiment, done or cancelled

    def __init__(self, executor: cf.Executor | None = None, docs=None, parent=None):
        super().__init__(parent)
        self.setObjectName("experiments_pane")
        self.executor = executor
        self.split = make_split(docs if docs is not None else default_docs())
        self.experiments: list[Experiment] = []
        self.sweep: Sweep | None = None
        self.running: Experiment | None = None
        self._pool: cf.Executor | None = None  # a sweep's own pool, when none was passed in
        self._baselines: cf.Future | None = None  # the running experiment's, from the pool
        self.form = SweepForm(len(self.split.train))
        self.run_button = QPushButton("Run", objectName="experiments_run")
        self.cancel_button = QPushButton("Cancel", objectName="experiments_cancel")
        self.cancel_button.setEnabled(False)
        self.message = QLabel(HELP, objectName="experiments_message", wordWrap=True)
        self.message.setTextFormat(Qt.PlainText)
        self.list = QListWidget(objectName="experiments_list")
        self.delete_button = QPushButton("Delete", objectName="experiments_delete")
        self.export_button = QPushButton("Export CSV…", objectName="experiments_export")
        self.table = QTableWidget(0, len(COLUMNS), objectName="experiments_table")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.plot = ExperimentsPlot()
        self.samples = QPlainTextEdit(objectName="experiments_samples", readOnly=True)
        self.samples.setPlaceholderText("Click a row to read its names beside counting's")
        self.timer = QTimer(self, interval=POLL_MS)
        self._layout()
        self.run_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.delete_button.clicked.connect(self.delete_current)
        self.export_button.clicked.connect(self.export)
        self.list.currentRowChanged.connect(lambda _: self._redraw())
        self.list.itemChanged.connect(self._on_list_item_changed)
        self.table.itemSelectionChanged.connect(self._show_samples)
        self.timer.timeout.connect(self.poll)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.cancel)

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        for b in (self.run_button, self.cancel_button):
            buttons.addWidget(b)
        buttons.addWidget(self.message, 1)
        side = QVBoxLayout()
        side.addWidget(QLabel("Experiments (tick to plot)"))
        side.addWidget(self.list, 1)
        row_ = QHBoxLayout()
        row_.addWidget(self.delete_button)
        row_.addWidget(self.export_button)
        side.addLayout(row_)
        top, bottom = QWidget(), QSplitter(Qt.Horizontal)
        top_lay = QHBoxLayout(top)
        top_lay.setContentsMargins(0, 0, 0, 0)
        top_lay.addLayout(side, 1)
        top_lay.addWidget(self.table, 3)
        bottom.addWidget(self.plot)
        bottom.addWidget(self.samples)
        bottom.setSizes([600, 260])
        split = QSplitter(Qt.Vertical)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setSizes([220, 380])
        lay = QVBoxLayout(self)
        lay.addWidget(self.form)
        lay.addLayout(buttons)
        lay.addWidget(split, 1)

    # --- running a sweep ------------------------------------------------------------

    def start(self) -> None:
        """Run the form's sweep; a bad value is a message, nothing is lost."""
        if self.sweep is not None:
            return
        try:
            specs = self.form.specs()
        except ValueError as e:
            self.message.setText(str(e).removeprefix("--values: "))
            return
        axis = specs[0].axis
        n = max(s.n_train for s in specs)
        exp = Experiment(axis, specs)
        exp.progress = [0.0] * len(specs)
        self.experiments.append(exp)
        self.running = exp
        # counting is pure Python (45-80 ms on the whole split): it runs in the pool, first,
        # so the click returns at once; the plot draws its lines when it arrives
        if self.executor is None and self._pool is None:  # kept for the next Run (~30 ms)
            self._pool = default_executor(os.cpu_count() or 1)  # one worker per core
        pool = self.executor or self._pool
        self._baselines = pool.submit(compute_baselines, self.split, n_train=n)
        self.sweep = Sweep(specs, self.split, pool)
        self._add_list_item(exp)
        self._set_running(True)
        self.message.setText(f"Training {len(specs)} models…")
        self.timer.start()

    def poll(self) -> None:
        """Draw what arrived: finished runs and progress. Never waits on the pool."""
        sweep, exp = self.sweep, self.running
        if sweep is None or exp is None:
            return
        arrived = sweep.poll()
        for r in arrived:
            exp.results[r.index] = r
        arrived = arrived or self._take_baselines(exp)
        exp.progress = sweep.progress()
        if sweep.done:
            self._finish("cancelled" if sweep.cancelled else "done")
            return
        # progress alone refreshes the table; the plot is rebuilt only when something arrived
        self._redraw(tables_only=not arrived or exp is not self.current())

    def _take_baselines(self, exp: Experiment, wait: bool = False) -> bool:
        """Give exp its counting baselines once the pool has them; True if they arrived."""
        f = self._baselines
        if exp.baselines is not None or f is None or f.cancelled() or not (wait or f.done()):
            return False
        if f.exception() is None:  # waits, with wait, only for a run that has not finished
            exp.baselines = f.result()
        return exp.baselines is not None

    def cancel(self) -> None:
        if self.sweep is not None:
            self.sweep.cancel()
            self._finish("cancelled")

    def shutdown(self) -> None:
        """Cancel the running sweep and free the pool (the window is closing)."""
        self.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def _finish(self, state: str) -> None:
        sweep, exp = self.sweep, self.running
        self.timer.stop()
        self._take_baselines(exp, wait=state == "done")
        self.sweep = self.running = self._baselines = None
        sweep.close(wait=False)
        exp.state = state
        self._set_running(False)
        done = len(exp.results)
        self.message.setText(f"{exp.name}: {done} of {len(exp.specs)} runs {state}.")
        self._redraw()
        self.experiment_finished.emit(exp)

    def _set_running(self, running: bool) -> None:
        self.run_button.setEnabled(not running)
        self.cancel_button.setEnabled(running)
        self.form.setEnabled(not running)

    # --- the experiments list -------------------------------------------------------

    def _add_list_item(self, exp: Experiment) -> None:
        item = QListWidgetItem(exp.name)
        item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
        item.setCheckState(Qt.Checked)
        item.setData(Qt.UserRole, exp.id)
        with QSignalBlocker(self.list):
            self.list.addItem(item)
            self.list.setCurrentItem(item)
        # the plot is rebuilt after the click has been drawn: the two together held the GUI
        # thread ~70 ms (scripts/bench_lab_gui.py), each alone stays under 50
        QTimer.singleShot(0, self, self._redraw)

    def current(self) -> Experiment | None:
        item = self.list.currentItem()
        if item is None:
            return None
        return next(e for e in self.experiments if e.id == item.data(Qt.UserRole))

    def _on_list_item_changed(self, item: QListWidgetItem) -> None:
        exp = next(e for e in self.experiments if e.id == item.data(Qt.UserRole))
        exp.shown = item.checkState() == Qt.Checked
        self._redraw()

    def delete_current(self) -> None:
        exp = self.current()
        if exp is None or exp is self.running:
            return
        self.experiments.remove(exp)
        self.list.takeItem(self.list.currentRow())
        self._redraw()

    def export(self, path: str | None = None) -> None:
        """Every experiment's runs as CSV (asks for a file unless path is given)."""
        if not path:
            path, _ = QFileDialog.getSaveFileName(self, "Export experiments", "", "CSV (*.csv)")
        if path:
            try:
                write_csv(path, [(e.name, list(e.results.values())) for e in self.experiments])
            except OSError as err:
                self.message.setText(f"could not write {path}: {err.strerror or err}")
                return
            self.message.setText(f"Wrote {len(self.experiments)} experiments to {path}")

    # --- drawing --------------------------------------------------------------------

    def _redraw(self, tables_only: bool = False) -> None:
        exp = self.current()
        if not tables_only:
            self.plot.show_experiments(self.experiments, exp)
        self._fill_table(exp)

    def _fill_table(self, exp: Experiment | None) -> None:
        specs = exp.specs if exp else []
        selected = self.table.currentRow()
        with QSignalBlocker(self.table):
            self.table.setRowCount(len(specs))
            for i, spec in enumerate(specs):
                r = exp.results.get(i)
                cells = list(row(r)) if r else [value_text(spec.value), "", "", "", "", ""]
                cells.insert(1, exp.status(i))
                for j, text in enumerate(cells):
                    item = self.table.item(i, j)
                    if item is None:
                        self.table.setItem(i, j, QTableWidgetItem(text))
                    elif item.text() != text:
                        item.setText(text)
            self.table.resizeColumnsToContents()
        if 0 <= selected < len(specs):
            self.table.selectRow(selected)

    def _show_samples(self) -> None:
        exp, i = self.current(), self.table.currentRow()
        r = exp.results.get(i) if exp else None
        if r is None or exp.baselines is None:
            self.samples.setPlainText("")
            return
        b = exp.baselines
        gpt = [f"{s}  ({k})" for s, k in zip(r.samples, r.kinds)]
        self.samples.setPlainText(
            "\n".join(
                [
                    f"GPT, {r.spec.axis} {row(r)[0]}:",
                    *gpt,
                    "",
                    "bigram counting:",
                    *b.bigram_samples,
                    "",
                    "trigram counting:",
                    *b.trigram_samples,
                ]
            )  # fmt: skip
        )
