"""StatusLine: the status bar's permanent text, drawn from the RunState."""

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from microgpt_gui.run.state import RunState
from microgpt_gui.text import elided

SOURCE_CHARS = 40  # a data file's name is shown up to this many characters


def fmt(value: float | None, spec: str) -> str:
    return "–" if value is None or not math.isfinite(value) else format(value, spec)


def pace_text(pace: float | None, achieved: float | None) -> str:
    """'pace 50/s set · 49.8 steps/s achieved': the speed box's pace and what Play measured."""
    text = f"pace {'max' if pace is None else f'{pace:g}/s'} set"
    return text if achieved is None else f"{text} · {achieved:.1f} steps/s achieved"


class StatusLine(QLabel):
    """step k / N · loss · lr · pace set · steps/s achieved · data · backend."""

    def __init__(self, run: RunState, parent=None):
        super().__init__(parent, objectName="status_text")
        self.setTextFormat(Qt.PlainText)
        self.run = run
        run.reset.connect(self._on_run_changed)
        run.drawn.connect(self._on_run_changed)
        run.playing_changed.connect(self._on_run_changed)
        run.speed_changed.connect(self._on_run_changed)
        run.backend_changed.connect(self._on_run_changed)
        run.phase_changed.connect(self._on_run_changed)
        self._on_run_changed()

    def _on_run_changed(self, *_) -> None:
        run, loss, lr = self.run, None, None
        if len(run.history):
            loss, lr = float(run.history.loss[-1]), float(run.history.lr[-1])
        source = elided(run.info.source, SOURCE_CHARS) if run.info else ""
        phase = f" · {run.phase}" if run.phase else ""
        if run.phase == "forward":
            loss = None  # the step's loss is the next phase's to show
        self.setText(
            f"step {run.step}{phase} / {run.num_steps} · loss {fmt(loss, '.4f')} · "
            f"lr {fmt(lr, '.5f')} · {pace_text(run.speed, run.steps_per_s)} · "
            f"{source} · {run.backend}"
        )
