"""SamplingPane: ask the model for names; each is marked new or in the data."""

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QIntValidator
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from microgpt import RunInfo
from microgpt.config import MAX_SEED
from microgpt_gui import theme
from microgpt_gui.run.commands import SampleRequest
from microgpt_gui.run.state import RunState
from microgpt_gui.text import TOOLTIP_CHARS, elided, plain_tooltip

from .probs_chart import ProbsChart

SAMPLE_CHARS = 40  # a name in the list is shown up to this many characters

EMPTY_TEXT = (
    "Press Generate (Ctrl+G) to ask the model for names. Names it made up are "
    "marked new; names it reproduced from the training data are marked in data."
)


EMPTY = "empty, neither new nor in the data"  # no training document is empty
WHY = {
    "in data": "This exact name is in the training data.",
    "new": "The model made this name up: it is not in the training data.",
    EMPTY: "The model chose the end marker (BOS) first: an empty name, neither new nor in "
    "the data.",
}


def sample_tag(s) -> str:
    """'new', 'in data', or EMPTY for an empty text."""
    if not s.text:
        return EMPTY
    return "in data" if s.in_data else "new"


def summary(samples) -> str:
    """'18 of 20 names are new (made up by the model); 1 is in the data; 1 is empty (...).'"""
    tags = [sample_tag(s) for s in samples]
    text = f"{tags.count('new')} of {len(tags)} names are new (made up by the model)"
    for tag, what in (("in data", "in the data"), (EMPTY, "empty (the model ended at once)")):
        k = tags.count(tag)
        if k:
            text += f"; {k} {'is' if k == 1 else 'are'} {what}"
    return text + "."


class SamplingPane(QWidget):
    """Temperature, count, seed and prefix in; names out; click one for its probabilities."""

    generate_requested = Signal(object)  # SampleRequest

    def __init__(self, run: RunState, parent=None):
        super().__init__(parent)
        self._chars: tuple[str, ...] = ()
        self._samples = []
        self.temperature = QDoubleSpinBox(objectName="sample_temperature")
        self.temperature.setRange(0.05, 2.0)
        self.temperature.setSingleStep(0.05)
        self.temperature.setValue(0.5)
        self.temperature.setToolTip("Low: safe, common choices. High: adventurous, odd names.")
        self.count = QSpinBox(objectName="sample_count")
        self.count.setRange(1, 100)
        self.count.setValue(20)
        self.seed = QLineEdit(objectName="sample_seed")
        self.seed.setValidator(QIntValidator(0, MAX_SEED, self))
        self.seed.setPlaceholderText("blank = random")
        self.seed.setToolTip(
            "A whole number gives the same names every time. Blank continues the run's own "
            "random stream, so every Generate gives new names."
        )
        self.prefix = QLineEdit(objectName="sample_prefix")
        self.prefix.setPlaceholderText("optional, e.g. ma")
        self.prefix.textChanged.connect(self._on_prefix_changed)
        self.generate = QPushButton("Generate", objectName="sample_generate")
        self.generate.setToolTip("Generate names (Ctrl+G)")
        self.generate.clicked.connect(self.request)
        self.error = QLabel(objectName="sample_error", textFormat=Qt.PlainText)
        self.error.setStyleSheet(f"color: {theme.BAD.name()};")
        self.error.setWordWrap(True)
        self.error.hide()
        self.results = QListWidget(objectName="sample_results")
        self.results.currentRowChanged.connect(self._on_results_row_changed)
        self.summary = QLabel(EMPTY_TEXT, objectName="sample_summary")
        self.summary.setWordWrap(True)
        self.chart = ProbsChart()
        self._layout()
        run.reset.connect(self._on_run_reset)
        run.sampled.connect(self._on_run_sampled)
        run.sample_failed.connect(self.show_error)

    def _layout(self) -> None:
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow("temperature", self.temperature)
        form.addRow("count", self.count)
        form.addRow("seed", self.seed)
        form.addRow("prefix", self.prefix)
        form.addRow(self.error)
        form.addRow(self.generate)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addLayout(form)
        lv.addWidget(self.results, 1)
        scroll = QScrollArea(objectName="sample_probs_scroll")
        scroll.setWidget(self.chart)
        scroll.setWidgetResizable(True)  # the chart wraps its columns to the width it gets
        scroll.setFrameShape(QScrollArea.NoFrame)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.summary)
        rv.addWidget(scroll, 1)
        split = QSplitter(Qt.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setStretchFactor(1, 2)
        split.setSizes([210, 380])  # names are short; the chart wraps into what is left
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(split)

    # --- the run ---------------------------------------------------------------------

    def _on_run_reset(self, info: RunInfo) -> None:
        self._chars = info.chars
        self._samples = []
        self.results.clear()
        self.chart.show_sample(None, ())
        self.summary.setText(EMPTY_TEXT)
        self._on_prefix_changed(self.prefix.text())

    # --- requests and results --------------------------------------------------------

    def request(self) -> None:
        """Validate the inputs and ask for samples (the worker runs them)."""
        if self._prefix_problem(self.prefix.text()):
            return
        seed = self.seed.text().strip()
        self.generate_requested.emit(
            SampleRequest(
                n=self.count.value(),
                temperature=self.temperature.value(),
                seed=int(seed) if seed else None,
                prefix=self.prefix.text(),
            )
        )

    def _prefix_problem(self, text: str) -> str:
        bad = next((ch for ch in text if ch not in self._chars), None) if self._chars else None
        msg = (
            f"The model has never seen the character {bad!r}, so it cannot start with it."
            if bad is not None
            else ""
        )
        self.show_error(msg)
        return msg

    def show_error(self, msg: str) -> None:
        self.error.setText(msg)
        self.error.setVisible(bool(msg))
        self.generate.setEnabled(not msg)

    def _on_prefix_changed(self, text: str) -> None:
        self._prefix_problem(text)

    def _on_run_sampled(self, samples) -> None:
        self.show_error("")
        self._samples = list(samples)
        self.results.clear()
        for s in self._samples:
            tag = sample_tag(s)
            text = elided(s.text, SAMPLE_CHARS) if s.text else "(empty name)"
            item = QListWidgetItem(f"{text}    — {tag}")
            item.setData(Qt.UserRole, tag)
            item.setForeground(QColor(theme.NEW.darker(130) if tag == "new" else theme.MUTED))
            item.setToolTip(plain_tooltip(f"{elided(s.text, TOOLTIP_CHARS // 2)}\n{WHY[tag]}"))
            self.results.addItem(item)
        self.summary.setText(
            f"{summary(self._samples)} Click a name to see how likely each next character was."
        )
        if self._samples:
            self.results.setCurrentRow(0)

    def _on_results_row_changed(self, row: int) -> None:
        if 0 <= row < len(self._samples):
            self.chart.show_sample(self._samples[row], self._chars)
