"""MainWindow: builds the panes and the controls, and wires them to the run and the worker."""

import threading
from dataclasses import replace

from PySide6.QtCore import QEvent, Qt, QThread
from PySide6.QtWidgets import QMainWindow, QProgressBar, QPushButton

from microgpt import TrainConfig
from microgpt.report import cell_name
from microgpt_gui import theme
from microgpt_gui.lessons.driver import LessonDriver
from microgpt_gui.lessons.layout import LessonLayout
from microgpt_gui.panes.example.pane import ExamplePane
from microgpt_gui.panes.experiments import ExperimentsPane
from microgpt_gui.panes.gradients.pane import GradientsPane
from microgpt_gui.panes.graph.pane import GraphPane
from microgpt_gui.panes.lessons.pane import MIN_HEIGHT as LESSONS_HEIGHT
from microgpt_gui.panes.lessons.pane import LessonsPane
from microgpt_gui.panes.loss.pane import LossPane
from microgpt_gui.panes.penguins.pane import PenguinsPane
from microgpt_gui.panes.runs.pane import RunsPane
from microgpt_gui.panes.sampling.pane import SamplingPane
from microgpt_gui.run.commands import (
    BackendRequest,
    LearningRateRequest,
    PlayRequest,
    ResetRequest,
    SampleRequest,
    ShutdownRequest,
    SpeedRequest,
    StepRequest,
    TraceRequest,
)
from microgpt_gui.run.state import RunState
from microgpt_gui.run.worker import TrainerWorker
from microgpt_gui.text import elided

from . import settings
from .actions import build_actions, build_menus
from .dialogs import Dialogs
from .docks import StrayTabBars, build_docks, share_space
from .status import StatusLine
from .time_travel import TimeTravel
from .toolbar import TrainingToolbar

SHUTDOWN_WAIT_MS = 5000  # a step or a sample gives up within ~0.1 s of the close
_ORPHANS: list[QThread] = []  # threads that would not stop: kept alive, never destroyed running


class MainWindow(QMainWindow):
    """The window: panes in docks, the toolbar, the status bar; training runs in the worker."""

    def __init__(self, docs=None, config=None, backend=None, restore_settings=True, speed=...):
        super().__init__()
        try:
            self._build(docs, config, backend, restore_settings, speed)
        except BaseException:  # the threads started so far end before the error goes up
            self.shutdown()
            raise

    def _build(self, docs, config, backend, restore_settings, speed) -> None:
        theme.setup_pyqtgraph()
        self.setWindowTitle("microgpt studio")
        self.setObjectName("main_window")
        self.resize(1280, 800)
        self.playing = False  # set at once on Play, so a second press cannot queue another
        self.dialogs = Dialogs(self)
        self._config = config or TrainConfig()
        self._progress_from = 0  # Run N: the step it started at
        self._gate = threading.Event()
        self.run = RunState(self._gate, self)
        self.panes = self._build_panes()
        self.toolbar = TrainingToolbar(self)
        self.time_travel = TimeTravel(self)
        self.actions_ = build_actions(self)
        names = ("reset", "step", "step_phase", "play", "run_n")
        self.toolbar.add_run_actions([self.actions_[n] for n in names])
        self.addToolBar(self.toolbar)
        self.time_travel.install(self.actions_)
        build_menus(self)
        self.lessons.attach(
            LessonDriver(self), self._bring_lessons_forward, LessonLayout(self, self.lessons)
        )
        self._build_status_bar()
        self._wire_run()
        self._start_worker(docs, backend or "numpy")
        self._default_state = self.saveState(settings.VERSION)
        self._layout_restored = False  # the first show shares the real size out (if not)
        if restore_settings:
            self._layout_restored = settings.restore(self)
            self.lessons.open_on_first_launch(settings.first_lessons_launch)
        if speed is not ...:
            self.toolbar.set_speed(speed)
        self._on_toolbar_speed_chosen(self.toolbar.speed)

    # --- construction ----------------------------------------------------------------

    def _build_panes(self) -> dict:
        run = self.run
        panes = {
            "loss_pane": ("Loss", LossPane(run)),
            "gradients_pane": ("Gradients", GradientsPane(run)),
            "graph_pane": ("Computation graph", GraphPane()),
            "penguins_pane": ("Penguins", PenguinsPane(self)),  # its thread: ours to stop
            "experiments_pane": ("Scale lab", ExperimentsPane()),
            "example_pane": ("Current example", ExamplePane(run)),
            "sampling_pane": ("Sampling", SamplingPane(run)),
            "runs_pane": ("Runs", RunsPane(run)),
            "lessons_pane": ("Lessons", LessonsPane()),
        }
        self.docks = build_docks(self, panes)
        self.tab_bars = StrayTabBars(self, self.docks)
        panes["sampling_pane"][1].generate_requested.connect(self._on_sampling_generate_requested)
        panes["gradients_pane"][1].inspector.question.connect(self.send)
        panes["example_pane"][1].question.connect(self.send)
        panes["gradients_pane"][1].inspector.trace_requested.connect(self.trace)
        panes["graph_pane"][1].trace.expand.connect(self.send)
        self.run.traced.connect(panes["graph_pane"][1].trace.show_answer)
        self.run.reset.connect(panes["graph_pane"][1].drop_trace)
        panes["penguins_pane"][1].follow.connect(self._on_penguins_follow)
        return {name: w for name, (_, w) in panes.items()}

    loss = property(lambda self: self.panes["loss_pane"])
    sampling = property(lambda self: self.panes["sampling_pane"])
    example = property(lambda self: self.panes["example_pane"])
    gradients = property(lambda self: self.panes["gradients_pane"])
    graph = property(lambda self: self.panes["graph_pane"])
    penguins = property(lambda self: self.panes["penguins_pane"])
    runs = property(lambda self: self.panes["runs_pane"])
    lessons = property(lambda self: self.panes["lessons_pane"])
    info = property(lambda self: self.run.info)
    latest = property(lambda self: self.run.latest)

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_text = StatusLine(self.run)
        self.progress = QProgressBar(objectName="run_progress", maximumWidth=220)
        self.cancel = QPushButton("Cancel", objectName="run_cancel")
        self.cancel.clicked.connect(self.pause)
        for w in (self.progress, self.cancel, self.status_text):
            bar.addPermanentWidget(w)
        self.progress.hide()
        self.cancel.hide()

    def _wire_run(self) -> None:
        self.run.reset.connect(self._on_run_reset)
        self.run.drawn.connect(self._on_run_drawn)
        self.run.playing_changed.connect(self._on_run_playing_changed)
        self.run.backend_changed.connect(self.toolbar.show_backend)
        self.toolbar.lr_changed.connect(self._on_toolbar_lr_changed)
        self.toolbar.backend_chosen.connect(self._on_toolbar_backend_chosen)
        self.toolbar.speed_chosen.connect(self._on_toolbar_speed_chosen)

    def _start_worker(self, docs, backend: str) -> None:
        self.thread_ = QThread(self, objectName="trainer_thread")
        self.worker = TrainerWorker(docs, self._config, backend, self._gate)
        self.worker.moveToThread(self.thread_)
        w, run = self.worker, self.run
        self.thread_.started.connect(w.start)
        self.thread_.finished.connect(w.deleteLater)
        run.listen_to(w)
        w.errored.connect(self.dialogs.error_slot)
        w.diverged.connect(self.dialogs.diverged_slot)
        w.saved.connect(self.dialogs.saved_slot)
        self.thread_.start()

    # --- commands (GUI thread: requests to the worker, never calls into the trainer) -----

    def send(self, request) -> None:
        """Queue a request for the worker (it runs at the next step boundary)."""
        self.worker.requested.emit(request)

    def step(self) -> None:
        """Exactly one iteration (queued if one is running); in the middle of a step shown
        phase by phase, the rest of its phases at once."""
        if self.run.phase:
            self.run.finish_phases()
        elif not self.playing:
            self.send(StepRequest())

    def step_phase(self) -> None:
        """The next phase of a step: forward -> loss -> backward -> update. The first
        press trains the whole step (in the worker) and shows its forward pass."""
        if self.run.phase:
            self.run.next_phase()
        elif not self.playing:
            self.run.expect_phases()
            self.send(StepRequest())

    def _on_penguins_follow(self, source: str) -> None:
        """One penguin's loss through the network, as a program in the graph pane."""
        self.graph.show_expression()
        if self.graph.set_source(source):
            self.graph.select_label("loss")
        self.bring_forward("graph_pane")

    def bring_forward(self, name: str) -> None:
        self.docks[name].show()
        self.docks[name].raise_()

    def _bring_lessons_forward(self) -> None:
        """The Lessons dock in front and at least lessons.MIN_HEIGHT tall: at 800 px the
        example pane below keeps the ~400 px its cards and chart need; the text scrolls."""
        dock, below = self.docks["lessons_pane"], self.docks["example_pane"]
        self.bring_forward("lessons_pane")
        if not dock.isFloating() and dock.height() < LESSONS_HEIGHT:
            total = dock.height() + below.height()
            self.resizeDocks([dock, below], [LESSONS_HEIGHT, total - LESSONS_HEIGHT], Qt.Vertical)

    def trace(self, name: str, row: int, col: int) -> None:
        """Open parameter name[row, col]'s part of the last step's graph in the graph pane."""
        report = self.run.latest
        if report is None:
            self.statusBar().showMessage("Take a step first: a trace follows the last step.", 5000)
            return
        grad = float(report.grads[name][row, col])
        spec = next(s for s in self.run.info.specs if s.name == name)
        self.graph.start_trace(cell_name(spec, row, col, report.chars), report.step, grad)
        self.bring_forward("graph_pane")
        self.send(TraceRequest(report.step, name, row, col))

    def play(self, n: int = 0) -> None:
        """Play to the end (n = 0) or for n steps."""
        self.run.finish_phases()
        if not self.playing:
            self._show_playing(True)
            self.worker.clear_stop()
            self.send(PlayRequest(n))

    def pause(self) -> None:
        self.worker.request_stop()

    def toggle_play(self, on: bool) -> None:
        self.play() if on else self.pause()

    def run_n(self) -> None:
        left = self.run.num_steps - self.run.step
        if left <= 0:
            self.statusBar().showMessage("All steps are done: Reset to train again.", 5000)
            return
        n = self.dialogs.ask_int(
            "Run N steps", f"How many steps? (up to {left})", min(100, left), 1, left
        )
        if n:
            self._progress_from = self.run.step
            self.progress.setRange(0, n)
            self.progress.setValue(0)
            self.progress.show()
            self.cancel.show()
            self.play(n)

    def reset(self, **fields) -> None:
        """A new run from the current settings (seed and lr from the toolbar)."""
        fields.setdefault("config", self.toolbar_config())
        fields.setdefault("backend", self.toolbar.backend_box.currentData())
        self.send(ResetRequest(**fields))

    def toolbar_config(self) -> TrainConfig:
        base = self.info.config if self.info else self._config
        tb = self.toolbar
        return replace(base, seed=tb.seed_box.value(), learning_rate=tb.learning_rate)

    def generate(self) -> None:
        self.docks["sampling_pane"].raise_()
        self.sampling.request()

    def _on_sampling_generate_requested(self, request: SampleRequest) -> None:
        self.send(request)

    def _on_toolbar_lr_changed(self, lr: float) -> None:
        self.send(LearningRateRequest(lr))

    def _on_toolbar_backend_chosen(self, name: str) -> None:
        self.send(BackendRequest(name))

    def _on_toolbar_speed_chosen(self, speed) -> None:
        self.run.set_speed(speed)
        self.send(SpeedRequest(speed))
        settings.save_speed(speed)

    # --- what the run says --------------------------------------------------------------

    def _on_run_reset(self, info) -> None:
        self.statusBar().clearMessage()  # a message about the last run is not about this one
        self.toolbar.sync(info)
        self.setWindowTitle(f"microgpt studio — {elided(info.source, 60)}")

    def _on_run_drawn(self, step: int) -> None:
        if self.progress.isVisible():
            self.progress.setValue(step - self._progress_from)

    def _on_run_playing_changed(self, playing: bool, why: str) -> None:
        self._show_playing(playing)
        if not playing:
            self.progress.hide()
            self.cancel.hide()
            if why == "finished" and self.run.finished:
                self.statusBar().showMessage(
                    f"All {self.run.num_steps} steps done. Reset (R) to train again, or raise "
                    "the number of steps in Training → Settings.",
                    8000,
                )

    def _show_playing(self, on: bool) -> None:
        self.playing = on
        play = self.actions_["play"]
        play.blockSignals(True)  # QSignalBlocker would outlive the statement in a lambda
        play.setChecked(on)
        play.blockSignals(False)
        play.setText("Pause" if on else "Play")
        self.actions_["step"].setEnabled(not on)
        self.actions_["run_n"].setEnabled(not on)

    # --- layout, settings and closing -------------------------------------------------

    def event(self, event) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.UpdateRequest:  # Qt painted every dirty child just now
            self.run.painted()
        elif event.type() in (QEvent.Show, QEvent.Resize):
            if event.type() == QEvent.Show and not self._layout_restored:
                self._layout_restored = True
                share_space(self, self.docks, self.width(), self.height())
            self.tab_bars.check()
        return handled

    def reset_layout(self) -> None:
        self.restoreState(self._default_state, settings.VERSION)
        self.tab_bars.check()

    def closeEvent(self, event) -> None:
        settings.save(self)
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self, timeout_ms: int = SHUTDOWN_WAIT_MS) -> bool:
        """End every thread the window started, also a half-built one's: the trainer's (its
        worker gives up a long step or sample), the penguins' and any other."""
        for pane in self.findChildren(PenguinsPane):
            pane.worker.stop_flag = True
        for lab in self.findChildren(ExperimentsPane):
            lab.shutdown()  # its runs stop at their next step; exit would wait for them
        thread = getattr(self, "thread_", None)
        if thread is not None and thread.isRunning():
            self.worker.request_shutdown()
            self.send(ShutdownRequest())
        stopped = all([_end(t, timeout_ms) for t in self.findChildren(QThread)])
        if stopped and hasattr(self, "run"):
            self.run.close()
        return stopped


def _end(thread: QThread, timeout_ms: int) -> bool:
    """Quit thread and wait; one that will not stop is kept alive (see orphaned_threads)."""
    thread.quit()
    if thread.wait(timeout_ms):
        return True
    thread.setParent(None)  # destroying a running QThread would abort the process
    _ORPHANS.append(thread)
    return False


def orphaned_threads() -> bool:
    """Did a worker thread refuse to stop? (Then exit with os._exit, not a Qt abort.)"""
    return any(t.isRunning() for t in _ORPHANS)
