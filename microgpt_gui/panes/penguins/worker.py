"""PenguinWorker: trains the penguin classifier in its own thread; the pane gets plain data.

Requests come as tuples on `requested` (queued into the worker's thread):
    ("build", features, hidden)  a new model (and its data split)
    ("train", n)                 n full-batch steps, a frame after each
    ("follow", row)              one penguin's loss as a graph-pane program
Stop is a flag read between steps, set from the GUI thread.
"""

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, Signal, Slot

from microgpt.errors import ConfigError
from microgpt.penguins.classifier import PenguinModel
from microgpt.penguins.data import NUMERIC
from microgpt.trainer import TrainingDiverged

GRID = 90  # decision regions: the grid's points along each axis


@dataclass(frozen=True)
class PenguinFrame:
    """What one step changed, for the pane."""

    run: int  # which model (a new one after each build)
    step: int
    loss: float
    train_accuracy: float
    test_accuracy: float
    confusion: np.ndarray  # (3, 3) on the test penguins: row true, column predicted
    grid: np.ndarray | None  # (GRID, GRID) predicted species for two numeric inputs, (1, GRID)
    # for one (the species said along the strip); None for others
    extent: tuple[float, float, float, float] | None  # x0, x1, y0, y1 of the grid (raw units)


class PenguinWorker(QObject):
    built = Signal(int, object)  # run number, PenguinData (read-only arrays)
    stepped = Signal(object)  # PenguinFrame
    training_changed = Signal(bool)
    followed = Signal(object)  # PenguinGraph
    failed = Signal(str)
    requested = Signal(object)

    def __init__(self):
        super().__init__()
        self.model: PenguinModel | None = None
        self.run = 0
        self.stop_flag = False  # set from the GUI thread; read between steps
        self.requested.connect(self._on_requested)

    @Slot(object)
    def _on_requested(self, request) -> None:
        kind, *args = request
        getattr(self, f"_on_{kind}")(*args)

    def _on_build(self, features, hidden: int) -> None:
        try:
            model = PenguinModel(tuple(features), hidden=hidden)
        except (ConfigError, ValueError) as e:
            self.failed.emit(str(e))
            return
        self.model, self.run = model, self.run + 1
        self.built.emit(self.run, model.data)
        self.stepped.emit(self._frame(None))

    def _on_train(self, n: int) -> None:
        if self.model is None:
            return
        self.stop_flag = False
        self.training_changed.emit(True)
        try:
            for _ in range(n):
                if self.stop_flag:
                    break
                step = self.model.step()
                self.stepped.emit(self._frame(step))
        except TrainingDiverged as e:
            self.failed.emit(str(e))
        finally:
            self.training_changed.emit(False)

    def _on_follow(self, row: int) -> None:
        if self.model is None:
            return
        try:
            self.followed.emit(self.model.penguin_graph(row))
        except ValueError as e:  # a penguin without the chosen measurements; too big
            self.failed.emit(str(e))

    def _frame(self, step) -> PenguinFrame:
        m = self.model
        grid = extent = None
        if len(m.features) == 2 and all(f in NUMERIC for f in m.features):
            extent = _extent(m)
            x0, x1, y0, y1 = extent
            probs = m.predict_grid(np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID))
            grid = probs.argmax(axis=2)
        elif len(m.features) == 1 and m.features[0] in NUMERIC:  # what one input can tell
            x0, x1, _, _ = extent = _extent(m)
            grid = m.predict(np.linspace(x0, x1, GRID)[:, None])[None, :]  # (1, GRID)
        test = m.accuracy("test")
        if step is None:  # the untrained model, before its first step
            return PenguinFrame(
                self.run, 0, float("nan"), m.accuracy("train"), test, m.confusion(), grid, extent
            )
        return PenguinFrame(
            self.run,
            step.step,
            step.loss,
            step.train_accuracy,
            m.accuracy("test"),
            m.confusion(),
            grid,
            extent,
        )


def _extent(model) -> tuple[float, float, float, float]:
    """The raw values of the two features over every complete penguin, with a margin."""
    data = model.data
    raw = data.X * np.array([data.std[f] for f in data.features]) + np.array(
        [data.mean[f] for f in data.features]
    )
    lo, hi = raw.min(axis=0), raw.max(axis=0)
    pad = (hi - lo) * 0.06
    lo, hi = lo - pad, hi + pad
    if len(lo) == 1:  # one feature: no y
        return float(lo[0]), float(hi[0]), 0.0, 0.0
    return float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])
