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
from microgpt.config import LEARNING_RATE_RANGE, LIMITS, MAX_SEED, check_cost, cost_summary
from microgpt_gui import theme

INT_FIELDS = [  # name, label, minimum, tooltip; the maximum is config.LIMITS's
    ("n_embd", "embedding width (n_embd)", 1, "numbers that describe each character"),
    ("n_head", "attention heads (n_head)", 1, "must divide the embedding width"),
    ("n_layer", "layers (n_layer)", 1, "transformer blocks stacked on each other"),
    ("block_size", "context (block_size)", 1, "the longest run of characters it sees"),
    ("num_steps", "steps (num_steps)", 1, "length of the learning-rate schedule"),
    ("seed", "seed", 0, "same seed, same shuffle, same start, same run"),
]
FLOAT_FIELDS = [  # name, label, minimum, maximum, step, decimals
    ("learning_rate", "learning rate", *LEARNING_RATE_RANGE, 0.001, 5),
    ("beta1", "Adam beta1", 0.0, 1.0, 0.01, 4),
    ("beta2", "Adam beta2", 0.0, 1.0, 0.001, 4),
]
NAMES_VOCAB = 27  # the bundled names: 26 letters + BOS, when the caller does not say


class SettingsDialog(QDialog):
    """Edits a TrainConfig; Apply is enabled only when the combination is valid and fits.

    vocab_size and backend are the run's, for the cost estimate. The config must fit the
    run's engine (the other engine's refusal is a warning); without a backend, both.
    """

    def __init__(
        self,
        config: TrainConfig,
        parent=None,
        *,
        vocab_size: int = NAMES_VOCAB,
        backend: str | None = None,
    ):
        super().__init__(parent)
        self.setWindowTitle("Training settings")
        self.setObjectName("settings_dialog")
        self.setMinimumWidth(380)  # room for the estimate and a refusal on few lines
        self._base, self._vocab_size, self._backend = config, vocab_size, backend
        self.fields: dict[str, QSpinBox | QDoubleSpinBox] = {}
        form = QFormLayout()
        for name, label, lo, tip in INT_FIELDS:
            box = QSpinBox(objectName=f"settings_{name}")
            box.setRange(lo, LIMITS.get(name, MAX_SEED))
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
        self._shown = {name: box.value() for name, box in self.fields.items()}
        self.estimate = self._label("settings_estimate", theme.MUTED)
        self.warning = self._label("settings_warning", None)
        self.error = self._label("settings_error", theme.BAD)
        note = self._label("", theme.MUTED)
        note.setText("Apply starts a new run from step 0 with these settings.")
        self.buttons = QDialogButtonBox(QDialogButtonBox.Apply | QDialogButtonBox.Cancel)
        self.buttons.button(QDialogButtonBox.Apply).clicked.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        for widget in (self.estimate, self.warning, self.error, note, self.buttons):
            layout.addWidget(widget)
        self._on_field_changed()

    @staticmethod
    def _label(name: str, color) -> QLabel:
        label = QLabel(objectName=name)
        label.setWordWrap(True)
        if color is not None:
            label.setStyleSheet(f"color: {color.name()};")
        return label

    def config(self) -> TrainConfig | None:
        """The edited config, or None when it is invalid or cannot run (the reason is shown)."""
        # a box still showing its start keeps the exact value (5 decimals round 0.0123456)
        values = {n: b.value() for n, b in self.fields.items() if b.value() != self._shown[n]}
        try:
            config = replace(self._base, **values)
        except ConfigError as e:
            self._show("", error=str(e))
            return None
        checks = {b: check_cost(config, self._vocab_size, b) for b in ("scalar", "numpy")}
        must_fit = (self._backend,) if self._backend else tuple(checks)
        refusal = next((checks[b].refusal for b in must_fit if checks[b].refusal), "")
        notes = [c.warning if b in must_fit else c.refusal or c.warning for b, c in checks.items()]
        warning = " · ".join(n for n in notes if n)
        self._show(cost_summary(config, self._vocab_size), error=refusal, warning=warning)
        return None if refusal else config

    def _show(self, estimate: str, error: str = "", warning: str = "") -> None:
        self.estimate.setText(estimate)
        self.error.setText(error)
        self.error.setVisible(bool(error))
        self.warning.setText(f"⚠ {warning}" if warning else "")
        self.warning.setVisible(bool(warning))

    def _on_field_changed(self, *_) -> None:
        ok = self.config() is not None
        self.buttons.button(QDialogButtonBox.Apply).setEnabled(ok)
