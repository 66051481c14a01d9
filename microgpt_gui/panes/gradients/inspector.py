"""ParamInspector: one parameter's value, gradient and Adam state, and what the cell means."""

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from microgpt import StepReport
from microgpt.model import ParamSpec
from microgpt.report import cell_name
from microgpt_gui import theme
from microgpt_gui.run.commands import CellAnswer, CheckRequest, SplitRequest
from microgpt_gui.text import escaped, token_text

from .check import PAUSE_TEXT, CellCheck, PositionSplit, check_text

DOC_CHARS = 40  # a document is quoted up to this many characters

EMPTY_TEXT = (
    "Click a cell of a heatmap to see that number's value, its gradient and how "
    "Adam moved it in the last step."
)

# key -> (row label, tooltip)
FIELDS = {
    "before": ("value before", "the number before this step's update: after − update"),
    "after": ("value after", "the number after this step's update"),
    "grad": ("gradient", "dLoss/dweight: how much the loss grows when this number grows a bit"),
    "m": ("Adam m", "running average of the gradient: m = β₁·m + (1 − β₁)·grad"),
    "v": ("Adam v", "running average of the squared gradient: v = β₂·v + (1 − β₂)·grad²"),
    "m_hat": ("m_hat", "m corrected for starting at 0: m_hat = m / (1 − β₁^t)"),
    "v_hat": ("v_hat", "v corrected for starting at 0: v_hat = v / (1 − β₂^t)"),
    "lr": ("lr_t", "the learning rate of this step (it decays linearly to 0)"),
    "update": ("update", "the change Adam made: −lr_t · m_hat / (√v_hat + ε)"),
}


def quoted(token: int, chars) -> str:
    """'e', ' ' (space) or BOS (the start/end marker)."""
    if token == len(chars):
        return "BOS (the start/end marker)"
    return "' ' (space)" if chars[token] == " " else f"'{chars[token]}'"


def bracketed(text: str) -> str:
    """'-0.5' -> '(-0.5)', so a formula never reads '· -0.5'."""
    return f"({text})" if text.startswith("-") else text


def cell_meaning(spec: ParamSpec, row: int, col: int, chars, head_dim: int) -> str:
    """What parameter spec[row, col] does, in words a newcomer can follow (plain text)."""
    kind = spec.kind
    layer = "" if spec.layer is None else f" (layer {spec.layer})"
    h, d = divmod(row, head_dim)
    look = {
        "attn_wq": ("query", "what a position is looking for"),
        "attn_wk": ("key", "what a position offers to the others"),
        "attn_wv": ("value", "what a position passes on when it is attended to"),
    }
    if kind == "wte":
        return f"embedding of {quoted(row, chars)}, dimension {col}"
    if kind == "wpe":
        return f"position {row}, dimension {col}"
    if kind == "lm_head":
        return (
            f"how much dimension {col} of the final vector votes for "
            f"{quoted(row, chars)} as the next character"
        )
    if kind in look:
        what, why = look[kind]
        return (
            f"{what} of head {h}, dimension {d}{layer}: how much input dimension {col} "
            f"adds to it. A {what} is {why}."
        )
    if kind == "attn_wo":
        ch, cd = divmod(col, head_dim)
        return (
            f"how much dimension {cd} of head {ch}'s output adds to dimension {row} of "
            f"the vector{layer}"
        )
    if kind == "mlp_fc1":
        return f"how much input dimension {col} feeds hidden neuron {row} of the MLP{layer}"
    return f"how much hidden neuron {col} of the MLP adds to dimension {row}{layer}"


def zero_reason(report: StepReport, spec: ParamSpec, row: int, col: int) -> str | None:
    """Why spec[row, col] has exactly zero gradient in this report, or None if it has not.

    Rich text: the document it quotes is escaped and bounded.
    """
    grad = report.grads[spec.name]
    if grad[row, col] != 0.0:
        return None
    kind, n, doc = spec.kind, report.n, escaped(report.doc, DOC_CHARS)
    if kind == "wte" and row not in report.tokens[:n]:
        c = escaped(token_text(row, report.chars), 8)
        if report.chars[row] in report.doc:  # only beyond the block: never fed as an input
            return (
                f"zero gradient: '{c}' comes after the first {n} positions of this example "
                f"('{doc}'), so its embedding was never used"
            )
        return (
            f"zero gradient: '{c}' did not occur in this example ('{doc}'), so its "
            "embedding was not used"
        )
    if kind == "wpe" and row >= n:
        return (
            f"zero gradient: this example ('{doc}') has only {n} positions (0–{n - 1}), "
            f"so position {row} was not used"
        )
    neuron = row if kind == "mlp_fc1" else col
    lane = grad[row] if kind == "mlp_fc1" else grad[:, col]
    if kind in ("mlp_fc1", "mlp_fc2") and not lane.any():
        return (
            f"zero gradient: hidden neuron {neuron} was switched off (ReLU gave 0) at every "
            "position, so this weight did not change the loss"
        )
    return "zero gradient: this number did not affect the loss in this step"


class ParamInspector(QWidget):
    """lm_head['l'][11], its meaning, and the numbers of Adam's update for it."""

    question = Signal(object)  # a CheckRequest or SplitRequest for the worker
    trace_requested = Signal(str, int, int)  # Trace to the loss: matrix name, row, col

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("param_inspector")
        self._shown: tuple | None = None  # (report, spec, row, col)
        # the questions asked about the shown cell, and their answers (None: none yet)
        self._asked: dict[type, CheckRequest | SplitRequest | None] = {}
        self._answers: dict[type, CellAnswer | None] = {}
        self.title = self._label("inspector_title", "")
        self.meaning = self._label("inspector_meaning", EMPTY_TEXT)
        self.meaning.setTextFormat(Qt.PlainText)  # it quotes characters of the data
        self.meaning.setStyleSheet(f"color: {theme.MUTED.name()}")
        self.form = form = QFormLayout()
        form.setLabelAlignment(Qt.AlignRight)
        form.setHorizontalSpacing(8)
        self.values, self.names = {}, {}
        for key, (text, tip) in FIELDS.items():
            self.names[key] = QLabel(text, toolTip=tip)
            self.values[key] = self._label(f"inspector_{key}", "", tip)
            form.addRow(self.names[key], self.values[key])
        self.formula = self._label("inspector_formula", "")
        self.note = self._label("inspector_note", "")
        self.note.setTextFormat(Qt.RichText)  # zero_reason escapes the document it quotes
        self.note.setStyleSheet(f"color: {theme.HIGHLIGHT.name()}")
        self.all_digits = QCheckBox("all digits", objectName="inspector_all_digits")
        self.all_digits.setToolTip("Show every digit of each number (Python's repr)")
        self.all_digits.toggled.connect(self._on_all_digits_toggled)
        self.trace = QPushButton("Trace to the loss", objectName="inspector_trace")
        self.trace.setToolTip(
            "Open this number's part of the last step's computation graph in the Computation "
            "graph pane, and follow it node by node to the loss (or double-click the cell)"
        )
        self.trace.clicked.connect(self._on_trace_clicked)
        self.check = CellCheck()
        self.check.asked.connect(self._on_check_asked)
        self.split = PositionSplit()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        for w in (self.title, self.meaning, self.note):
            layout.addWidget(w)
        layout.addLayout(form)
        # the check right under the numbers: at 1280x800 its row and answer fit unscrolled
        for w in (self.check, self.formula, self.all_digits, self.trace, self.split):
            layout.addWidget(w)
        layout.addStretch(1)
        self.clear()

    @staticmethod
    def _label(name: str, text: str, tip: str = "") -> QLabel:
        label = QLabel(text, objectName=name, toolTip=tip, wordWrap=True)
        label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        return label

    def fmt(self, x: float) -> str:
        """All digits (round-trips exactly) or 6 significant ones."""
        x = float(x) + 0.0  # -0.0 -> 0.0
        return repr(x) if self.all_digits.isChecked() else f"{x:.6g}"

    def clear(self) -> None:
        self._shown = None
        self._forget_questions()
        self.check.hide()
        self.split.hide()
        self.trace.hide()
        self.title.setText("Cell inspector")
        self.meaning.setText(EMPTY_TEXT)
        for key in FIELDS:
            self.names[key].setVisible(False)
            self.values[key].setVisible(False)
        self.formula.setText("")
        self.note.setText("")
        self.note.setVisible(False)
        self.all_digits.setVisible(False)

    def show_cell(self, report: StepReport, spec: ParamSpec, row: int, col: int) -> None:
        """Fill every field from the report's arrays at spec[row, col]; a new report or
        cell asks the worker for its split (detailed reports only: not during Play)."""
        old, self._shown = self._shown, (report, spec, row, col)
        if old is None or old[0] is not report or (old[1].name, *old[2:]) != (spec.name, row, col):
            self._forget_questions()
            if report.probs is not None:
                self._ask(SplitRequest(report.step, spec.name, row, col))
        name = spec.name
        self.all_digits.setVisible(True)
        self.trace.setVisible(True)
        cfg, t, f = report.config, report.step, self.fmt
        after, update = report.params[name][row, col], report.updates[name][row, col]
        m, v = report.adam_m[name][row, col], report.adam_v[name][row, col]
        m_hat = m / (1 - cfg.beta1**t)  # t = report.step, 1-based
        v_hat = v / (1 - cfg.beta2**t)
        shown = {
            "before": f(after - update),
            "after": f(after),
            "grad": f(report.grads[name][row, col]),
            "m": f(m),
            "v": f(v),
            "m_hat": f(m_hat),
            "v_hat": f(v_hat),
            "lr": f(report.lr),
            "update": f(update),
        }
        for key, text in shown.items():
            self.values[key].setText(text)
            self.names[key].setVisible(True)
            self.values[key].setVisible(True)
        label = escaped(cell_name(spec, row, col, report.chars), 80)  # a char of the data
        self.title.setText(f"<b>{label}</b> &nbsp;after step {t}")
        self.meaning.setText(cell_meaning(spec, row, col, report.chars, cfg.head_dim))
        self.formula.setText(
            f"m_hat = m / (1 − {cfg.beta1:g}<sup>{t}</sup>)<br>v_hat = v / (1 − {cfg.beta2:g}"
            f"<sup>{t}</sup>)<br>update = −lr_t · m_hat / (√v_hat + ε)<br>= −{f(report.lr)} · "
            f"{bracketed(f(m_hat))} / (√{f(v_hat)} + {cfg.eps:g})<br>= <b>{f(update)}</b>"
        )
        reason = zero_reason(report, spec, row, col)
        moved = " Adam still moved it: m remembers earlier gradients." if update != 0 else ""
        self.note.setText(f"<b>{reason}.</b>{moved}" if reason else "")
        self.note.setVisible(reason is not None)
        self._show_answers()

    def _on_all_digits_toggled(self, on: bool) -> None:
        # 17 digits do not fit beside their names in the side column: put each under its name
        self.form.setRowWrapPolicy(QFormLayout.WrapAllRows if on else QFormLayout.DontWrapRows)
        if self._shown is not None:
            self.show_cell(*self._shown)

    def _on_trace_clicked(self) -> None:
        if self._shown is not None:
            _report, spec, row, col = self._shown
            self.trace_requested.emit(spec.name, row, col)

    def show_answer(self, answer: CellAnswer) -> None:
        """The worker's CellAnswer to a question this inspector asked (or a stale one)."""
        kind = type(answer.request)
        if self._shown is None or answer.request != self._asked.get(kind):
            return  # another cell, another step, or an h asked before the last one
        self._answers[kind] = answer
        self._show_answers()

    def _forget_questions(self) -> None:
        self._asked = {CheckRequest: None, SplitRequest: None}
        self._answers = {CheckRequest: None, SplitRequest: None}

    def _ask(self, request: CheckRequest | SplitRequest) -> None:
        self._asked[type(request)], self._answers[type(request)] = request, None
        self.question.emit(request)

    def _on_check_asked(self, h: float) -> None:
        report, spec, row, col = self._shown
        self._ask(CheckRequest(report.step, spec.name, row, col, h))
        self._show_answers()

    def _show_answers(self) -> None:
        """The check and the split of the shown cell: waiting, an error, or the numbers."""
        report, spec, row, col = self._shown
        self.check.set_ready(report.probs is not None)
        asked, answer = self._asked[CheckRequest], self._answers[CheckRequest]
        if asked is None:
            self.check.show_text("")
        elif answer is None:
            self.check.show_text("checking…", muted=True)
        elif answer.value is None:
            self.check.show_text(answer.error, muted=True)
        else:
            self.check.show_text(check_text(answer.value, self.fmt))
        asked, answer = self._asked[SplitRequest], self._answers[SplitRequest]
        if asked is None:
            self.split.show_message(PAUSE_TEXT)
        elif answer is None:
            self.split.show_message("working out each position's share…")
        elif answer.value is None:
            self.split.show_message(answer.error)
        else:
            self.split.show_split(
                report, spec, row, col, answer.value, self.fmt, self.all_digits.isChecked()
            )
        self.check.show()
        self.split.show()
