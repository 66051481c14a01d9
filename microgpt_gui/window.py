"""MainWindow: builds the panes and the controls, and connects them to the worker."""

import math
import time
from collections import deque

from PySide6.QtCore import QByteArray, QEvent, QSettings, Qt, QThread, QTimer, Signal
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QTabBar,
)

from microgpt import TrainConfig

from . import theme
from .controls import build_actions, build_menus, build_toolbar
from .dialogs import Dialogs
from .panes.example import ExamplePane
from .panes.gradients import GradientsPane
from .panes.graph import GraphPane
from .panes.loss import LossPane
from .panes.sampling import SamplingPane
from .worker import TrainerWorker

RENDER_INTERVAL_MS = 33  # at most ~30 redraws a second, however fast steps arrive
SETTINGS_VERSION = 1


class MainWindow(QMainWindow):
    """The window: panes in docks, the toolbar, the status bar; training runs in the worker."""

    rendered = Signal(int)  # the panes now show this step
    run_shown = Signal(object)  # RunInfo: the panes now show this new, reset or loaded run

    def __init__(self, docs=None, config=None, backend=None, restore_settings=True):
        super().__init__()
        theme.setup_pyqtgraph()
        self.setWindowTitle("microgpt studio")
        self.setObjectName("main_window")
        self.resize(1280, 800)
        self.info = None  # RunInfo of the current run
        self.latest = None  # the last StepReport shown
        self.playing = False
        self.dialogs = Dialogs(self)
        self._config = config or TrainConfig()
        self._backend = backend or "numpy"
        self._pending_points, self._pending_report = [], None
        self._rate = deque(maxlen=64)  # (time, step) while playing, for steps/s
        self._steps_per_s = None
        self._render_timer = QTimer(self, singleShot=True, interval=RENDER_INTERVAL_MS)
        self._render_timer.timeout.connect(self._render)
        self.panes = self._build_panes()
        self.actions_ = build_actions(self)
        build_toolbar(self)
        build_menus(self)
        self._build_status_bar()
        self._start_worker(docs)
        self._default_state = self.saveState(SETTINGS_VERSION)
        if restore_settings:
            self._restore_settings()

    # --- construction ----------------------------------------------------------------

    def _build_panes(self) -> dict:
        panes = {
            "loss_pane": ("Loss", LossPane()),
            "gradients_pane": ("Gradients", GradientsPane()),
            "graph_pane": ("Computation graph", GraphPane()),
            "example_pane": ("Current example", ExamplePane()),
            "sampling_pane": ("Sampling", SamplingPane()),
        }
        self.docks = {}
        for name, (title, widget) in panes.items():
            dock = QDockWidget(title, self)
            dock.setObjectName(name)
            dock.setWidget(widget)
            self.docks[name] = dock
        # Left: the two explorers as tabs, full height. Right: the loss above the
        # current example / sampling tabs (Generate brings its tab forward).
        d = self.docks
        for name in ("gradients_pane", "graph_pane"):
            self.addDockWidget(Qt.LeftDockWidgetArea, d[name])
        for name in ("loss_pane", "example_pane", "sampling_pane"):
            self.addDockWidget(Qt.RightDockWidgetArea, d[name], Qt.Vertical)
        self.tabifyDockWidget(d["gradients_pane"], d["graph_pane"])
        self.tabifyDockWidget(d["example_pane"], d["sampling_pane"])
        d["gradients_pane"].raise_()
        d["example_pane"].raise_()
        self.resizeDocks([d["gradients_pane"], d["loss_pane"]], [690, 590], Qt.Horizontal)
        self.resizeDocks([d["loss_pane"], d["example_pane"]], [290, 430], Qt.Vertical)
        panes["sampling_pane"][1].generate_requested.connect(self._on_sampling_generate_requested)
        return {name: w for name, (_, w) in panes.items()}

    loss = property(lambda self: self.panes["loss_pane"])
    sampling = property(lambda self: self.panes["sampling_pane"])
    example = property(lambda self: self.panes["example_pane"])
    gradients = property(lambda self: self.panes["gradients_pane"])
    graph = property(lambda self: self.panes["graph_pane"])

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_text = QLabel(objectName="status_text")
        self.progress = QProgressBar(objectName="run_progress", maximumWidth=220)
        self.cancel = QPushButton("Cancel", objectName="run_cancel")
        self.cancel.clicked.connect(self.pause)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel)
        bar.addPermanentWidget(self.status_text)
        self.progress.hide()
        self.cancel.hide()
        self._update_status()

    def _start_worker(self, docs) -> None:
        self.thread_ = QThread(self)
        self.thread_.setObjectName("trainer_thread")
        self.worker = TrainerWorker(docs, self._config, self._backend)
        self.worker.moveToThread(self.thread_)
        w = self.worker
        self.thread_.started.connect(w.start)
        self.thread_.finished.connect(w.deleteLater)
        w.run_changed.connect(self._on_worker_run_changed)
        w.progressed.connect(self._on_worker_progressed)
        w.stepped.connect(self._on_worker_stepped)
        w.sampled.connect(self.sampling.on_sampled)
        w.sample_failed.connect(self.sampling.show_error)
        # Every connection goes to a QObject of the GUI thread, so it is queued there;
        # a lambda or a plain object's method would run in the worker thread.
        w.errored.connect(self._on_worker_errored)
        w.diverged.connect(self._on_worker_diverged)
        w.saved.connect(self._on_worker_saved)
        w.playing_changed.connect(self._on_worker_playing_changed)
        w.run_progressed.connect(self._on_worker_run_progressed)
        w.backend_changed.connect(self._on_worker_backend_changed)
        self.thread_.start()

    # --- commands (GUI thread: emit to the worker, never call into the trainer) --------

    def step(self) -> None:
        """Exactly one iteration (queued if one is running)."""
        if not self.playing:
            self.worker.step_requested.emit()

    def play(self, n: int = 0) -> None:
        """Play to the end (n = 0) or for n steps."""
        if not self.playing:
            self._set_playing(True)
            self.worker.play_requested.emit(n)

    def pause(self) -> None:
        self.worker.request_stop()

    def toggle_play(self, on: bool) -> None:
        self.play() if on else self.pause()

    def run_n(self) -> None:
        left = self._num_steps() - self._step()
        if left <= 0:
            self.statusBar().showMessage("All steps are done: Reset to train again.", 5000)
            return
        n = self.dialogs.ask_int(
            "Run N steps", f"How many steps? (up to {left})", min(100, left), 1, left
        )
        if n:
            self.progress.setRange(0, n)
            self.progress.setValue(0)
            self.progress.show()
            self.cancel.show()
            self.play(n)

    def reset(self, **spec) -> None:
        """A new run from the current settings (seed and lr from the toolbar)."""
        spec.setdefault("config", self.toolbar_config())
        spec.setdefault("backend", self.backend_box.currentData())
        self.worker.request_stop()
        self.worker.reset_requested.emit(spec)

    def toolbar_config(self) -> TrainConfig:
        from dataclasses import replace

        base = self.info.config if self.info else self._config
        return replace(base, seed=self.seed_box.value(), learning_rate=self.lr_box.value())

    def generate(self) -> None:
        self.docks["sampling_pane"].raise_()
        self.sampling.request()

    def worker_lr_changed(self, lr: float) -> None:
        self.worker.lr_requested.emit(lr)

    def worker_backend_changed(self, _index: int) -> None:
        self.worker.backend_requested.emit(self.backend_box.currentData())

    def _on_sampling_generate_requested(self, req: dict) -> None:
        self.worker.sample_requested.emit(req)

    # --- results from the worker ---------------------------------------------------

    def _on_worker_run_changed(self, info) -> None:
        self.info, self.latest = info, None
        self._pending_points, self._pending_report = [], None
        self._rate.clear()
        self._steps_per_s = None
        for pane in self.panes.values():
            if hasattr(pane, "on_reset"):
                pane.on_reset(info)
        self.sync_toolbar(info)
        self._update_status()
        self.run_shown.emit(info)
        self.rendered.emit(info.step)

    def _on_worker_progressed(self, points) -> None:
        self._pending_points.extend(points)
        if not self._render_timer.isActive():
            self._render_timer.start()

    def _on_worker_stepped(self, report) -> None:
        self._pending_report = report
        if not self._render_timer.isActive():
            self._render_timer.start()

    def _render(self) -> None:
        """Hand everything that arrived since the last redraw to the panes, once."""
        # the worker rests until the posted repaints have run (a zero timer comes after)
        self.worker.redraw_started()  # released in event() once the repaint has run
        points, report = self._pending_points, self._pending_report
        self._pending_points, self._pending_report = [], None
        if points:
            for pane in self.panes.values():
                if hasattr(pane, "on_points"):
                    pane.on_points(points)
            if self.playing:
                self._rate.append((time.perf_counter(), points[-1].step))
        if report is not None:
            self.latest = report
            for pane in self.panes.values():
                if hasattr(pane, "on_report"):
                    pane.on_report(report)
            if not self.playing:
                busy = sum(report.timings.values())
                self._steps_per_s = 1 / busy if busy > 0 else None
        self._update_status(points[-1] if points else None)
        self.rendered.emit(self._step())

    def event(self, event) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.UpdateRequest:  # Qt painted every dirty child just now
            self.worker.redraw_finished()
        elif event.type() in (QEvent.LayoutRequest, QEvent.Show, QEvent.Resize):
            QTimer.singleShot(0, self._hide_stray_tab_bars)
        return handled

    def _hide_stray_tab_bars(self) -> None:
        """Qt 6.11 leaves a stray copy of a dock tab bar after a second tabified group
        (a minimal QMainWindow shows it too): hide any tab bar that is not directly
        below a dock it names."""
        docks = [d for d in self.docks.values() if d.isVisible() and not d.isFloating()]
        for bar in self.findChildren(QTabBar):
            if bar.parent() is not self or not bar.isVisible():
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

    def _on_worker_playing_changed(self, playing: bool, why: str) -> None:
        self._set_playing(playing)
        if not playing:
            self.progress.hide()
            self.cancel.hide()
            if why == "finished" and self._step() >= self._num_steps():
                self.statusBar().showMessage(
                    f"All {self._num_steps()} steps done. Reset (R) to train again, or raise "
                    "the number of steps in Training → Settings.",
                    8000,
                )

    def _on_worker_run_progressed(self, done: int, asked: int) -> None:
        self.progress.setMaximum(asked)
        self.progress.setValue(done)

    def _on_worker_backend_changed(self, name: str) -> None:
        self._backend = name
        self._update_status()

    def _on_worker_errored(self, message: str) -> None:
        self.dialogs.error(message)

    def _on_worker_saved(self, path: str) -> None:
        self.statusBar().showMessage(f"Saved {path}", 5000)

    def _on_worker_diverged(self, message: str) -> None:
        self._set_playing(False)
        self.statusBar().showMessage(message)
        self.dialogs.notice("Training diverged", message)

    # --- state shown in the controls ----------------------------------------------

    def _set_playing(self, on: bool) -> None:
        self.playing = on
        play = self.actions_["play"]
        play.blockSignals(True)
        play.setChecked(on)
        play.blockSignals(False)
        play.setText("Pause" if on else "Play")
        self.actions_["step"].setEnabled(not on)
        self.actions_["run_n"].setEnabled(not on)
        if not on:
            self._rate.clear()

    def sync_toolbar(self, info) -> None:
        for box, value in (
            (self.lr_box, info.config.learning_rate),
            (self.seed_box, info.config.seed),
        ):
            box.blockSignals(True)
            box.setValue(value)
            box.blockSignals(False)
        self._backend = info.backend
        i = self.backend_box.findData(info.backend)
        self.backend_box.blockSignals(True)
        self.backend_box.setCurrentIndex(max(i, 0))
        self.backend_box.blockSignals(False)

    def _step(self) -> int:
        if self.latest is not None and self.info is not None:
            return max(self.latest.step, self.info.step)
        return self.info.step if self.info else 0

    def _num_steps(self) -> int:
        return (self.info.config if self.info else self._config).num_steps

    def _update_status(self, point=None) -> None:
        if len(self._rate) >= 2:
            (t0, s0), (t1, s1) = self._rate[0], self._rate[-1]
            if t1 > t0:
                self._steps_per_s = (s1 - s0) / (t1 - t0)
        step, loss, lr = self._step(), None, None
        if point is not None:
            step, loss, lr = max(step, point.step), point.loss, point.lr
        elif self.latest is not None:
            loss, lr = self.latest.loss, self.latest.lr
        elif self.info is not None and self.info.history:
            loss, lr = self.info.history[-1].loss, self.info.history[-1].lr
        fmt = lambda v, f: "–" if v is None or not math.isfinite(v) else format(v, f)  # noqa: E731
        self.status_text.setText(
            f"step {step} / {self._num_steps()} · loss {fmt(loss, '.4f')} · lr {fmt(lr, '.5f')}"
            f" · {fmt(self._steps_per_s, '.1f')} steps/s · {self._backend}"
        )

    # --- settings and closing -------------------------------------------------------

    def _settings(self) -> QSettings:
        return QSettings("microgpt", "studio")

    def _restore_settings(self) -> None:
        s = self._settings()
        geometry, state = s.value("window/geometry"), s.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state, SETTINGS_VERSION)

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, SETTINGS_VERSION)

    def closeEvent(self, event) -> None:
        s = self._settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState(SETTINGS_VERSION))
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self, timeout_ms: int = 3000) -> bool:
        """Stop the worker at its next step boundary and end its thread."""
        if not self.thread_.isRunning():
            return True
        self.worker.request_stop()
        self.worker.shutdown_requested.emit()
        self.thread_.quit()
        return self.thread_.wait(timeout_ms)
