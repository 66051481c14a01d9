"""TimelineBar: the toolbar under the training one; a slider over every step the run can
go to (its first to the furthest it reached), and where the run is on it."""

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QLabel, QSlider, QToolBar

from microgpt_gui.run.state import RunState

HELP = (
    "The run's timeline: drag to go back to any step it reached, or forward again. "
    "Going back is exact: stepping on from there repeats the run bit for bit. "
    "Changing the learning rate or the backend there starts a new run (see Runs)."
)


class TimelineBar(QToolBar):
    """Step back, the `timeline` slider and the `timeline_label`."""

    goto_requested = Signal(int)

    def __init__(self, run: RunState, parent=None):
        super().__init__("Timeline", parent)
        self.setObjectName("timeline_bar")
        self.setMovable(False)
        self.run = run
        self.slider = QSlider(Qt.Horizontal, objectName="timeline")
        self.slider.setTracking(False)  # a drag goes there when released
        self.slider.setRange(0, 0)
        self.slider.setToolTip(HELP)
        self.slider.setMinimumWidth(240)
        self.slider.valueChanged.connect(self._on_slider_value_changed)
        self.slider.sliderMoved.connect(self._on_slider_moved)
        self.label = QLabel(objectName="timeline_label", textFormat=Qt.PlainText)  # run names
        self.label.setMinimumWidth(190)
        run.drawn.connect(self._on_run_drawn)
        run.timeline_changed.connect(self._on_run_timeline_changed)

    def add_widgets(self, step_back) -> None:
        """The step-back action, then the slider and the label."""
        self.addWidget(QLabel(" timeline "))
        self.addAction(step_back)
        self.addWidget(self.slider)
        self.addWidget(self.label)

    def _on_run_drawn(self, _step: int) -> None:
        self._show()

    def _on_run_timeline_changed(self, _info) -> None:
        self._show()

    def _show(self) -> None:
        run = self.run
        with QSignalBlocker(self.slider):
            self.slider.setRange(run.first, run.furthest)
            if not self.slider.isSliderDown():
                self.slider.setValue(run.step)
        self.label.setText(self._text(run.step))

    def _text(self, step: int) -> str:
        name = self.run.timeline.runs[0].name if self.run.timeline else "run"
        return f"{name}: step {step:,} of {self.run.furthest:,} reached"

    def _on_slider_moved(self, value: int) -> None:
        self.label.setText(f"go to step {value:,} of {self.run.furthest:,}")

    def _on_slider_value_changed(self, value: int) -> None:
        if value != self.run.step:
            self.goto_requested.emit(value)
