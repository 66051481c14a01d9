"""TrainerWorker: owns the Trainer in a QThread; the GUI sees only snapshots.

Commands arrive as queued signals (emitted from the GUI thread, run in the worker's).
Play and Run N advance in short ticks that return to the worker's event loop, so a
pause, a Step or a Generate queued meanwhile runs at the next step boundary.
"""

import sys
import threading
import time

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from microgpt import Trainer, TrainingDiverged, default_docs, download_names, load_docs

TICK_S = 0.02  # longest stretch of training between two visits to the event loop
REPORT_INTERVAL_S = 1 / 30  # full reports leave the worker at most ~30 times a second
SWITCH_INTERVAL_S = 1e-4  # GIL hand-off while training, so the GUI thread is not starved
YIELD_LIMIT_S = 0.1  # longest the worker waits for the window to finish a redraw


class TrainerWorker(QObject):
    # --- results (emitted in the worker thread, delivered queued to the GUI) ---
    run_changed = Signal(object)  # RunInfo: a new, reset or loaded run
    stepped = Signal(object)  # StepReport: the latest step (coalesced while playing)
    progressed = Signal(object)  # list[StepPoint]: every step, in batches
    sampled = Signal(object)  # list[Sample]
    sample_failed = Signal(str)
    errored = Signal(str)  # a dataset, settings or checkpoint problem; the run is untouched
    diverged = Signal(str)
    saved = Signal(str)  # path
    playing_changed = Signal(bool, str)  # playing?, and why it stopped: paused, finished, ...
    run_progressed = Signal(int, int)  # Run N: steps done, steps asked
    backend_changed = Signal(str)
    finished = Signal()

    # --- commands (emit from the GUI thread) ---
    step_requested = Signal()
    pause_requested = Signal()
    play_requested = Signal(int)  # run until this many more steps (0 = to the end)
    reset_requested = Signal(object)  # dict: config, backend, and docs / path / makemore
    sample_requested = Signal(object)  # dict: n, temperature, seed, prefix
    load_requested = Signal(str)
    save_requested = Signal(str)
    lr_requested = Signal(float)
    backend_requested = Signal(str)
    shutdown_requested = Signal()

    def __init__(self, docs=None, config=None, backend="numpy"):
        super().__init__()
        self._init = (docs, config, backend)
        self._trainer: Trainer | None = None
        self._source_docs: list[str] = []  # the dataset in file order, for Reset
        self._stop_flag = False  # set from the GUI thread: stop at the next step boundary
        # Cleared by the GUI thread while it redraws: between steps the worker then waits
        # (without the GIL) instead of halving the redraw's speed by competing for it.
        self._gui_idle = threading.Event()
        self._gui_idle.set()
        self._playing = False
        self._target = 0
        self._asked = self._done_in_run = 0
        self._last_emit = 0.0
        self._emitted = None  # the last StepReport sent, so none is sent twice
        self._timer = QTimer(self, singleShot=True, interval=0)  # moves to the thread with us
        self._timer.timeout.connect(self._tick)
        self.step_requested.connect(self._on_step)
        self.pause_requested.connect(self.request_stop)
        self.play_requested.connect(self._on_play)
        self.reset_requested.connect(self._on_reset)
        self.sample_requested.connect(self._on_sample)
        self.load_requested.connect(self._on_load)
        self.save_requested.connect(self._on_save)
        self.lr_requested.connect(self._on_lr)
        self.backend_requested.connect(self._on_backend)
        self.shutdown_requested.connect(self._on_shutdown)

    # --- called from the GUI thread: plain flags, read between steps ---------------

    def request_stop(self) -> None:
        """Pause Play / cancel Run N at the next step boundary.

        The flag stops a tick that is running; the queued signal stops a Play that was
        requested but has not started yet.
        """
        self._stop_flag = True
        if QThread.currentThread() is not self.thread():
            self.pause_requested.emit()

    def redraw_started(self) -> None:
        """GUI thread: a redraw begins; Play/Run N wait between steps until it ends."""
        self._gui_idle.clear()

    def redraw_finished(self) -> None:
        self._gui_idle.set()

    # --- slots (worker thread) ---------------------------------------------------

    @Slot()
    def start(self) -> None:
        """Build the first trainer (connected to QThread.started)."""
        docs, config, backend = self._init
        self._on_reset({"docs": docs, "config": config, "backend": backend})

    @Slot(object)
    def _on_reset(self, spec: dict) -> None:
        self._halt("reset")
        try:
            docs = self._docs_from(spec)
            config = spec.get("config") or (self._trainer.config if self._trainer else None)
            backend = spec.get("backend") or (
                self._trainer.backend.name if self._trainer else "numpy"
            )
            trainer = Trainer(docs, config, backend)
        except ValueError as e:  # DatasetError, ConfigError: keep the current run
            self.errored.emit(str(e))
            return
        self._trainer, self._source_docs = trainer, docs
        self.run_changed.emit(trainer.info())

    def _docs_from(self, spec: dict) -> list[str]:
        if spec.get("makemore"):
            return load_docs(download_names())
        if spec.get("path"):
            return load_docs(spec["path"])
        if spec.get("docs") is not None:
            return list(spec["docs"])
        return self._source_docs or default_docs()

    @Slot()
    def _on_step(self) -> None:
        if self._trainer is None or self._playing:
            return
        if self._trainer.done:
            self.playing_changed.emit(False, "finished")
            return
        try:
            report = self._trainer.step()
        except TrainingDiverged as e:
            self.diverged.emit(str(e))
            return
        self.progressed.emit([self._trainer.history[-1]])
        self._emit_report(report)

    @Slot(int)
    def _on_play(self, n: int) -> None:
        t = self._trainer
        if t is None or self._playing:
            return
        if t.done:
            self.playing_changed.emit(False, "finished")
            return
        left = t.config.num_steps - t.step_count
        self._asked = min(n, left) if n > 0 else left
        self._target, self._done_in_run = t.step_count + self._asked, 0
        self._stop_flag, self._playing = False, True
        self._switch = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL_S)
        self.playing_changed.emit(True, "")
        self._timer.start()

    def _tick(self) -> None:
        """Train for up to TICK_S, publish, and come back through the event loop."""
        if not self._playing:
            return
        t, points = self._trainer, []
        deadline = time.perf_counter() + TICK_S
        try:
            while (
                t.step_count < self._target
                and not self._stop_flag
                and time.perf_counter() < deadline
            ):
                self._gui_idle.wait(YIELD_LIMIT_S)
                t.step()
                points.append(t.history[-1])
        except TrainingDiverged as e:
            self._publish(points, force=True)
            self._halt("diverged")
            self.diverged.emit(str(e))
            return
        self._done_in_run += len(points)
        finishing = self._stop_flag or t.step_count >= self._target
        self._publish(points, force=finishing)
        if self._asked:
            self.run_progressed.emit(self._done_in_run, self._asked)
        if finishing:
            self._halt("paused" if self._stop_flag else "finished")
        else:
            self._timer.start()

    def _publish(self, points, force=False) -> None:
        """Every step's point; the latest full report at most every REPORT_INTERVAL_S."""
        if points:
            self.progressed.emit(points)
        latest, now = self._trainer.last_report, time.perf_counter()
        if latest is None or latest is self._emitted:
            return
        if force or now - self._last_emit >= REPORT_INTERVAL_S:
            self._emit_report(latest)

    def _emit_report(self, report) -> None:
        self._emitted, self._last_emit = report, time.perf_counter()
        self.stepped.emit(report)

    def _halt(self, why: str) -> None:
        """Leave Play / Run N (if in it) and say why."""
        if not self._playing:
            return
        self._playing = False
        self._timer.stop()
        sys.setswitchinterval(self._switch)
        self.playing_changed.emit(False, why)

    @Slot(object)
    def _on_sample(self, req: dict) -> None:
        if self._trainer is None:
            return
        try:
            samples = self._trainer.sample(
                req.get("n", 20),
                req.get("temperature", 0.5),
                req.get("seed"),
                req.get("prefix", ""),
            )
        except ValueError as e:
            self.sample_failed.emit(str(e))
            return
        self.sampled.emit(samples)

    @Slot(str)
    def _on_load(self, path: str) -> None:
        self._halt("loaded")
        backend = self._trainer.backend.name if self._trainer else None
        try:
            trainer = Trainer.load(path, backend=backend)
        except ValueError as e:  # CheckpointError: the current run stays as it was
            self.errored.emit(str(e))
            return
        self._trainer, self._source_docs = trainer, list(trainer.docs)
        self.run_changed.emit(trainer.info())
        if trainer.last_report is not None:
            self._emit_report(trainer.last_report)

    @Slot(str)
    def _on_save(self, path: str) -> None:
        try:
            self._trainer.save(path)
        except (OSError, ValueError) as e:
            self.errored.emit(f"could not save the checkpoint: {e}")
            return
        self.saved.emit(path)

    @Slot(float)
    def _on_lr(self, lr: float) -> None:
        if self._trainer is not None and lr > 0:
            self._trainer.set_learning_rate(lr)

    @Slot(str)
    def _on_backend(self, name: str) -> None:
        if self._trainer is not None:
            self._trainer.set_backend(name)
            self.backend_changed.emit(name)

    @Slot()
    def _on_shutdown(self) -> None:
        self._halt("closed")
        self.finished.emit()
