"""TrainingToolbar: the run's buttons and the settings that take effect at the next step."""

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QComboBox, QDoubleSpinBox, QLabel, QSpinBox, QToolBar

from microgpt import RunInfo
from microgpt.config import LEARNING_RATE_RANGE, MAX_SEED
from microgpt_gui.run.commands import DEFAULT_SPEED, SPEEDS, speed_text

BACKEND_CHOICES = [
    ("numpy", "numpy — fast", "Vectorised NumPy: the same numbers, thousands of steps a second"),
    (
        "scalar",
        "scalar — exact, slow",
        "The exact scalar engine, one Value per number, like the "
        "original microgpt (a few steps a second)",
    ),
]


class TrainingToolbar(QToolBar):
    """Reset / Step / Play / Run N, then speed, learning rate, seed and backend."""

    lr_changed = Signal(float)
    backend_chosen = Signal(str)
    speed_chosen = Signal(object)  # steps per second, None = max

    def __init__(self, parent=None):
        super().__init__("Training", parent)
        self.setObjectName("training_toolbar")
        self.setMovable(False)
        self.speed_box = QComboBox(objectName="speed_box")
        for speed in SPEEDS:
            self.speed_box.addItem(speed_text(speed), speed)
        self.speed_box.setToolTip(
            "How many training steps a second (+ / − keys). Slow: watch every step. "
            "max: as fast as this computer goes."
        )
        self.speed_box.setCurrentIndex(max(self.speed_box.findData(DEFAULT_SPEED), 0))
        self.speed_box.currentIndexChanged.connect(self._on_speed_box_index_changed)
        lo, hi = LEARNING_RATE_RANGE
        self.lr_box = QDoubleSpinBox(objectName="lr_box", decimals=4, minimum=lo, maximum=hi)
        self._run_lr = (self.lr_box.value(),) * 2  # (shown, exact): see sync
        self.lr_box.setSingleStep(0.001)
        self.lr_box.setToolTip(
            "Base learning rate; takes effect at the next step and decays "
            "linearly to 0 by the last step"
        )
        self.lr_box.valueChanged.connect(self._on_lr_box_value_changed)
        self.seed_box = QSpinBox(objectName="seed_box", minimum=0, maximum=MAX_SEED)
        self.seed_box.setToolTip("Seed of the shuffle and the initial weights; used at Reset")
        self.backend_box = QComboBox(objectName="backend_box")
        for key, text, tip in BACKEND_CHOICES:
            self.backend_box.addItem(text, key)
            self.backend_box.setItemData(self.backend_box.count() - 1, tip, Qt.ToolTipRole)
        self.backend_box.setToolTip("Switches at the next step; the run continues")
        self.backend_box.currentIndexChanged.connect(self._on_backend_box_index_changed)

    def add_run_actions(self, actions) -> None:
        """The run's buttons, then the boxes."""
        for action in actions:
            self.addAction(action)
        self.addSeparator()
        for text, box in (
            (" speed ", self.speed_box),
            ("  learning rate ", self.lr_box),
            ("  seed ", self.seed_box),
            ("  backend ", self.backend_box),
        ):
            self.addWidget(QLabel(text))
            self.addWidget(box)

    # --- state ------------------------------------------------------------------------

    @property
    def speed(self) -> float | None:
        return self.speed_box.currentData()

    def set_speed(self, steps_per_s: float | None) -> None:
        i = self.speed_box.findData(steps_per_s)
        if i >= 0:
            self.speed_box.setCurrentIndex(i)

    def faster(self) -> None:
        self.speed_box.setCurrentIndex(min(self.speed_box.currentIndex() + 1, len(SPEEDS) - 1))

    def slower(self) -> None:
        self.speed_box.setCurrentIndex(max(self.speed_box.currentIndex() - 1, 0))

    def sync(self, info: RunInfo) -> None:
        """Show a new run's settings without sending them back as requests."""
        lr = info.config.learning_rate
        with QSignalBlocker(self.lr_box):
            self.lr_box.setValue(lr)
        self._run_lr = (self.lr_box.value(), lr)  # 4 decimals show 0.012345 as 0.0123
        self.seed_box.setValue(info.config.seed)
        self.show_backend(info.backend)

    @property
    def learning_rate(self) -> float:
        """The box's lr; the run's own, exactly, while the box still shows it rounded."""
        shown, exact = self._run_lr
        value = self.lr_box.value()
        return exact if value == shown else value

    def show_backend(self, name: str) -> None:
        with QSignalBlocker(self.backend_box):
            self.backend_box.setCurrentIndex(max(self.backend_box.findData(name), 0))

    def _on_lr_box_value_changed(self, lr: float) -> None:
        self._run_lr = (lr, lr)  # typed: the run takes what the box shows
        self.lr_changed.emit(lr)

    def _on_speed_box_index_changed(self, _index: int) -> None:
        self.speed_chosen.emit(self.speed)

    def _on_backend_box_index_changed(self, _index: int) -> None:
        self.backend_chosen.emit(self.backend_box.currentData())
