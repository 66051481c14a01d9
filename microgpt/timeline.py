"""Time travel: go back to any step of a run exactly, branch from it, keep the old runs.

Training is deterministic (step s trains on docs[s % len(docs)] and draws nothing random),
so a step's state can be recomputed from an earlier one. The timeline keeps a `Snapshot`
(params, Adam m and v, the running mean of |grad|, the step) every `interval` steps, the
settings each step used (`changes`) and the random stream wherever sampling moved it
(`marks`). `goto(k)` restores the nearest snapshot at or before step k - 1 and replays to
step k with the settings of each step, so the last step's record (what report() shows)
is recreated too: the state after going to k is the state the run had at k, bit for bit.

Memory policy. A snapshot of the default model is 4 x 4,192 float64 = 134 KB. Snapshots
are taken at the steps that are multiples of `interval` (16 at first) and at the run's
first step. When snapshots and marks together would pass `budget` (48 MiB), `interval`
doubles and the snapshots off the new grid are dropped, so they stay within the budget
and a replay is at most `interval` steps. A 100,000-step numpy run ends with interval 512:
196 snapshots (26.3 MB), a replay of at most 512 steps (~0.2 s at 0.4 ms a step); the
interval reaches 1024 only past ~188,000 steps. The run's history (36 bytes a step) is
also its record up to the furthest step: at the furthest step the record and the trainer's
history are one object, so a run played on costs 36 bytes a step, not 72 (a second copy
exists only while the trainer is back in the past). Kept runs hold only their loss (8 bytes
a step) and their settings, at most MAX_RUNS of them.

The random stream. Training draws nothing; sampling with the run's own stream (seed None)
does. The stream is part of a step's state: on arriving at step k, by training or by going
there, it is what it was when the run first reached step k, before anything was sampled
at k. So the samples drawn after a return to k are those first drawn at k, and sampling
again there continues as it did then. Sampling at the furthest step records the stream
the next step starts from (a mark, 2.5 KB); sampling at an earlier step records nothing:
the future it leads back to is the recorded one.

Branches. Changing the learning rate or the backend at a step before the furthest one
starts a branch: the run up to its furthest step is kept as a run of its own (loss and
settings), and the current run goes on from here under a new name, its old future gone.
"""

from bisect import bisect_right
from dataclasses import dataclass, replace

import numpy as np

from .backend import Interrupted
from .history import History
from .runs import RunRecord, TimelineInfo

SNAPSHOT_BUDGET = 48 * 2**20  # bytes of snapshots + random-stream marks of the current run
FIRST_INTERVAL = 16  # steps between snapshots until the budget doubles it
MAX_RUNS = 32  # kept runs besides the current one; the oldest goes first
MARK_BYTES = 625 * 4  # a random-stream mark (see PackedRng)


@dataclass(frozen=True)
class PackedRng:
    """random.Random.getstate() in 2.5 KB instead of ~25 KB of Python ints."""

    version: int
    key: np.ndarray  # (625,) uint32: the Mersenne Twister's 624 words and its position
    gauss_next: float | None

    @classmethod
    def of(cls, state: tuple) -> "PackedRng":
        version, internal, gauss_next = state
        return cls(version, np.array(internal, dtype=np.uint32), gauss_next)

    def state(self) -> tuple:
        return (self.version, tuple(self.key.tolist()), self.gauss_next)


@dataclass(frozen=True)
class Snapshot:
    """A run's trainable state after `step` steps (the random stream is in the marks)."""

    step: int
    params: np.ndarray
    m: np.ndarray
    v: np.ndarray
    mean_abs: np.ndarray

    @classmethod
    def of(cls, trainer) -> "Snapshot":
        t = trainer
        return cls(t.step_count, t.params.copy(), t.m.copy(), t.v.copy(), t.mean_abs.copy())

    @property
    def nbytes(self) -> int:
        return self.params.nbytes + self.m.nbytes + self.v.nbytes + self.mean_abs.nbytes


@dataclass(frozen=True)
class Settings:
    """What a step trains with that may change within a run."""

    learning_rate: float
    backend: str


class Timeline:
    """The current run's snapshots, settings and random-stream marks; the runs kept."""

    def __init__(self, trainer, budget: int = SNAPSHOT_BUDGET, interval: int = FIRST_INTERVAL):
        self.budget, self.first_interval = budget, interval
        self.kept: list[RunRecord] = []
        self._next_id = 1
        self._start(trainer)

    def _start(self, trainer, origin: str = "") -> None:
        t = self.trainer = trainer
        self.interval = self.first_interval
        self.first = self.furthest = t.step_count
        self._first_last = t.last_step  # a loaded checkpoint's last step, for goto(first)
        self.snapshots = [Snapshot.of(t)]
        self.record = t.history  # steps 1..furthest; the trainer's own at the furthest step
        self.changes = [(self.first, self._settings())]  # (from step index, settings)
        self.marks = [(self.first, PackedRng.of(t.rng.getstate()))]  # (arrival step, stream)
        self._drawn = False  # sampled since arriving here (at a step before the furthest)
        self.id, self._next_id = self._next_id, self._next_id + 1
        self.name, self.origin = f"run {self.id}", origin

    def _settings(self) -> Settings:
        return Settings(self.trainer.config.learning_rate, self.trainer.backend.name)

    # --- training and sampling ---------------------------------------------------------

    def step(self):
        """One training step of the trainer, recorded; returns its StepPoint."""
        t = self.trainer
        point = t.step()
        n = t.step_count
        if n <= self.furthest:
            self._follow(n)
        else:
            self.furthest = n
            if self.record is not t.history:
                self.record.extend(t.history.points(n - 1))
            if n % self.interval == 0:
                self._snapshot()
        return point

    def sampled(self) -> None:
        """The run's own random stream was drawn from (sampling with seed None)."""
        n = self.trainer.step_count
        if n < self.furthest:
            self._drawn = True
        else:
            self._mark(n + 1)

    def _mark(self, step: int) -> None:
        """The stream now is the one step `step` starts from."""
        packed = PackedRng.of(self.trainer.rng.getstate())
        if self.marks[-1][0] == step:
            self.marks[-1] = (step, packed)
        else:
            self.marks.append((step, packed))
        self._fit_budget()

    def _snapshot(self) -> None:
        self.snapshots.append(Snapshot.of(self.trainer))
        self._fit_budget()

    def _fit_budget(self) -> None:
        """Double the interval, keeping the snapshots on its grid, until within budget."""
        while self.nbytes() > self.budget and len(self.snapshots) > 2:
            self.interval *= 2
            self.snapshots = [
                s for s in self.snapshots if s.step == self.first or s.step % self.interval == 0
            ]

    def nbytes(self) -> int:
        """Bytes held by the snapshots and the random-stream marks."""
        snaps = sum(s.nbytes for s in self.snapshots)
        return snaps + sum(m.key.nbytes for _, m in self.marks)

    # --- going back -------------------------------------------------------------------

    def settings_at(self, s: int) -> Settings:
        """The settings step index s (the (s+1)-th step) trains with."""
        i = bisect_right([c[0] for c in self.changes], s) - 1
        return self.changes[max(i, 0)][1]

    def rng_at(self, step: int) -> PackedRng:
        """The random stream on arriving at `step`."""
        i = bisect_right([m[0] for m in self.marks], step) - 1
        return self.marks[max(i, 0)][1]

    def _apply(self, settings: Settings) -> None:
        t = self.trainer
        if t.config.learning_rate != settings.learning_rate:
            t.set_learning_rate(settings.learning_rate)
        if t.backend.name != settings.backend:
            t.set_backend(settings.backend)

    def _follow(self, n: int) -> None:
        """Arriving at step n in the recorded past: its settings and its random stream (and
        at the furthest step, the record as the history: the trainer's copy is the same)."""
        if n == self.furthest:
            self.trainer.history = self.record
        self._apply(self.settings_at(n))
        if self._drawn or any(step == n for step, _ in self.marks):
            self.trainer.rng.setstate(self.rng_at(n).state())
        self._drawn = False

    def goto(self, k: int, should_stop=None, progress=None) -> None:
        """Go to step k (first <= k <= furthest): the run exactly as it was after step k.

        progress(done, total) after each replayed step; should_stop() before each, and
        Interrupted if it says so, with the trainer put back as it was.
        """
        if not self.first <= k <= self.furthest:
            raise ValueError(f"step {k} is not in {self.first}..{self.furthest}")
        t = self.trainer
        saved = (Snapshot.of(t), t.rng.getstate(), t.history, t.last_step, t.config, t.backend)
        if k == self.first:
            snap, last = self.snapshots[0], self._first_last
        else:  # the nearest snapshot before step k: replaying step k recreates its record
            i = bisect_right([s.step for s in self.snapshots], k - 1) - 1
            snap, last = self.snapshots[i], None
        history = History(self.record.n_norms)
        history.extend(self.record.points(0, snap.step))
        t.restore(snap.params, snap.m, snap.v, snap.mean_abs, t.rng.getstate(), history, last)
        try:
            for s in range(snap.step, k):
                if should_stop is not None and should_stop():
                    raise Interrupted("going to another step was cancelled")
                self._apply(self.settings_at(s))
                t.step()
                if progress is not None:
                    progress(s + 1 - snap.step, k - snap.step)
        except Interrupted:
            before, rng, hist, last, t.config, t.backend = saved
            t.restore(before.params, before.m, before.v, before.mean_abs, rng, hist, last)
            raise
        self._drawn = True  # whatever the stream was, take the recorded one
        self._follow(k)

    def step_back(self, should_stop=None, progress=None) -> bool:
        """Go to the step before this one; False at the first step."""
        if self.trainer.step_count <= self.first:
            return False
        self.goto(self.trainer.step_count - 1, should_stop, progress)
        return True

    # --- changing settings: a branch when done in the past --------------------------------

    def set_learning_rate(self, lr: float) -> bool:
        """Train on with base lr; True if this started a branch."""
        if float(lr) == self.trainer.config.learning_rate:
            return False
        branched = self._branch_if_past()
        self.trainer.set_learning_rate(lr)
        self._record_change()
        return branched

    def set_backend(self, name: str) -> bool:
        """Train on with another backend (ConfigError: nothing changed); True if branched."""
        if name == self.trainer.backend.name:
            return False
        self.trainer.set_backend(name)
        branched = self._branch_if_past()
        self._record_change()
        return branched

    def _record_change(self) -> None:
        n, settings = self.trainer.step_count, self._settings()
        if self.changes[-1][0] == n:
            self.changes[-1] = (n, settings)
        else:
            self.changes.append((n, settings))

    def _branch_if_past(self) -> bool:
        """Before the furthest step: keep the whole run, go on as a new one from here."""
        k = self.trainer.step_count
        if k >= self.furthest:
            return False
        self._keep(self.current_record())
        old = self.name
        self.furthest = k
        self.record.truncate(k)
        self.trainer.history = self.record  # steps 1..k either way: one object again
        self.snapshots = [s for s in self.snapshots if s.step <= k]
        self.changes = [c for c in self.changes if c[0] <= k]
        self.marks = [m for m in self.marks if m[0] <= k]
        if self._drawn:  # sampled here after the return: the next step starts from that
            self._drawn = False
            self._mark(k + 1)
        self.id, self._next_id = self._next_id, self._next_id + 1
        self.name, self.origin = f"run {self.id}", f"from {old} at step {k}"
        return True

    def restart(self, trainer, keep: bool) -> None:
        """A new current run (Reset or a loaded checkpoint); keep the old one if asked."""
        if keep and self.furthest > 0:
            self._keep(self.current_record())
        self._start(trainer)

    def repeats(self, config, backend: str) -> bool:
        """Would a fresh run with these settings repeat this one? (Then Reset need not keep it.)"""
        t = self.trainer
        same = config == t.config and backend == t.backend.name
        return same and len(self.changes) == 1 and not self.origin and self.first == 0

    def _keep(self, record: RunRecord) -> None:
        self.kept.append(replace(record, current=False))
        del self.kept[:-MAX_RUNS]

    # --- the runs ----------------------------------------------------------------------

    def describe(self) -> str:
        """The current run's settings and where they changed."""
        c = self.trainer.config
        parts = []
        for label, key in (("lr", "learning_rate"), ("", "backend")):
            shown, last = [], None
            for start, s in self.changes:
                value = getattr(s, key)
                if value != last:
                    text = f"{value:g}" if isinstance(value, float) else value
                    shown.append(text if last is None else f"{text} from step {start}")
                    last = value
            parts.append(f"{label} {', '.join(shown)}".strip())
        return " · ".join(parts + [f"seed {c.seed}", f"{c.num_steps} steps"])

    def current_record(self) -> RunRecord:
        loss = self.record.loss.copy()
        loss.flags.writeable = False
        lr = self.changes[-1][1].learning_rate
        return RunRecord(self.id, self.name, loss, self.describe(), lr, self.origin, True)

    def rename(self, run_id: int, name: str) -> None:
        name = " ".join(str(name).split())[:60]
        if not name:
            raise ValueError("a run needs a name")
        if run_id == self.id:
            self.name = name
            return
        i = self._index(run_id)
        self.kept[i] = replace(self.kept[i], name=name)

    def delete(self, run_id: int) -> None:
        if run_id == self.id:
            raise ValueError("the current run cannot be deleted; Reset starts another")
        del self.kept[self._index(run_id)]

    def _index(self, run_id: int) -> int:
        for i, r in enumerate(self.kept):
            if r.id == run_id:
                return i
        raise ValueError(f"there is no run {run_id}")

    def info(self) -> TimelineInfo:
        runs = (self.current_record(), *reversed(self.kept))
        t = self.trainer
        lr, backend = t.config.learning_rate, t.backend.name
        return TimelineInfo(t.step_count, self.first, self.furthest, runs, lr, backend)


def planned(
    steps: int,
    snapshot_bytes: int,
    budget: int = SNAPSHOT_BUDGET,
    interval: int = FIRST_INTERVAL,
) -> tuple[int, int]:
    """(interval, snapshots) the policy reaches after `steps` steps from step 0 without
    sampling (one mark), worked out without training: what Timeline does, step for step."""
    snaps, n = [0], interval
    while n <= steps:
        snaps.append(n)
        while len(snaps) * snapshot_bytes + MARK_BYTES > budget and len(snaps) > 2:
            interval *= 2
            snaps = [s for s in snaps if s % interval == 0]
        n = (n // interval + 1) * interval
    return interval, len(snaps)
