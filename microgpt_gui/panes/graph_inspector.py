"""NodeInspector: one node's value and gradient, explained in sentences with the numbers."""

import html
import re

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDoubleValidator
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from microgpt.expr import ExprError, ExprGraph, evaluate

from .. import theme
from .graph_text import KIND_WORDS, fmt, leaf_words, local_rule, name_of, op_symbol

EMPTY_TEXT = (
    "Click a box in the graph (or use the arrow keys) to see why its gradient is what it is."
)
H_CHOICES = ["0.1", "0.01", "0.001", "1e-4", "1e-6", "1e-8"]
SLIDER_STEPS = 500  # each side of the value written in the program
CHAIN_ROWS = 8  # uses shown one by one; selecting a node used 499 times took 3.5 s with a row each


def _html(text: str) -> str:
    return html.escape(text, quote=False)


class NodeInspector(QWidget):
    """Value, gradient, chain-rule terms, a finite-difference check, and a nudge for leaves."""

    nudged = Signal(int, float)  # node index, new forward value
    nudges_reset = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("node_inspector")
        self.graph: ExprGraph | None = None
        self.index: int | None = None
        self.title = self._label("inspector_title", EMPTY_TEXT)
        self.numbers = self._label("inspector_numbers")
        self.chain = self._label("inspector_chain")
        self.check = self._label("inspector_check")
        self.nudge_text = self._label("inspector_nudge")
        self.h_box = QComboBox(objectName="inspector_h", editable=True)
        self.h_box.addItems(H_CHOICES)
        self.h_box.setCurrentText("1e-4")
        self.h_box.setValidator(QDoubleValidator(1e-12, 10.0, 12, self))
        self.h_box.setToolTip("The step h of the finite-difference check")
        self.h_box.currentTextChanged.connect(self._on_h_changed)
        self.slider = QSlider(Qt.Horizontal, objectName="nudge_slider")
        self.slider.setRange(-SLIDER_STEPS, SLIDER_STEPS)
        self.slider.setAccessibleName("Nudge the selected leaf")
        self.slider.valueChanged.connect(self._on_slider_changed)
        self.spin = QDoubleSpinBox(objectName="nudge_spin", decimals=4, minimum=-1e6, maximum=1e6)
        self.spin.setSingleStep(0.1)
        self.spin.setAccessibleName("Value of the selected leaf")
        self.spin.valueChanged.connect(self._on_spin_changed)
        self.reset = QPushButton("Undo nudges", objectName="nudge_reset")
        self.reset.setToolTip("Put every nudged leaf back to the value written in the program")
        self.reset.clicked.connect(self.nudges_reset)
        self._layout()
        self.show_node(None, None)

    def _label(self, name: str, text: str = "") -> QLabel:
        label = QLabel(text, objectName=name, wordWrap=True, textFormat=Qt.RichText)
        label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        return label

    def _layout(self) -> None:
        self.controls = QWidget()
        rows = QVBoxLayout(self.controls)
        rows.setContentsMargins(0, 0, 0, 0)
        h_row = QHBoxLayout()
        h_row.addWidget(QLabel("finite-difference step h"))
        h_row.addWidget(self.h_box)
        h_row.addStretch(1)
        h_row.addWidget(self.reset)
        nudge_row = QHBoxLayout()
        nudge_row.addWidget(QLabel("nudge", objectName="nudge_caption"))
        nudge_row.addWidget(self.slider, 1)
        nudge_row.addWidget(self.spin)
        rows.addLayout(h_row)
        rows.addLayout(nudge_row)
        rows.addWidget(self.nudge_text)
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 4, 4, 4)
        for w in (self.title, self.numbers, self.chain, self.check, self.controls):
            box.addWidget(w)
        box.addStretch(1)

    # --- showing a node -------------------------------------------------------------

    def show_node(self, graph: ExprGraph | None, index: int | None) -> None:
        """Explain node `index` of `graph` (None: the empty state)."""
        self.graph, self.index = graph, index
        if graph is None or index is None:
            for label in (self.numbers, self.chain, self.check, self.nudge_text):
                label.clear()
            self.title.setText(EMPTY_TEXT)
            self.controls.hide()
            return
        self.controls.show()
        self.title.setText(self._title_html())
        self.numbers.setText(self._numbers_html())
        self.chain.setText(self._chain_html())
        self.chain.setVisible(bool(self.chain.text()))
        self.check.setText(self._check_html())
        self._show_nudge()

    def _title_html(self) -> str:
        g, i = self.graph, self.index
        step = g.steps[i]
        kind = leaf_words(g, i) if step.op == "" else KIND_WORDS[g.kind(i)]
        line = re.split(r"\r\n|\r|\n", g.source)[step.line - 1].strip()  # with its comment
        made = f", made by {op_symbol(g, i)}" if step.op else ""
        return (
            f"<b style='font-size:12pt'>{_html(name_of(g, i))}</b> is {_html(kind)}"
            f"{_html(made)} <span style='color:{theme.MUTED.name()}'>(line {step.line}: "
            f"<code>{_html(line)}</code>)</span>"
        )

    def _names(self) -> tuple[str, str]:
        """The selected node's and the output's names, escaped for rich text."""
        g = self.graph
        return _html(name_of(g, self.index)), _html(name_of(g, len(g.nodes) - 1))

    def _numbers_html(self) -> str:
        g, i = self.graph, self.index
        x, out = self._names()
        node = g.nodes[i]
        grad = f"grad d{out}/d{x} = <b>{fmt(node.grad)}</b>"
        head = f"value <b>{fmt(node.data)}</b> &nbsp; · &nbsp; {grad}"
        if i == len(g.nodes) - 1:
            return f"{head}<br>{out} is the output, so its gradient is 1 by definition."
        direction = "goes up" if node.grad > 0 else "goes down" if node.grad < 0 else "stays put"
        return (
            f"{head}<br>{out} changes by {fmt(node.grad)} for each unit {x} moves "
            f"(for small moves): when {x} goes up, {out} {direction}."
        )

    def _chain_html(self) -> str:
        g, i = self.graph, self.index
        if i == len(g.nodes) - 1:
            return ""
        terms = g.chain_terms(i)
        x = name_of(g, i)
        users = "once" if len(terms) == 1 else f"{len(terms)} times"
        rows = []
        for t in terms[:CHAIN_ROWS]:
            c = name_of(g, t.consumer)
            rows.append(
                f"<tr><td>via <b>{_html(c)}</b>:</td><td align=right>{fmt(t.local)}</td>"
                f"<td>× {fmt(t.upstream)}</td><td>= <b>{fmt(t.contribution)}</b></td></tr>"
                f"<tr><td></td><td colspan=3 style='color:{theme.MUTED.name()}'>"
                f"local {_html(local_rule(g, t.consumer, t.slot))}; upstream = grad of "
                f"{_html(c)}</td></tr>"
            )
        total = " + ".join(fmt(t.contribution) for t in terms)
        if len(terms) > CHAIN_ROWS:  # a value used hundreds of times: not a row each
            rest = terms[CHAIN_ROWS:]
            rows.append(
                f"<tr><td colspan=4>… and {len(rest)} more uses, together "
                f"<b>{fmt(sum(t.contribution for t in rest))}</b></td></tr>"
            )
            total = f"the {len(terms)} contributions"
        return (
            f"<b>Why?</b> The chain rule: {_html(x)} is used {users}; each use passes back "
            f"local gradient × upstream gradient:<table cellspacing=2>{''.join(rows)}</table>"
            f"Sum: {total} = <b>{fmt(g.nodes[i].grad)}</b>, the gradient of {_html(x)}."
        )

    def _check_html(self) -> str:
        g, i = self.graph, self.index
        x, out = self._names()
        try:
            h = float(self.h_box.currentText())
            fd = g.finite_difference(i, h)
        except ExprError as exc:
            return f"<b>Check by experiment</b> failed: {_html(str(exc))}"
        except ValueError:
            return "<b>Check by experiment</b>: type a positive step h."
        grad = g.nodes[i].grad
        return (
            f"<b>Check by experiment:</b> move {x} by ±h and watch {out}: "
            f"({out}({x}+h) − {out}({x}−h)) / 2h = <b>{fmt(fd)}</b>; autograd says "
            f"<b>{fmt(grad)}</b> (difference {abs(fd - grad):.1e})."
        )

    # --- nudging a leaf -------------------------------------------------------------

    def _enable_nudge(self, on: bool) -> None:
        for w in (self.slider, self.spin):
            w.setEnabled(on)

    def _show_nudge(self) -> None:
        g, i = self.graph, self.index
        step = g.steps[i]
        leaf = step.op == ""
        self._enable_nudge(leaf)
        if not leaf:
            kids = " and ".join(name_of(g, a) for a in step.args)
            self.nudge_text.setText(
                f"{_html(name_of(g, i))} is computed from {_html(kids)}: nudge a leaf (a number "
                f"you typed) to move it. The check above nudges it for you."
            )
            return
        value = g.nodes[i].data
        self.spin.blockSignals(True)
        self.slider.blockSignals(True)
        self.spin.setValue(value)
        self.slider.setValue(round((value - step.const) / self._span() * SLIDER_STEPS))
        self.spin.blockSignals(False)
        self.slider.blockSignals(False)
        self.nudge_text.setText(self._nudge_html())

    def _span(self) -> float:
        return 2 * max(1.0, abs(self.graph.steps[self.index].const))

    def _nudge_html(self) -> str:
        g, i = self.graph, self.index
        x, out = self._names()
        if i not in g.overrides:
            return f"Drag the slider to nudge {x} and watch {out} move."
        base = {k: v for k, v in g.overrides.items() if k != i}
        try:
            before = evaluate(g.source, base)
        except ExprError as exc:
            return _html(str(exc))
        x0, x1 = before.nodes[i].data, g.nodes[i].data
        l0, l1 = before.output.data, g.output.data
        slope = f"Δ{out}/Δ{x} = <b>{fmt((l1 - l0) / (x1 - x0))}</b>" if x1 != x0 else ""
        return (
            f"{x}: {fmt(x0)} → {fmt(x1)}; {out}: {fmt(l0)} → <b>{fmt(l1)}</b>. {slope} "
            f"(the gradient at the new point is {fmt(g.nodes[i].grad)})"
        )

    def _on_slider_changed(self, t: int) -> None:
        if self.graph is not None and self.index is not None:
            x = self.graph.steps[self.index].const + t / SLIDER_STEPS * self._span()
            self.nudged.emit(self.index, x)

    def _on_spin_changed(self, x: float) -> None:
        if self.graph is not None and self.index is not None:
            self.nudged.emit(self.index, x)

    def _on_h_changed(self, text: str) -> None:
        if self.graph is not None and self.index is not None:
            self.check.setText(self._check_html())
