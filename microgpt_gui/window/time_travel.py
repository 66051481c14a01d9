"""TimeTravel: wires going back (the timeline bar, Step back, the loss plot's clicks) and
the runs (the Runs pane, the loss overlay, the CSV of shown runs) to the worker."""

from dataclasses import replace

from PySide6.QtCore import QObject, QSignalBlocker

from microgpt.runs import TimelineInfo, write_runs_csv
from microgpt_gui.panes.loss.runs_overlay import RunsOverlay
from microgpt_gui.run.commands import (
    DeleteRunRequest,
    GoToStepRequest,
    RenameRunRequest,
    StepBackRequest,
)

from .timeline_bar import TimelineBar


class TimeTravel(QObject):
    """Owns the timeline bar and the loss overlay; sends the window's time-travel requests."""

    def __init__(self, win):
        super().__init__(win)
        self.win, self.run = win, win.run
        self.bar = TimelineBar(win.run, win)
        self.overlay = RunsOverlay(win.loss)
        self.runs = win.panes["runs_pane"]
        self._current = None  # the current run's id, to notice a branch
        self.bar.goto_requested.connect(self.go_to)
        self.overlay.goto_requested.connect(self.go_to)
        self.runs.shown_changed.connect(self.overlay.show_runs)
        self.runs.rename_requested.connect(self._on_runs_rename_requested)
        self.runs.delete_requested.connect(self._on_runs_delete_requested)
        win.loss.smoothing.valueChanged.connect(self._on_loss_smoothing_changed)
        self.run.timeline_changed.connect(self._on_run_timeline_changed)
        self.run.replay_progress.connect(self._on_run_replay_progress)
        self.run.drawn.connect(self._on_run_drawn)

    def install(self, actions: dict) -> None:
        """The timeline bar under the training toolbar, with the Step back action."""
        self.step_back_action = actions["step_back"]
        self.runs.export_requested.connect(actions["export_runs_csv"].trigger)
        self.bar.add_widgets(self.step_back_action)
        self.win.addToolBarBreak()
        self.win.addToolBar(self.bar)

    # --- commands -------------------------------------------------------------------------

    def step_back(self) -> None:
        """Back to the state after the previous step."""
        if self.run.step > self.run.first:
            self.win.send(StepBackRequest())

    def go_to(self, step: int) -> None:
        self.win.send(GoToStepRequest(step))

    def export_csv(self, path: str) -> None:
        """step, run, loss of the current run (to its furthest step) and every shown run."""
        info = self.run.timeline
        if info is None:
            return
        current = replace(info.runs[0], loss=self.runs.current_loss())
        write_runs_csv(path, (current, *self.runs.shown()))

    def _on_runs_rename_requested(self, run_id: int, name: str) -> None:
        self.win.send(RenameRunRequest(run_id, name))

    def _on_runs_delete_requested(self, run_id: int) -> None:
        self.win.send(DeleteRunRequest(run_id))

    def _on_loss_smoothing_changed(self, value: int) -> None:
        self.runs.set_smoothing(value / 100)

    # --- what the run says ------------------------------------------------------------------

    def _on_run_timeline_changed(self, info: TimelineInfo) -> None:
        tb = self.win.toolbar
        with QSignalBlocker(tb.lr_box):
            tb.lr_box.setValue(info.learning_rate)
        tb.show_backend(info.backend)
        current = info.runs[0]
        if self._current is not None and current.id != self._current and current.origin:
            self.win.statusBar().showMessage(
                f"{current.name} starts here, {current.origin}; the old run stays in Runs.", 8000
            )
        self._current = current.id
        self._on_run_drawn(self.run.step)

    def _on_run_drawn(self, step: int) -> None:
        self.step_back_action.setEnabled(step > self.run.first)

    def _on_run_replay_progress(self, done: int, total: int) -> None:
        """Going to a step on the scalar engine: progress and Cancel in the status bar."""
        win = self.win
        if total:
            win.progress.setRange(0, total)
            win.progress.setValue(done)
            win.progress.show()
            win.cancel.show()
        else:
            win.progress.hide()
            win.cancel.hide()
