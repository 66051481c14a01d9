"""TrainerWorker: owns the Trainer in a QThread; the GUI sees only snapshots.

Commands arrive as typed requests on one queued signal (emitted in the GUI thread, run in
the worker's). Results leave on past-tense signals; training leaves on one: `ticked`,
carrying every step since the last tick and at most one full report. Play advances in
short ticks that return to the worker's event loop, so a pause, a Step or a Generate
queued meanwhile runs at the next step boundary.
"""

import gc
import sys
import threading
import time
from pathlib import Path

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from microgpt import (
    ConfigError,
    TrainConfig,
    Trainer,
    TrainingDiverged,
    default_docs,
    download_names,
    load_docs,
)
from microgpt.backend import Interrupted
from microgpt.config import check_cost
from microgpt.timeline import Timeline

from .commands import (
    DEFAULT_SPEED,
    FRAME_RATE,
    BackendRequest,
    CheckRequest,
    ExpandRequest,
    LearningRateRequest,
    LoadRequest,
    PlayRequest,
    ReadRequest,
    ResetRequest,
    SampleRequest,
    SaveRequest,
    ShutdownRequest,
    SpeedRequest,
    SplitRequest,
    StepRequest,
    TraceRequest,
)
from .worker_queries import QueryHandlers
from .worker_travel import TimeTravelHandlers

TICK_S = 0.02  # longest stretch of training between two visits to the event loop
SWITCH_INTERVAL_S = 1e-4  # GIL hand-off while training, so the GUI thread is not starved
YIELD_LIMIT_S = 0.1  # longest the worker waits for the GUI thread to go idle


class TrainerWorker(TimeTravelHandlers, QueryHandlers, QObject):
    # --- results (emitted in the worker thread, delivered queued to the GUI) ---
    run_changed = Signal(object)  # RunInfo: a new, reset or loaded run
    ticked = Signal(object, object)  # StepPoints since the last tick, StepReport or None
    sampled = Signal(object)  # list[Sample]
    sample_failed = Signal(str)
    errored = Signal(str)  # a dataset, settings or checkpoint problem; the run is untouched
    diverged = Signal(str)
    saved = Signal(str)  # path
    playing_changed = Signal(bool, str)  # playing?, and why it stopped: paused, finished, ...
    backend_changed = Signal(str)
    answered = Signal(object)  # CellAnswer to a CheckRequest or SplitRequest; ReadAnswer
    traced = Signal(object)  # TraceAnswer to a TraceRequest or ExpandRequest
    timeline_changed = Signal(object)  # microgpt.timeline.TimelineInfo
    replay_progress = Signal(int, int)  # steps replayed while going to a step, of how many

    # --- commands (emit from the GUI thread) ---
    requested = Signal(object)  # one of the requests in commands.py

    def __init__(self, docs=None, config=None, backend="numpy", gate=None):
        super().__init__()
        self._init = ResetRequest(config, backend, tuple(docs) if docs else None)
        self._trainer: Trainer | None = None
        self._timeline: Timeline | None = None  # the trainer's snapshots and the runs kept
        self._replaying = False  # going to a step (Cancel stops it)
        self._followed = None  # (lr, backend) the GUI was last told of by _send
        self._source_docs: list[str] = []  # the dataset in file order, for Reset
        self._source = ""
        self._stop_flag = False  # set from the GUI thread: stop at the next step boundary
        self._closing = False  # set from the GUI thread: give up any long work now
        self._abandoned: Interrupted | None = None  # see _keep
        # Cleared by the GUI thread while it is awake: the worker then waits between steps
        # (without the GIL) instead of slowing the GUI down by competing for it.
        self._gate = gate or threading.Event()
        self._gate.set()
        self._playing = False
        self._target = 0
        self._speed: float | None = DEFAULT_SPEED
        self._next_due = 0.0  # perf_counter time of the next step when the speed is limited
        self._sent = 0  # steps already sent in a tick
        self._last_report_at = 0.0
        self._switch = sys.getswitchinterval()  # the process's own, restored after work
        self._timer = QTimer(self, singleShot=True, interval=0)  # moves to the thread with us
        self._timer.timeout.connect(self._tick)
        self._handlers = {
            ResetRequest: self._on_reset,
            StepRequest: self._on_step,
            PlayRequest: self._on_play,
            SpeedRequest: self._on_speed,
            SampleRequest: self._on_sample,
            LoadRequest: self._on_load,
            SaveRequest: self._on_save,
            LearningRateRequest: self._on_lr,
            BackendRequest: self._on_backend,
            ShutdownRequest: self._on_shutdown,
            CheckRequest: self._on_cell,
            SplitRequest: self._on_cell,
            TraceRequest: self._on_trace,
            ExpandRequest: self._on_expand,
            ReadRequest: self._on_read,
            **self._travel_handlers(),
        }
        self._trace = None  # the last trace asked for (its Value graph stays in this thread)
        self._traces = 0
        self.requested.connect(self._on_requested)

    # --- called from the GUI thread: plain flags, read between steps ---------------

    def request_stop(self) -> None:
        """Pause Play / cancel Run N at the next step boundary (or inside a long step)."""
        self._stop_flag = True

    def clear_stop(self) -> None:
        """Forget an earlier stop request; called before Play is queued, so a Pause pressed
        after it stops it even when it lands before the worker has started it."""
        self._stop_flag = False

    def request_shutdown(self) -> None:
        """Give up whatever runs now (a step, sampling): the window is closing."""
        self._closing = True
        self._stop_flag = True
        self._gate.set()

    # --- slots (worker thread) ---------------------------------------------------

    @Slot()
    def start(self) -> None:
        """Build the first trainer (connected to QThread.started)."""
        self._on_reset(self._init)

    @Slot(object)
    def _on_requested(self, request) -> None:
        if self._closing and not isinstance(request, ShutdownRequest):
            return
        # Any request may be long pure-Python work (a scalar sample, a replay, a trace). The
        # GUI thread takes the GIL at every call into Qt: with the default 5 ms hand-off a
        # close during a scalar sample waited 13 s to be served; 0.1 ms: under 1 s.
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        try:
            self._handlers[type(request)](request)
        finally:  # Play keeps the quick hand-off until it halts
            sys.setswitchinterval(SWITCH_INTERVAL_S if self._playing else self._switch)

    def _should_interrupt(self) -> bool:
        """Asked inside long work (per position, per backward chunk): first let the GUI
        thread finish what it is doing, then say whether to give up."""
        self._gate.wait(YIELD_LIMIT_S)
        return self._closing or ((self._playing or self._replaying) and self._stop_flag)

    def _on_reset(self, req: ResetRequest) -> None:
        try:
            docs, source = self._docs_from(req)
            t = self._trainer
            config = req.config or (t.config if t else None) or TrainConfig()
            backend = req.backend or (t.backend.name if t else "numpy")
            check = check_cost(config, len(set("".join(docs))) + 1, backend)
            if check.refusal:
                raise ConfigError(check.refusal)
            trainer = Trainer(docs, config, backend)
        except (ValueError, MemoryError) as e:  # DatasetError, ConfigError: keep the run
            self.errored.emit(str(e) if isinstance(e, ValueError) else "not enough memory")
            return
        self._halt("reset")
        tl = self._timeline
        repeats = tl is not None and source == self._source and tl.repeats(config, backend)
        self._install(trainer, docs, source, keep=not repeats)

    def _install(self, trainer: Trainer, docs: list[str], source: str, keep=True) -> None:
        """A new current run; the old one stays in the runs list if keep (and it trained)."""
        trainer.should_stop = self._should_interrupt
        self._trainer, self._source_docs, self._source = trainer, docs, source
        if self._timeline is None:
            self._timeline = Timeline(trainer)
        else:
            self._timeline.restart(trainer, keep)
        self._sent = trainer.step_count
        self._trace = None  # a trace of the old run
        self.run_changed.emit(trainer.info(source))
        self._emit_timeline()

    def _docs_from(self, req: ResetRequest) -> tuple[list[str], str]:
        if req.makemore:
            return load_docs(download_names()), "makemore names"
        if req.path:
            return load_docs(req.path), Path(req.path).name
        if req.docs is not None:
            return list(req.docs), req.source or "your documents"
        if self._source_docs:
            return self._source_docs, self._source
        return default_docs(), "bundled names"

    def _on_step(self, _req=None) -> None:
        t = self._trainer
        if t is None or self._playing:
            return
        if t.done:
            self.playing_changed.emit(False, "finished")
            return
        self._stop_flag = False
        try:
            self._timeline.step()
        except TrainingDiverged as e:
            self.diverged.emit(str(e))
            return
        except Interrupted as e:
            self._keep(e)
            return
        self._send(with_report=True, detail=True)

    def _on_play(self, req: PlayRequest) -> None:
        t = self._trainer
        if t is None or self._playing:
            return
        if t.done:
            self.playing_changed.emit(False, "finished")
            return
        left = t.config.num_steps - t.step_count
        self._target = t.step_count + (min(req.steps, left) if req.steps > 0 else left)
        self._playing = True  # the stop flag was cleared by clear_stop, before the request
        self._next_due = time.perf_counter()
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.playing_changed.emit(True, "")
        self._timer.start(0)

    def _on_speed(self, req: SpeedRequest) -> None:
        self._speed = req.steps_per_s
        self._next_due = time.perf_counter()

    def _tick(self) -> None:
        """Train for up to TICK_S (or the steps now due), send them, and come back."""
        if not self._playing:
            return
        t, now = self._trainer, time.perf_counter()
        deadline = now + TICK_S
        interval = 1 / self._speed if self._speed else 0.0
        if interval and now - self._next_due > 4 * interval:
            self._next_due = now  # the backend cannot keep up: no burst to catch up
        try:
            while t.step_count < self._target and not self._stop_flag:
                if interval and time.perf_counter() < self._next_due:
                    break
                if time.perf_counter() >= deadline:
                    break
                self._gate.wait(YIELD_LIMIT_S)
                self._timeline.step()
                self._next_due += interval
        except TrainingDiverged as e:
            self._halt("diverged", show_last=True)
            self.diverged.emit(str(e))
            return
        except Interrupted as e:  # a Pause inside a step: the step was not taken
            self._keep(e)
        if self._stop_flag or t.step_count >= self._target:
            self._halt("paused" if self._stop_flag else "finished", show_last=True)
        else:
            self._send(with_report=False)
            wait = max(0.0, self._next_due - time.perf_counter()) if interval else 0.0
            self._timer.start(int(wait * 1000))

    def _send(self, with_report: bool, detail: bool = False) -> None:
        """Every step since the last tick; the full report when forced or due (<= 30/s),
        in detail (probs, loss after the update) when the training stops there."""
        t = self._trainer
        if t.step_count == self._sent and not with_report:
            return
        points = t.history.points(self._sent)
        self._sent = t.step_count
        now = time.perf_counter()
        due = now - self._last_report_at >= 1 / FRAME_RATE or (
            self._speed is not None and self._speed <= FRAME_RATE
        )
        report = None
        if with_report or (due and len(points)):  # forced: again if it went out without detail
            report = self._report(detail)
        if report is not None:
            self._last_report_at = now
        self.ticked.emit(points, report)
        settings = (t.config.learning_rate, t.backend.name)
        if settings != self._followed:  # a recorded change of the run, replayed
            self.backend_changed.emit(t.backend.name)
            self._emit_timeline()

    def _report(self, detail: bool):
        """The last step's report; without its detail if closing interrupts that."""
        try:
            return self._trainer.report(detail=detail)
        except Interrupted as e:
            self._keep(e)
            return self._trainer.report()

    def _keep(self, interrupted: Interrupted) -> None:
        """Hold on to the interrupted work (its traceback holds a Value graph of up to
        millions of nodes) when closing: freeing it took ~1.5 s, and the window waits for
        this thread. It is freed with the worker, after the window has gone."""
        if self._closing:
            self._abandoned = interrupted
            gc.freeze()  # and keep the cyclic GC from walking it once it is enabled again

    def _halt(self, why: str, show_last: bool = False) -> None:
        """Leave Play / Run N (if in it) and say why. show_last: first send the steps not
        yet sent and the last one's report in detail, so every pane shows the step Play
        stopped at (out of Play, so the Pause that stopped it cannot interrupt that)."""
        if not self._playing:
            return
        self._playing = False
        self._timer.stop()
        sys.setswitchinterval(self._switch)
        if show_last:
            self._send(with_report=True, detail=True)
        self.playing_changed.emit(False, why)

    def _on_sample(self, req: SampleRequest) -> None:
        if self._trainer is None:
            return
        try:
            samples = self._trainer.sample(req.n, req.temperature, req.seed, req.prefix)
        except ValueError as e:
            self.sample_failed.emit(str(e))
            return
        except Interrupted as e:
            self._keep(e)
            return
        if req.seed is None:
            self._timeline.sampled()
        self.sampled.emit(samples)

    def _on_load(self, req: LoadRequest) -> None:
        backend = self._trainer.backend.name if self._trainer else None
        try:
            trainer = Trainer.load(req.path, backend=backend)
        except (ValueError, MemoryError) as e:  # CheckpointError: the run goes on as it was
            self.errored.emit(str(e) if isinstance(e, ValueError) else "not enough memory")
            return
        self._halt("loaded")
        self._install(trainer, list(trainer.docs), f"{Path(req.path).name} (checkpoint)")
        if trainer.report() is not None:
            report = trainer.report(detail=True)  # detail: the paused-only questions work
            self.ticked.emit(trainer.history.points(trainer.step_count), report)

    def _on_save(self, req: SaveRequest) -> None:
        try:
            self._trainer.save(req.path)
        except (OSError, ValueError) as e:
            self.errored.emit(f"could not save the checkpoint: {e}")
            return
        self.saved.emit(req.path)

    def _on_lr(self, req: LearningRateRequest) -> None:
        """A new base lr: at an earlier step than the furthest, a branch (a new run)."""
        if self._trainer is not None and req.lr > 0:
            self._timeline.set_learning_rate(req.lr)
            self._emit_timeline()

    def _on_backend(self, req: BackendRequest) -> None:
        t = self._trainer
        if t is None:
            return
        try:
            self._timeline.set_backend(req.name)
        except ValueError as e:  # too big for that engine: the run goes on as it was
            self.errored.emit(str(e))
        self.backend_changed.emit(t.backend.name)
        self._emit_timeline()

    def _on_shutdown(self, _req=None) -> None:
        self._halt("closed")
        QThread.currentThread().quit()
