"""RunState: the run as the GUI thread knows it, and the one source panes subscribe to.

It owns the run's history (whole, in numpy arrays: loss and lr, 16 bytes a step, the GUI's
one per-step store; the panes keep bounded envelopes of it), the latest report, whether
training plays, the speed and the steps-per-second figure. Ticks from the worker arrive here;
RunState coalesces them into at most FRAME_RATE frames a second (every step is its own
frame at FRAME_RATE steps/s or slower) and tells the panes in past tense:
reset -> advanced / reported -> drawn.

Phase stepping shows one finished step in four parts (PHASES): the worker trains the whole
step as always; RunState holds its points and report back and lets them out phase by phase
(phase_changed): the loss point at 'loss', the report at 'backward'.
"""

import time
from collections import deque

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot

from microgpt import RunInfo, StepPoints, StepReport
from microgpt.history import History
from microgpt.runs import TimelineInfo

from .commands import DEFAULT_SPEED, FRAME_RATE

RELEASE_MS = 60  # longest the worker waits for a frame to be painted
QUIET_MS = 5  # after a repaint, the worker waits this long for the next pass of the frame
TRAIN_S = 0.006  # the least time the worker trains between two frames at max speed
# steps/s achieved: over the last 2 s of Play, shown once it spans 1 s (over a few frames,
# ticks delayed and then handled together read 112 steps/s at a 50/s pace)
RATE_WINDOW_S, RATE_MIN_SPAN_S = 2.0, 1.0
PHASES = ("forward", "loss", "backward", "update")  # one step, shown a phase at a time


def concatenated(runs: list[StepPoints]) -> StepPoints:
    """Consecutive runs of steps as one."""
    if len(runs) == 1:
        return runs[0]
    return StepPoints(
        first=runs[0].first,
        loss=np.concatenate([r.loss for r in runs]),
        lr=np.concatenate([r.lr for r in runs]),
        grad_norms=np.concatenate([r.grad_norms for r in runs]),
    )


class RunState(QObject):
    reset = Signal(object)  # RunInfo: a new, reset or loaded run, with its whole history
    advanced = Signal(object)  # StepPoints appended to .history since the last frame
    reported = Signal(object)  # StepReport: the latest step in full
    drawn = Signal(int)  # every pane has been told about this step
    playing_changed = Signal(bool, str)  # and why it stopped: paused, finished, diverged, ...
    speed_changed = Signal(object)  # steps per second, None = max
    backend_changed = Signal(str)
    sampled = Signal(object)  # list[Sample]
    sample_failed = Signal(str)
    answered = Signal(object)  # CellAnswer: a gradient check or a per-position split
    traced = Signal(object)  # TraceAnswer: a node of a trace and its uses
    phase_changed = Signal(str, object)  # a phase of PHASES ('' = whole again), the report
    timeline_changed = Signal(object)  # TimelineInfo: where the run is, the runs kept
    replay_progress = Signal(int, int)  # going to a step: replayed, of how many; (0, 0) done

    def __init__(self, gate=None, parent=None):
        super().__init__(parent)
        self.info: RunInfo | None = None
        self.timeline: TimelineInfo | None = None  # as of its last change (not every step)
        self.history = History(1)
        self.latest: StepReport | None = None
        self.playing = False
        self.speed: float | None = DEFAULT_SPEED
        self.backend = ""
        self.steps_per_s: float | None = None  # achieved by the current or last Play
        self._gate = gate  # threading.Event the worker waits on between steps; cleared to draw
        self._arrived: list[StepPoints] = []  # points since the last frame
        self._pending: StepReport | None = None
        self._last_frame = 0.0
        self._closed = False  # the window is closing: results still queued are dropped
        self.phase = ""  # the phase of the latest step on show; '' when it is shown whole
        self._expect_phases = False  # the next single step is to be shown phase by phase
        self._staged: tuple[StepPoints, StepReport] | None = None  # held back by phases
        self._split = False  # the run's first report was given a frame of its own (_flush)
        self._opened = 0.0  # when the worker's gate last opened
        self._rate = deque()  # (time, step) while playing, the last RATE_WINDOW_S of them
        self._frame = QTimer(self, singleShot=True)
        self._frame.timeout.connect(self._flush)
        # The worker waits between steps from a frame's start until the window has painted
        # it (painted(), then QUIET_MS without a repaint), or RELEASE_MS if nothing paints.
        # PySide hands the GIL over at every call into Qt, so a repaint beside a training
        # thread took 3-5x longer.
        self._release = QTimer(self, singleShot=True, interval=RELEASE_MS)
        self._release.timeout.connect(self._on_release_timeout)

    # --- reading ---------------------------------------------------------------------

    @property
    def step(self) -> int:
        return len(self.history)

    @property
    def num_steps(self) -> int:
        return self.info.config.num_steps if self.info else 0

    @property
    def first(self) -> int:
        """The earliest step the run can go back to."""
        return self.timeline.first if self.timeline else 0

    @property
    def furthest(self) -> int:
        """The furthest step the current run has reached."""
        return max(self.timeline.furthest if self.timeline else 0, self.step)

    @property
    def finished(self) -> bool:
        return self.info is not None and self.step >= self.num_steps

    # --- from the worker (queued into the GUI thread) ----------------------------------

    def listen_to(self, worker) -> None:
        """The worker's results, each queued to this QObject of the GUI thread (a lambda
        or a plain object's method would run in the worker's thread)."""
        worker.run_changed.connect(self.on_run_changed)
        worker.ticked.connect(self.on_ticked)
        worker.playing_changed.connect(self.on_playing_changed)
        worker.backend_changed.connect(self.on_backend_changed)
        worker.sampled.connect(self.on_sampled)
        worker.sample_failed.connect(self.on_sample_failed)
        worker.answered.connect(self.on_answered)
        worker.traced.connect(self.on_traced)
        worker.timeline_changed.connect(self.on_timeline_changed)
        worker.replay_progress.connect(self.on_replay_progress)

    @Slot(object)
    def on_run_changed(self, info: RunInfo) -> None:
        if self._closed:
            return
        self._frame.stop()
        self._drop_phases()
        self.info, self.latest, self._pending = info, None, None
        self._split = False
        self.history = History(info.history.grad_norms.shape[1], keep_norms=False)
        self.history.extend(info.history)
        self._arrived = []
        self.backend = info.backend
        self._rate.clear()
        self.steps_per_s = None
        self.reset.emit(info)
        self.drawn.emit(self.step)

    @Slot(object, object)
    def on_ticked(self, points: StepPoints, report) -> None:
        if self._closed:
            return
        if self.info is None:
            return
        if self._expect_phases and report is not None and not self.playing:
            self._stage(points, report)
            return
        if len(points) and points.first == self.step + 1:
            self.history.extend(points)
            self._arrived.append(points)
            if self.playing:
                self._rate.append((time.perf_counter(), points.last))
        if report is not None and report.step <= self.step:
            self._pending = report
        self._schedule()

    def _schedule(self) -> None:
        slow = self.speed is not None and self.speed <= FRAME_RATE
        if slow or not self.playing:
            self._frame.stop()
            self._flush()
        elif not self._frame.isActive():
            # at most FRAME_RATE frames a second, and the worker trains TRAIN_S at least
            # between the end of one frame's repaint and the start of the next
            due = max(self._last_frame + 1 / FRAME_RATE, self._opened + TRAIN_S)
            wait = due - time.perf_counter()
            self._frame.start(max(0, int(wait * 1000)))

    def _flush(self) -> None:
        """One frame: tell the panes what arrived since the last one."""
        self._last_frame = time.perf_counter()
        if self._gate is not None:
            self._gate.clear()
            self._release.start()
        advanced = bool(self._arrived)
        if advanced:
            points, self._arrived = concatenated(self._arrived), []
            self._update_rate()
            self.advanced.emit(points)
        report, self._pending = self._pending, None
        first = report is not None and advanced and self.latest is None and not self._split
        if first and self.playing:
            # A run's first report builds what no frame has built (the example's cells,
            # the attention maps, the heatmaps' images) while the plots' axes change: a
            # frame of its own, after this one is painted (Play's first freeze halves).
            self._pending, self._split = report, True
            self._frame.start(0)
        elif report is not None:
            self.latest = report
            self.reported.emit(report)
        self.drawn.emit(self.step)

    def _update_rate(self) -> None:
        rate = self._rate
        while len(rate) > 2 and rate[-1][0] - rate[1][0] >= RATE_WINDOW_S:
            rate.popleft()
        if len(rate) >= 2 and rate[-1][0] - rate[0][0] >= RATE_MIN_SPAN_S:
            (t0, s0), (t1, s1) = rate[0], rate[-1]
            self.steps_per_s = (s1 - s0) / (t1 - t0)

    @Slot(bool, str)
    def on_playing_changed(self, playing: bool, why: str) -> None:
        if self._closed:
            return
        self.playing = playing
        if playing:
            self.steps_per_s = None  # measured afresh, from now: the pace may have changed
            self._rate.clear()
            self._rate.append((time.perf_counter(), self.step))
        else:  # steps_per_s stays the rate this play achieved (not 1 / the last step's time)
            self._frame.stop()
            self._flush()
            self._rate.clear()
        self.playing_changed.emit(playing, why)

    @Slot(str)
    def on_backend_changed(self, name: str) -> None:
        if self._closed:
            return
        self.backend = name
        self.backend_changed.emit(name)

    @Slot(object)
    def on_sampled(self, samples) -> None:
        if self._closed:
            return
        self.sampled.emit(samples)

    @Slot(str)
    def on_sample_failed(self, message: str) -> None:
        if self._closed:
            return
        self.sample_failed.emit(message)

    @Slot(object)
    def on_answered(self, answer) -> None:
        if self._closed:
            return
        self.answered.emit(answer)

    @Slot(object)
    def on_traced(self, answer) -> None:
        if self._closed:
            return
        self.traced.emit(answer)

    @Slot(object)
    def on_timeline_changed(self, info: TimelineInfo) -> None:
        if self._closed:
            return
        self.timeline = info
        self.timeline_changed.emit(info)

    @Slot(int, int)
    def on_replay_progress(self, done: int, total: int) -> None:
        if not self._closed:
            self.replay_progress.emit(done, total)

    # --- phase stepping -------------------------------------------------------------

    def expect_phases(self) -> None:
        """Show the next single step's report phase by phase (see PHASES)."""
        self._expect_phases = True

    def _stage(self, points: StepPoints, report: StepReport) -> None:
        self._expect_phases = False
        if not (len(points) and points.first == self.step + 1):
            return
        self.history.extend(points)
        self._staged = (points, report)
        self.phase = PHASES[0]
        self.phase_changed.emit(self.phase, report)
        self.drawn.emit(self.step)

    def next_phase(self) -> bool:
        """Show the next phase of the staged step; False when there is none."""
        if not self.phase:
            return False
        points, report = self._staged
        k = PHASES.index(self.phase) + 1
        self.phase = PHASES[k] if k < len(PHASES) else ""
        if self.phase == "loss":
            self.advanced.emit(points)
        elif self.phase == "backward":
            self.latest = report
            self.reported.emit(report)
        if not self.phase:
            self._staged = None
        self.phase_changed.emit(self.phase, report)
        self.drawn.emit(self.step)
        return True

    def finish_phases(self) -> None:
        """Show whatever phases remain of the staged step, at once."""
        while self.next_phase():
            pass

    def _drop_phases(self) -> None:
        """A new run: the staged step is forgotten."""
        self._expect_phases = False
        if self.phase:
            self.phase, self._staged = "", None
            self.phase_changed.emit("", None)

    # --- from the window ------------------------------------------------------------

    def close(self) -> None:
        """The worker has stopped: what it sent before and is still queued is dropped."""
        self._closed = True
        self._frame.stop()
        self._release.stop()

    def painted(self) -> None:
        """The window painted: the worker may step again once no repaint follows for
        QUIET_MS (a frame's scenes repaint in a few passes, ~5 ms apart)."""
        if self._gate is not None and not self._gate.is_set():
            self._release.start(QUIET_MS)

    def _on_release_timeout(self) -> None:
        self._opened = time.perf_counter()
        self._gate.set()

    def set_speed(self, steps_per_s: float | None) -> None:
        self.speed = steps_per_s
        if self.playing:  # the rate at the new pace, from now
            self._rate.clear()
            self._rate.append((time.perf_counter(), self.step))
        self.speed_changed.emit(steps_per_s)
