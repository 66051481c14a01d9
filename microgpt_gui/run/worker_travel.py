"""The worker's time travel: go to a step, step back, rename and delete runs.

Mixed into TrainerWorker and run in its thread, like every request. Going to a step
replays from the nearest snapshot (microgpt.timeline); on the scalar engine that can take
seconds, so it reports progress (at most PROGRESS_HZ times a second) and the Cancel button
(request_stop) gives up at the next step boundary, the run left as it was.
"""

import time

from microgpt.backend import Interrupted

from .commands import DeleteRunRequest, GoToStepRequest, RenameRunRequest, StepBackRequest

PROGRESS_HZ = 10


class TimeTravelHandlers:
    """_on_* handlers for the time-travel requests; self is the TrainerWorker, which
    declares the signals timeline_changed and replay_progress."""

    def _travel_handlers(self) -> dict:
        return {
            GoToStepRequest: self._on_goto,
            StepBackRequest: self._on_step_back,
            RenameRunRequest: self._on_rename_run,
            DeleteRunRequest: self._on_delete_run,
        }

    def _on_goto(self, req: GoToStepRequest) -> None:
        tl = self._timeline
        if tl is not None:
            self._travel(min(max(int(req.step), tl.first), tl.furthest))

    def _on_step_back(self, _req=None) -> None:
        tl = self._timeline
        if tl is not None and tl.trainer.step_count > tl.first:
            self._travel(tl.trainer.step_count - 1)

    def _travel(self, k: int) -> None:
        self._halt("moved")
        tl = self._timeline
        self._stop_flag, self._replaying = False, True
        self._progress_at = time.perf_counter()
        try:
            tl.goto(k, self._should_interrupt, self._on_replayed)
        except Interrupted as e:
            self._keep(e)
            self.replay_progress.emit(0, 0)
            self._emit_timeline()
            return
        finally:
            self._replaying = False
        self.replay_progress.emit(0, 0)
        self._show_whole_run()

    def _on_replayed(self, done: int, total: int) -> None:
        now = time.perf_counter()
        if now - self._progress_at >= 1 / PROGRESS_HZ:
            self._progress_at = now
            self.replay_progress.emit(done, total)

    def _show_whole_run(self) -> None:
        """Tell the GUI the run as it is now: its history, its last report, the timeline."""
        t = self._trainer
        self._sent = t.step_count
        self._trace = None  # a trace of another step
        self.run_changed.emit(t.info(self._source))
        report = t.report(detail=True)
        if report is not None:
            self.ticked.emit(t.history.points(t.step_count), report)
        self._emit_timeline()

    def _emit_timeline(self) -> None:
        t = self._trainer
        self._followed = (t.config.learning_rate, t.backend.name)
        self.timeline_changed.emit(self._timeline.info())

    def _on_rename_run(self, req: RenameRunRequest) -> None:
        self._change_runs(self._timeline.rename, req.run, req.name)

    def _on_delete_run(self, req: DeleteRunRequest) -> None:
        self._change_runs(self._timeline.delete, req.run)

    def _change_runs(self, change, *args) -> None:
        try:
            change(*args)
        except ValueError as e:
            self.errored.emit(str(e))
        self._emit_timeline()
