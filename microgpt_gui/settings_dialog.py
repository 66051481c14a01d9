"""SettingsDialog: the hyper-parameters of the next run, checked as they are typed."""

from dataclasses import replace

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
)

from microgpt import ConfigError, TrainConfig

from . import theme

INT_FIELDS = [  # name, label, minimum, maximum, tooltip
    ("n_embd", "embedding width (n_embd)", 1, 512, "numbers that describe each character"),
    ("n_head", "attention heads (n_head)", 1, 64, "must divide the embedding width"),
    ("n_layer", "layers (n_layer)", 1, 12, "transformer blocks stacked on each other"),
    ("block_size", "context (block_size)", 1, 256, "the longest run of characters it sees"),
    ("num_steps", "steps (num_steps)", 1, 10_000_000, "length of the learning-rate schedule"),
    ("seed", "seed", 0, 2**31 - 1, "same seed, same shuffle, same start, same run"),
]
FLOAT_FIELDS = [  # name, label, minimum, maximum, step, decimals
    ("learning_rate", "learning rate", 0.0, 10.0, 0.001, 5),
    ("beta1", "Adam beta1", 0.0, 1.0, 0.01, 4),
    ("beta2", "Adam beta2", 0.0, 1.0, 0.001, 4),
]


class SettingsDialog(QDialog):
    """Edits a TrainConfig; Apply is enabled only when the combination is valid."""

    def __init__(self, config: TrainConfig, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Training settings")
        self.setObjectName("settings_dialog")
        self._base = config
        self.fields: dict[str, QSpinBox | QDoubleSpinBox] = {}
        form = QFormLayout()
        for name, label, lo, hi, tip in INT_FIELDS:
            box = QSpinBox(objectName=f"settings_{name}")
            box.setRange(lo, hi)
            box.setValue(getattr(config, name))
            box.setToolTip(tip)
            box.valueChanged.connect(self._on_field_changed)
            self.fields[name] = box
            form.addRow(label, box)
        for name, label, lo, hi, step, decimals in FLOAT_FIELDS:
            box = QDoubleSpinBox(objectName=f"settings_{name}")
            box.setDecimals(decimals)
            box.setRange(lo, hi)
            box.setSingleStep(step)
            box.setValue(getattr(config, name))
            box.valueChanged.connect(self._on_field_changed)
            self.fields[name] = box
            form.addRow(label, box)
        self.error = QLabel(objectName="settings_error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.BAD.name()};")
        note = QLabel("Apply starts a new run from step 0 with these settings.")
        note.setStyleSheet(f"color: {theme.MUTED.name()};")
        self.buttons = QDialogButtonBox(QDialogButtonBox.Apply | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Apply).clicked.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(note)
        layout.addWidget(self.buttons)
        self._on_field_changed()

    def config(self) -> TrainConfig | None:
        """The edited config, or None when it is invalid (the reason is shown inline)."""
        values = {name: box.value() for name, box in self.fields.items()}
        try:
            return replace(self._base, **values)
        except ConfigError as e:
            self.error.setText(str(e))
            return None

    def _on_field_changed(self, *_) -> None:
        ok = self.config() is not None
        if ok:
            self.error.setText("")
        self.buttons.button(QDialogButtonBox.Apply).setEnabled(ok)
