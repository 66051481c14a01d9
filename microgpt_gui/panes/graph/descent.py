"""DescentBar: gradient descent by hand on the small graph: Descend, Train N, Reset weights,
the learning rate, the output before -> after, and the plot of the output per descent."""

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from microgpt.expr.explore import DEFAULT_LR
from microgpt_gui import theme

from .plots import DescentPlot
from .text import fmt

TRAIN_INTERVAL_MS = 150  # Train N: one descent per tick, slow enough to watch the numbers
NO_WEIGHTS = (
    "This program has no weights to learn: mark a number with param(...), as in "
    "w = param(-3.0), to let gradient descent move it. Data inputs never move."
)
DESCEND_TIP = "One step of gradient descent: every weight w ← w − lr × grad. Data never moves."


class DescentBar(QWidget):
    """The controls ask; the pane descends and reports back with show_result()."""

    descend_requested = Signal()
    reset_requested = Signal()
    training_changed = Signal(bool)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("graph_descent")
        self.lr = QDoubleSpinBox(objectName="graph_lr", decimals=3, minimum=0.001, maximum=10.0)
        self.lr.setSingleStep(0.05)
        self.lr.setValue(DEFAULT_LR)
        self.lr.setAccessibleName("Learning rate of gradient descent")
        self.lr.setToolTip("The learning rate lr: how far each descent moves the weights")
        self.descend = QPushButton("Descend", objectName="graph_descend", toolTip=DESCEND_TIP)
        self.descend.clicked.connect(self.descend_requested)
        self.train = QPushButton("Train", objectName="graph_train")
        self.train.setToolTip("Descend N times, one step every 0.15 s; press again to stop")
        self.train.clicked.connect(self.toggle_training)
        self.count = QSpinBox(objectName="graph_train_n", minimum=1, maximum=1000, value=20)
        self.count.setSuffix(" steps")
        self.count.setAccessibleName("Number of descents for Train")
        self.reset = QPushButton("Reset weights", objectName="graph_reset_weights")
        self.reset.setToolTip("Every weight back to the value written in the program")
        self.reset.clicked.connect(self.reset_requested)
        self.result = QLabel(objectName="graph_descent_result", textFormat=Qt.PlainText)
        self.result.setWordWrap(True)
        self.plot = DescentPlot()
        self._left = self._n = 0
        self._tips = {w: w.toolTip() for w in (self.lr, self.descend, self.train, self.reset)}
        self._tips[self.count] = ""
        self._timer = QTimer(self, interval=TRAIN_INTERVAL_MS)
        self._timer.timeout.connect(self._on_timer_timeout)
        self._layout()
        self.set_weights(False)

    def _layout(self) -> None:
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(4)
        grid.setVerticalSpacing(2)
        grid.addWidget(QLabel("learning rate"), 0, 0)
        grid.addWidget(self.lr, 0, 1)
        grid.addWidget(self.descend, 0, 2)
        grid.addWidget(self.reset, 1, 0)
        grid.addWidget(self.count, 1, 1)
        grid.addWidget(self.train, 1, 2)
        grid.addWidget(self.result, 2, 0, 1, 3)
        grid.setRowStretch(3, 1)
        self.result.setMaximumWidth(330)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addLayout(grid)
        row.addWidget(self.plot.widget, 1)

    # --- state shown ------------------------------------------------------------------

    def set_weights(self, names: list[str] | bool) -> None:
        """Enable the controls for a program with these weights (none: disabled, and why)."""
        on = bool(names)
        for w, tip in self._tips.items():
            w.setEnabled(on)
            w.setToolTip(tip if on else NO_WEIGHTS)
        if on:
            self.result.setStyleSheet(f"color: {theme.MUTED.name()};")
            shown = ", ".join(names[:4]) + (f" and {len(names) - 4} more" if len(names) > 4 else "")
            self.result.setText(f"Weights that descent moves: {shown}.")
        else:
            self.stop()
            self.result.setStyleSheet(f"color: {theme.MUTED.name()};")
            self.result.setText("No param(...) here: nothing for gradient descent to move.")

    def clear(self, out_name: str) -> None:
        """A new program, or weights back to where they started: no descents yet."""
        self.plot.clear(out_name)

    def show_result(self, out_name: str, before: float, after: float) -> None:
        """One descent happened: the output went from before to after."""
        self.plot.add(before, after)
        k = len(self.plot.values) - 1
        done = f" (step {self._n - self._left} of {self._n})"
        trend = "down" if after < before else "up: the step overshot" if after > before else ""
        self.result.setStyleSheet(
            f"color: {(theme.BAD if after > before else theme.MUTED).name()};"
        )
        self.result.setText(
            f"Descent {k}{done if self.training else ''}: {out_name} {fmt(before)} → "
            f"{fmt(after)} {trend}".strip()
        )

    def show_failure(self, message: str) -> None:
        self.stop()
        self.result.setStyleSheet(f"color: {theme.BAD.name()};")
        self.result.setText(message)

    # --- Train N ----------------------------------------------------------------------

    training = property(lambda self: self._timer.isActive())

    def toggle_training(self) -> None:
        if self.training:
            self.stop()
        else:
            self.start(self.count.value())

    def start(self, n: int) -> None:
        self._left = self._n = n
        self._timer.start()
        self.train.setText("Stop")
        self.descend.setEnabled(False)
        self.training_changed.emit(True)

    def stop(self) -> None:
        if not self.training:
            return
        self._timer.stop()
        self.train.setText("Train")
        self.descend.setEnabled(True)
        self.training_changed.emit(False)

    def _on_timer_timeout(self) -> None:
        self._left -= 1
        self.descend_requested.emit()
        if self._left <= 0:
            self.stop()
