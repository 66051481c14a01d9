"""Runs as the runs list shows them: plain data that crosses threads, and their CSV."""

import csv
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class RunRecord:
    """A run as the runs list shows it, as plain data."""

    id: int
    name: str
    loss: np.ndarray  # (steps,) read-only: the loss of steps 1..len(loss)
    settings: str  # 'lr 0.01 · numpy · seed 42', with changes and the step they came at
    learning_rate: float  # the base learning rate at its last step
    origin: str = ""  # 'from run 1 at step 100'
    current: bool = False

    @property
    def steps(self) -> int:
        return len(self.loss)


@dataclass(frozen=True)
class TimelineInfo:
    """Where the current run is on its timeline, and every run (the current one first)."""

    step: int
    first: int  # the earliest step one can go to (a loaded checkpoint's step, or 0)
    furthest: int
    runs: tuple[RunRecord, ...]
    learning_rate: float  # what the next step trains with (they follow the recorded run)
    backend: str


def write_runs_csv(path, runs) -> None:
    """One line per step of each run: step, run, loss (the loss as Python prints it)."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["step", "run", "loss"])
        for run in runs:
            for i, loss in enumerate(run.loss.tolist()):
                out.writerow([i + 1, run.name, repr(loss)])
