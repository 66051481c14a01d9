"""PenguinsPane: why a network needs more than one input, on the real Palmer penguins.

Choose measurements and a hidden size, train a small classifier (the same Value engine as
the GPT, in a thread of its own), and watch the scatter, the decision regions, the loss,
the accuracies and the confusion matrix. Click a penguin to see its loss as a graph.
"""

import numpy as np
from PySide6.QtCore import QEvent, Qt, QThread, Signal
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from microgpt.expr.language import MAX_SOURCE
from microgpt.penguins.data import FEATURES, NUMERIC, completeness, load_penguins
from microgpt_gui import theme

from .plots import PenguinPlots, label_of
from .worker import PenguinWorker

TRAIN_STEPS = 150  # one press of Train
DEFAULT_FEATURES = ("flipper_length_mm",)
# The GPT's keys, for this pane while it has the focus (click it first)
KEYS = {Qt.Key_Space: "train", Qt.Key_S: "step", Qt.Key_Right: "step", Qt.Key_R: "reset"}


class PenguinsPane(PenguinPlots, QWidget):
    follow = Signal(str)  # a penguin's loss, as a program for the graph pane

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("penguins_pane")
        self.penguins = load_penguins()
        self.data = None  # PenguinData of the current run
        self.run = 0
        self.losses: list[float] = []
        self.frame = None
        self._strip_top = 1  # the tallest bar of the one-input strip
        self.training = False
        self._run_row: int | None = None  # this run's row in the runs table
        self.built_hidden = 0
        self._clicked: tuple[int, list[int]] = (-1, [])  # the followed penguin, all under it
        self._build_inputs()
        self._build_views()
        self._layout()
        self.thread_ = QThread(self, objectName="penguins_thread")
        self.worker = PenguinWorker()
        self.worker.moveToThread(self.thread_)
        self.thread_.finished.connect(self.worker.deleteLater)
        self.worker.built.connect(self._on_worker_built)
        self.worker.stepped.connect(self._on_worker_stepped)
        self.worker.training_changed.connect(self._on_worker_training_changed)
        self.worker.followed.connect(self._on_worker_followed)
        self.worker.failed.connect(self._on_worker_failed)
        self.thread_.start()
        self.setFocusPolicy(Qt.ClickFocus)  # a click in the pane gives its keys to it
        for w in (self, *self.findChildren(QWidget)):
            w.installEventFilter(self)
        self.reset()

    # --- widgets --------------------------------------------------------------------

    def _build_inputs(self) -> None:
        self.features = QWidget(objectName="penguins_features")
        row = QHBoxLayout(self.features)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("inputs:"))
        self.boxes: dict[str, QCheckBox] = {}
        for f in FEATURES:
            box = QCheckBox(label_of(f), objectName=f"penguins_feature_{f}")
            box.setChecked(f in DEFAULT_FEATURES)
            box.toggled.connect(self._on_inputs_changed)
            self.boxes[f] = box
            row.addWidget(box)
        row.addStretch(1)
        self.hidden = QSpinBox(objectName="penguins_hidden", minimum=0, maximum=16, value=0)
        self.hidden.setSpecialValueText("none")
        self.hidden.setKeyboardTracking(False)  # typing 12 is not a 1 (skipped to 2), then 22
        self.hidden.setToolTip(
            "Hidden tanh neurons: none = softmax regression (one neuron per species), "
            "or 2 to 16 neurons between the inputs and the output"
        )
        self.hidden.valueChanged.connect(self._on_hidden_changed)
        self.complete = QLabel(objectName="penguins_complete")
        self.complete.setStyleSheet(f"color: {theme.MUTED.name()}")
        self.train = QPushButton("Train", objectName="penguins_train")
        self.train.setToolTip(
            f"Train {TRAIN_STEPS} steps (full batch, Adam); again to stop (Space)"
        )
        self.train.clicked.connect(self.toggle_training)
        self.step = QPushButton("Step", objectName="penguins_step")
        self.step.setToolTip("One step of gradient descent over every training penguin (S, Right)")
        self.step.clicked.connect(lambda: self._train(1))
        self.reset_button = QPushButton("Reset", objectName="penguins_reset")
        self.reset_button.setToolTip("A new, untrained model with the inputs ticked above (R)")
        self.reset_button.clicked.connect(self.reset)
        self.status = QLabel(objectName="penguins_status", wordWrap=True)  # never widens the pane

    def _layout(self) -> None:
        controls = QHBoxLayout()
        for w in (self.train, self.step, self.reset_button, QLabel("hidden"), self.hidden):
            controls.addWidget(w)
        controls.addWidget(self.status, 1)
        axes = QHBoxLayout()
        for text, w in (("x", self.x_axis), ("y", self.y_axis)):
            axes.addWidget(QLabel(text))
            axes.addWidget(w, 1)
        left = QVBoxLayout()
        left.addLayout(axes)
        left.addWidget(self.scatter, 1)
        left.addWidget(self.key)
        right = QVBoxLayout()
        right.addWidget(self.loss_plot)
        right.addWidget(QLabel("confusion (test penguins)"))
        right.addWidget(self.confusion)
        right.addStretch(1)
        middle = QGridLayout()
        middle.addLayout(left, 0, 0)
        middle.addLayout(right, 0, 1)
        middle.setColumnStretch(0, 3)
        middle.setColumnStretch(1, 2)
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 4, 4, 4)
        box.addWidget(self.features)
        box.addWidget(self.complete)
        box.addLayout(controls)
        box.addWidget(self.intro)
        box.addLayout(middle, 1)
        box.addWidget(QLabel("runs (compare what each input adds)"))
        box.addWidget(self.runs)

    # --- commands -------------------------------------------------------------------

    def chosen(self) -> tuple[str, ...]:
        return tuple(f for f in FEATURES if self.boxes[f].isChecked())

    def reset(self) -> None:
        """A new model with the ticked inputs (nothing ticked: explain, keep the old)."""
        features = self.chosen()
        if not features:
            self.status.setText("Tick at least one input.")
            return
        self.hidden.interpretText()  # a size typed but not yet entered counts
        self.worker.stop_flag = True
        self.built_hidden = self.hidden.value()
        self._send(("build", features, self.built_hidden))

    def toggle_training(self) -> None:
        if self.training:
            self.worker.stop_flag = True
        else:
            self._train(TRAIN_STEPS)

    def _train(self, n: int) -> None:
        """n steps of the model on screen; none while no input is ticked (the model on screen
        has inputs the boxes no longer show)."""
        if not self.chosen():
            self.status.setText("Tick at least one input, then press Reset: nothing was trained.")
            return
        self._send(("train", n))

    def eventFilter(self, watched, event) -> bool:
        """Space, S / Right and R do here what they do for the GPT, while the focus is in
        this pane (except in the hidden-size box, which needs its keys)."""
        kind = event.type()
        if kind in (QEvent.ShortcutOverride, QEvent.KeyPress):
            action = KEYS.get(event.key())
            plain = event.modifiers() in (Qt.NoModifier, Qt.KeypadModifier)
            typing = isinstance(watched, (QAbstractSpinBox, QLineEdit))
            if action and plain and not typing:
                event.accept()  # the window's shortcut for this key stands aside
                if kind == QEvent.KeyPress and not event.isAutoRepeat():
                    button = {"train": self.train, "step": self.step}.get(action)
                    (button or self.reset_button).animateClick()
                return True
        return super().eventFilter(watched, event)

    def _send(self, request) -> None:
        self.worker.requested.emit(request)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        self.worker.stop_flag = True
        self.thread_.quit()
        return self.thread_.wait(timeout_ms)

    # --- from the controls ----------------------------------------------------------

    def _on_inputs_changed(self, _on=False) -> None:
        features = self.chosen()
        self.complete.setText(completeness(features) if features else "Tick an input.")
        numeric = [f for f in features if f in NUMERIC]
        for box, k in ((self.x_axis, 0), (self.y_axis, 1)):
            box.blockSignals(True)
            box.clear()
            for f in numeric:
                box.addItem(label_of(f), f)
            box.setCurrentIndex(min(k, len(numeric) - 1))
            box.blockSignals(False)
        self.y_axis.setEnabled(len(numeric) >= 2)
        self.status.setText("Press Reset to train a model on these inputs.")

    def _on_hidden_changed(self, value: int) -> None:
        if value == 1:  # one hidden neuron is not offered: none or 2..16
            self.hidden.setValue(2 if self._last_hidden == 0 else 0)
            self.status.setText("One hidden neuron is not offered: none, or 2 to 16.")
            return
        self._last_hidden = value
        self.status.setText("Press Reset to train a model with this many hidden neurons.")

    _last_hidden = 0

    # --- from the worker ------------------------------------------------------------

    def _on_worker_built(self, run: int, data) -> None:
        self.run, self.data, self.losses, self.frame = run, data, [], None
        self.loss_curve.setData([], [])
        self._on_inputs_changed()
        self._run_row = None
        self._draw_scatter()

    def _on_worker_stepped(self, frame) -> None:
        if frame.run != self.run:
            return
        self.frame = frame
        if frame.step:
            self.losses.append(frame.loss)
            self.loss_curve.setData(np.arange(1, len(self.losses) + 1), self.losses)
            self.intro.hide()
        loss = f"loss {frame.loss:.4f} · " if frame.step else ""
        self.status.setText(
            f"step {frame.step} · {loss}train {frame.train_accuracy:.0%} · "
            f"test {frame.test_accuracy:.0%}"
        )
        self._show_confusion(frame.confusion)
        self._show_regions(frame)

    def _on_worker_training_changed(self, on: bool) -> None:
        self.training = on
        self.train.setText("Stop" if on else "Train")
        for w in (self.step, self.reset_button, self.hidden, self.features):
            w.setEnabled(not on)
        if not on and self.frame is not None and self.frame.step:
            self._record_run()

    def _on_worker_followed(self, graph) -> None:
        row, rows = self._clicked
        source = graph.source
        if graph.row == row and len(rows) > 1:  # say so in the program the graph pane shows
            shown = ", ".join(map(str, rows[:6])) + (", ..." if len(rows) > 6 else "")
            note = (
                f"# penguin {row} is one of {len(rows)} penguins under the click ({shown}); "
                "zoom in on the scatter (wheel) to pick another\n"
            )
            source = note + source if len(note + source) <= MAX_SOURCE else source
        self.follow.emit(source)

    def _on_worker_failed(self, message: str) -> None:
        self.status.setText(message)

    def _record_run(self) -> None:
        frame = self.frame
        if self._run_row is None:
            self._run_row = self.runs.rowCount()
            self.runs.insertRow(self._run_row)
        hidden = self.built_hidden
        values = (
            ", ".join(label_of(f) for f in self.data.features),
            "none" if hidden == 0 else str(hidden),
            str(frame.step),
            f"{frame.test_accuracy:.1%}",
        )
        for col, text in enumerate(values):
            self.runs.setItem(self._run_row, col, QTableWidgetItem(text))
