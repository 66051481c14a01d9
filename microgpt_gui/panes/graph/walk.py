"""WalkBar: the step-through controls of the graph pane: Restart, Back, Next, Play with its
speed, and Fit. It asks; the pane moves its StepThrough and calls show() with it."""

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QPushButton, QSpinBox, QWidget


class WalkBar(QWidget):
    restart_requested = Signal()
    back_requested = Signal()
    next_requested = Signal()
    play_requested = Signal()  # Play pressed while paused
    ticked = Signal()  # Play's clock: one move per tick
    fit_requested = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.restart_button = self._button(
            "graph_restart", "⟲ Restart", "Forget all values and gradients", self.restart_requested
        )
        self.back_button = self._button(
            "graph_back", "◀ Back", "Undo the last move of the walk", self.back_requested
        )
        self.next_button = self._button(
            "graph_next",
            "Next ▶",
            "The next move: compute a value (forward), then pass back a gradient (backward)",
            self.next_requested,
        )
        self.play_button = self._button(
            "graph_play", "Play", "Animate both passes; again to pause", None
        )
        self.play_button.clicked.connect(self._on_play_clicked)
        self.fit_button = self._button(
            "graph_fit", "Fit", "Frame the whole graph (0)", self.fit_requested
        )
        self.speed = QSpinBox(objectName="graph_speed", minimum=1, maximum=50, value=3)
        self.speed.setSuffix(" moves/s")
        self.speed.setToolTip("Play speed")
        self.speed.valueChanged.connect(self._on_speed_changed)
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.ticked)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for w in (self.restart_button, self.back_button, self.next_button, self.play_button):
            row.addWidget(w)
        row.addWidget(self.speed)
        row.addStretch(1)
        row.addWidget(self.fit_button)

    def _button(self, name: str, text: str, tip: str, signal) -> QPushButton:
        b = QPushButton(text, objectName=name, toolTip=tip)
        if signal is not None:
            b.clicked.connect(signal)
        return b

    playing = property(lambda self: self._timer.isActive())

    def play(self) -> None:
        self._timer.start(round(1000 / self.speed.value()))
        self.play_button.setText("Pause")

    def pause(self) -> None:
        self._timer.stop()
        self.play_button.setText("Play")

    def show_state(self, steps) -> None:
        """Enable what can be done from where the walk is (steps None: no graph)."""
        for b in (self.restart_button, self.play_button):
            b.setEnabled(steps is not None)
        self.back_button.setEnabled(steps is not None and not steps.at_start)
        self.next_button.setEnabled(steps is not None and not steps.at_end)
        done = steps is not None and steps.at_end and steps.walking
        self.next_button.setToolTip("Done: both passes are complete" if done else "The next move")

    def _on_play_clicked(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play_requested.emit()

    def _on_speed_changed(self, value: int) -> None:
        if self.playing:
            self._timer.setInterval(round(1000 / value))
