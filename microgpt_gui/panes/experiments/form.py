"""The sweep form: one axis and its values, the fixed settings, and presets."""

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from microgpt import TrainConfig
from microgpt.config import LIMITS
from microgpt.errors import ConfigError
from microgpt.lab import AXES, RunSpec, specs_for_axis
from microgpt.lab.cli import parse_values


@dataclass(frozen=True)
class Preset:
    name: str
    axis: str
    values: str
    steps: int = 2000
    names: int = 0  # 0: all training names
    n_embd: int = 16
    block_size: int = 16
    learning_rate: float = 0.01


# each measured under 1 minute on 2 shared cores (see scripts/bench_lab.py)
PRESETS = (
    Preset("Width, all names", "n_embd", "4, 8, 16, 32"),
    Preset("Width, 100 names", "n_embd", "4, 8, 16, 32", names=100),
    Preset("Context (block_size)", "block_size", "1, 2, 4, 8, 16"),
    Preset("Training names", "names", "50, 200, 1000, 4000"),
    Preset("Steps", "steps", "250, 1000, 4000"),
    Preset("Learning rate", "learning_rate", "0.001, 0.003, 0.01, 0.03, 0.1", steps=1000),
)


def _spin(name: str, lo: int, hi: int, value: int) -> QSpinBox:
    box = QSpinBox(objectName=name)
    box.setRange(lo, hi)
    box.setValue(value)
    return box


class SweepForm(QWidget):
    """Axis, values and fixed settings; specs() turns them into RunSpecs or a clear error."""

    changed = Signal()

    def __init__(self, max_names: int, parent=None):
        super().__init__(parent)
        self.max_names = max_names
        self.preset = QComboBox(objectName="experiments_preset")
        self.preset.addItems([p.name for p in PRESETS])
        self.axis = QComboBox(objectName="experiments_axis")
        for a in AXES.values():
            self.axis.addItem(a.label, a.name)
        self.values = QLineEdit(objectName="experiments_values")
        self.values.setPlaceholderText("values, separated by commas: 4, 8, 16")
        self.steps = _spin("experiments_steps", 1, 100_000, 2000)
        self.names = _spin("experiments_names", 1, max_names, max_names)
        self.n_embd = _spin("experiments_n_embd", 1, LIMITS["n_embd"], 16)
        self.n_layer = _spin("experiments_n_layer", 1, LIMITS["n_layer"], 1)
        self.block_size = _spin("experiments_block_size", 1, LIMITS["block_size"], 16)
        self.lr = QDoubleSpinBox(objectName="experiments_lr", decimals=4, singleStep=0.001)
        self.lr.setRange(0.0001, 1.0)
        self.lr.setValue(0.01)
        top = QFormLayout()
        top.addRow("Preset", self.preset)
        top.addRow("Vary", self.axis)
        top.addRow("Values", self.values)
        fixed = QGridLayout()
        for i, (label, w) in enumerate(
            [("steps", self.steps), ("names", self.names), ("n_embd", self.n_embd),
             ("n_layer", self.n_layer), ("block_size", self.block_size), ("lr", self.lr)]
        ):  # fmt: skip
            fixed.addWidget(QLabel(label), i // 3, 2 * (i % 3))
            fixed.addWidget(w, i // 3, 2 * (i % 3) + 1)
        lay = QGridLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top, 0, 0)
        lay.addLayout(fixed, 0, 1)
        lay.setColumnStretch(0, 3)
        lay.setColumnStretch(1, 4)
        self.preset.currentIndexChanged.connect(self.apply_preset)
        self.apply_preset(0)

    def apply_preset(self, i: int) -> None:
        p = PRESETS[i]
        self.axis.setCurrentIndex(self.axis.findData(p.axis))
        self.values.setText(p.values)
        self.steps.setValue(p.steps)
        self.names.setValue(p.names or self.max_names)
        self.n_embd.setValue(p.n_embd)
        self.block_size.setValue(p.block_size)
        self.lr.setValue(p.learning_rate)

    def specs(self) -> list[RunSpec]:
        """One spec per value; ValueError with a message in the user's words."""
        axis = self.axis.currentData()
        values = parse_values(axis, self.values.text())
        if axis == "names" and max(values) > self.max_names:
            raise ValueError(f"--values: at most {self.max_names} training names")
        try:
            base = TrainConfig(
                n_embd=self.n_embd.value(), n_layer=self.n_layer.value(),
                block_size=self.block_size.value(), learning_rate=self.lr.value(),
                num_steps=self.steps.value(),
            )  # fmt: skip
            return specs_for_axis(axis, values, base, self.names.value())
        except ConfigError as e:
            raise ValueError(str(e)) from None
