"""The cell inspector's two questions to the worker, as widgets: a finite-difference check of
one number's gradient (CellCheck) and its gradient split over the positions (PositionSplit)."""

import math

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from microgpt import GradientCheck, StepReport
from microgpt.model import ParamSpec
from microgpt.report import cell_name
from microgpt_gui import theme
from microgpt_gui.text import elided, token_text

H_CHOICES = ("0.1", "0.01", "0.001", "1e-4", "1e-5", "1e-6", "1e-8")
DEFAULT_H = "1e-4"
MAX_ROWS = 32  # positions drawn; block_size is 16 by default, so this is only a guard
KINK_H = 1e-4  # from this h up, a relu switching inside w ± h is the likely cause of a gap
NOISE = 1e-9  # for h >= 1e-4 rounding gives gaps of ~1e-16 · loss / 2h, about 2e-12

CHECK_HINT = (
    "Recompute this step's loss on the same document with this number at w + h and at "
    "w − h (the parameters before the update) and compare the slope with the gradient."
)
SPLIT_INTRO = (
    "The loss is the mean of the positions' losses, so the gradient is the sum of their "
    "shares. Input → target:"
)
PAUSE_TEXT = "Pause (or take a Step) to see which positions pushed this number."
MUTED = f"color: {theme.MUTED.name()}"


def short_e(x: float) -> str:
    """3.1e-09 -> '3.1e-9', 1e-05 -> '1e-5': a small number without the padded exponent."""
    if x == 0:
        return "0"
    mantissa, exponent = f"{x:.1e}".split("e")
    return f"{mantissa.removesuffix('.0')}e{int(exponent)}"


def parse_h(text: str) -> float:
    """The step h typed by the learner; ValueError with a sentence saying what is wanted."""
    try:
        h = float(text.strip().replace("−", "-"))
    except ValueError:
        h = math.nan
    if not 0 < h <= 1:
        raise ValueError(
            f"h must be a number between 0 and 1, such as 1e-4 (not '{elided(text, 20)}')."
        )
    return h


def check_text(check: GradientCheck, fmt) -> str:
    """The check's numbers in words (plain text), and why they may differ when they do."""
    gap = abs(check.fd - check.autograd)
    lines = [  # short lines: the side column is narrow
        f"L(w+h) = {fmt(check.loss_plus)}",
        f"L(w−h) = {fmt(check.loss_minus)} (h = {short_e(check.h)})",
        "(L(w+h) − L(w−h)) / 2h",
        f"= {fmt(check.fd)},",
        f"autograd {fmt(check.autograd)}",
        f"(difference {short_e(gap)})",
    ]
    if gap > NOISE and gap > 1e-3 * abs(check.autograd):
        if check.h >= KINK_H:
            lines.append(
                "A smaller h may help: a relu can switch on or off between w − h and "
                "w + h, and then the loss is not a smooth curve there."
            )
        else:
            lines.append(
                "A larger h may help: with an h this small, rounding in the loss is divided by 2h."
            )
    return "\n".join(lines)


def position_pair(report: StepReport, k: int) -> str:
    """Position k as input → target, e.g. 'BOS→t'."""
    chars, tokens = report.chars, report.tokens
    return f"{token_text(tokens[k], chars)}→{token_text(tokens[k + 1], chars)}"


def position_zero_reason(report: StepReport, spec: ParamSpec, row: int, col: int, k: int):
    """Why position k's share of spec[row, col]'s gradient is exactly 0, or None if it
    cannot be told (plain text). Position k's loss sees inputs 0..k only."""
    kind = spec.kind
    if kind == "wte" and row not in report.tokens[: k + 1]:
        return f"'{token_text(row, report.chars)}' has not appeared yet"
    if kind == "wpe" and row > k:
        return f"position {row} comes later"
    if kind in ("attn_wq", "attn_wk") and k == 0:
        return "position 0 attends only to itself (weight 1)"
    if kind in ("mlp_fc1", "mlp_fc2") and spec.layer == report.config.n_layer - 1:
        # the last MLP at position k feeds only position k's logits: 0 = its relu gave 0
        return f"hidden neuron {row if kind == 'mlp_fc1' else col} was off here (ReLU gave 0)"
    return None


def plain_label(name: str, text: str = "") -> QLabel:
    label = QLabel(text, objectName=name, wordWrap=True, textFormat=Qt.PlainText)
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return label


def heading(text: str) -> QLabel:
    return QLabel(f"<b>{text}</b>", textFormat=Qt.RichText, wordWrap=True)


class CellCheck(QWidget):
    """h, a Check button and the answer; `asked` carries a valid h."""

    asked = Signal(float)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.h_box = QComboBox(objectName="inspector_check_h", editable=True)
        self.h_box.addItems(H_CHOICES)
        self.h_box.setCurrentText(DEFAULT_H)
        self.h_box.setInsertPolicy(QComboBox.NoInsert)  # Enter checks; it adds no choice
        self.h_box.setToolTip("The step h: the number is moved to w + h and to w − h")
        self.h_box.lineEdit().returnPressed.connect(self._on_button_clicked)
        self.button = QPushButton("Check", objectName="inspector_check", toolTip=CHECK_HINT)
        self.button.clicked.connect(self._on_button_clicked)
        self.result = plain_label("inspector_check_result")
        row = QHBoxLayout()
        row.addWidget(QLabel("h"))
        row.addWidget(self.h_box, 1)
        row.addWidget(self.button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(heading("Check by experiment"))
        layout.addLayout(row)
        layout.addWidget(self.result)

    def set_ready(self, ready: bool) -> None:
        """Checks are answered for a paused step only."""
        self.button.setEnabled(ready)
        self.button.setToolTip(CHECK_HINT if ready else "Pause (or take a Step) to check")

    def show_text(self, text: str, muted: bool = False) -> None:
        self.result.setText(text)
        self.result.setStyleSheet(MUTED if muted else "")
        self.result.setVisible(bool(text))

    def _on_button_clicked(self) -> None:
        if not self.button.isEnabled():
            return
        try:
            h = parse_h(self.h_box.currentText())
        except ValueError as e:
            self.show_text(str(e))
            return
        self.asked.emit(h)


class PositionSplit(QWidget):
    """One row per position (input → target, its share), then their sum beside the gradient."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.status = plain_label("inspector_split_status")
        self.status.setStyleSheet(MUTED)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(1)
        self.grid.setColumnStretch(1, 1)
        self.rows: list[tuple[QLabel, QLabel]] = []  # (input → target, share), made on demand
        self._stacked = False  # each share under its pair (all digits do not fit beside it)
        self.more = plain_label("inspector_split_more")
        self.more.setStyleSheet(MUTED)
        self.total = plain_label("inspector_split_sum")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.addWidget(heading("Which positions pushed this number"))
        layout.addWidget(self.status)
        layout.addLayout(self.grid)
        layout.addWidget(self.more)
        layout.addWidget(self.total)

    def show_message(self, text: str) -> None:
        """A sentence instead of rows: waiting, paused, or the worker's reason."""
        self.status.setText(text)
        self._show_rows(0)
        for label in (self.more, self.total):
            label.setText("")
            label.hide()

    def show_split(
        self,
        report: StepReport,
        spec: ParamSpec,
        row: int,
        col: int,
        values,
        fmt,
        stacked: bool = False,
    ):
        """values[k] = position k's share of report.grads[spec.name][row, col]; stacked:
        each share on a line of its own, under its position."""
        values = np.asarray(values, dtype=float)
        self.status.setText(SPLIT_INTRO)
        drawn = min(len(values), MAX_ROWS)
        if stacked != self._stacked:
            self._stacked = stacked
            self._place(0, len(self.rows))
        self._show_rows(drawn)
        for k in range(drawn):
            pair, share = self.rows[k]
            pair.setText(f"{k}  {position_pair(report, k)}")
            zero = values[k] == 0
            if zero:
                reason = position_zero_reason(report, spec, row, col, k)
                share.setText(f"0 — {reason}" if reason else "0 (no effect)")
            else:
                share.setText(fmt(values[k]))
            for label in (pair, share):
                label.setStyleSheet(MUTED if zero else "")
        self.more.setText(f"+ {len(values) - drawn} more positions (in the sum)")
        self.more.setVisible(len(values) > drawn)
        total, grad = math.fsum(values), float(report.grads[spec.name][row, col])
        self.total.setText(
            f"sum = {fmt(total)}, the gradient of {cell_name(spec, row, col, report.chars)} "
            f"{fmt(grad)} "
            f"(difference {short_e(abs(total - grad))})"
        )
        self.total.show()

    def _show_rows(self, count: int) -> None:
        while len(self.rows) < count:
            k = len(self.rows)
            pair, share = plain_label("inspector_split_pair"), plain_label("inspector_split_share")
            pair.setWordWrap(False)
            self.rows.append((pair, share))
            self._place(k, k + 1)
        for k, (pair, share) in enumerate(self.rows):
            pair.setVisible(k < count)
            share.setVisible(k < count)

    def _place(self, start: int, stop: int) -> None:
        """Rows start..stop-1 in the grid: side by side, or the share under its pair."""
        for k in range(start, stop):
            pair, share = self.rows[k]
            if self._stacked:
                self.grid.addWidget(pair, 2 * k, 0, 1, 2)
                self.grid.addWidget(share, 2 * k + 1, 0, 1, 2)
                share.setIndent(16)
            else:
                self.grid.addWidget(pair, 2 * k, 0, Qt.AlignTop)
                self.grid.addWidget(share, 2 * k, 1, Qt.AlignTop)
                share.setIndent(-1)
