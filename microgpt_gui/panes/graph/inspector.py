"""NodeInspector: one node's value and gradient, explained in sentences with the numbers,
with the curve whose slope the gradient is, and a nudge for leaves."""

import sys

from PySide6.QtCore import Qt, Signal
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

from microgpt.expr.explore import DEFAULT_LR, Update
from microgpt.expr.language import ExprGraph

from . import explain
from .plots import FunctionPlot
from .text import fmt, name_of

EMPTY_TEXT = (
    "Click a box in the graph (or use the arrow keys) to see why its gradient is what it is."
)
WALK_NOTE = (
    "The slope, the whole chain and the check appear when both passes are done (Next to the end)."
)
H_CHOICES = ["0.1", "0.01", "0.001", "1e-4", "1e-6", "1e-8"]
SLIDER_STEPS = 500  # each side of the value written in the program


class NodeInspector(QWidget):
    """Value, gradient, the descent update, the function plot, the chain rule path by path
    and term by term, a finite-difference check, and a nudge for leaves."""

    nudged = Signal(int, float)  # node index, new forward value
    nudges_reset = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("node_inspector")
        self.graph: ExprGraph | None = None
        self.index: int | None = None
        self.title = self._label("inspector_title", EMPTY_TEXT)
        self.numbers = self._label("inspector_numbers")
        self.update_text = self._label("inspector_update")
        self.function_plot = FunctionPlot()
        self.slope = self._label("inspector_slope", plain=True)
        self.paths = self._label("inspector_paths")
        self.chain = self._label("inspector_chain")
        self.check = self._label("inspector_check")
        self.nudge_text = self._label("inspector_nudge")
        self.h_box = QComboBox(objectName="inspector_h", editable=True)
        self.h_box.addItems(H_CHOICES)
        self.h_box.setCurrentText("1e-4")
        self.h_box.lineEdit().setMaxLength(64)  # any text gets a message; no validator eats keys
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

    def _label(self, name: str, text: str = "", plain: bool = False) -> QLabel:
        fmt = Qt.PlainText if plain else Qt.RichText
        label = QLabel(text, objectName=name, wordWrap=True, textFormat=fmt)
        label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        return label

    def _layout(self) -> None:
        self.controls = QWidget()
        rows = QVBoxLayout(self.controls)
        rows.setContentsMargins(0, 0, 0, 0)
        nudge_row = QHBoxLayout()
        nudge_row.addWidget(QLabel("nudge", objectName="nudge_caption"))
        nudge_row.addWidget(self.slider, 1)
        nudge_row.addWidget(self.spin)
        nudge_row.addWidget(self.reset)
        h_row = QHBoxLayout()
        h_row.addWidget(QLabel("finite-difference step h"))
        h_row.addWidget(self.h_box)
        h_row.addStretch(1)
        rows.addLayout(nudge_row)
        rows.addWidget(self.nudge_text)
        rows.addWidget(self.check)
        rows.addLayout(h_row)
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 4, 4, 4)
        # the plot and the nudge under it first: both on screen at 1280x800 (issue 23)
        for w in (self.title, self.function_plot.widget, self.controls, self.numbers):
            box.addWidget(w)
        for w in (self.update_text, self.slope, self.paths, self.chain):
            box.addWidget(w)
        box.addStretch(1)

    # --- showing a node -------------------------------------------------------------

    def show_node(
        self,
        graph: ExprGraph | None,
        index: int | None,
        walk=None,
        lr: float = DEFAULT_LR,
        last: Update | None = None,
        nudged: bool = False,
    ) -> None:
        """Explain node `index` of `graph` (None: the empty state). walk: the step-through
        being walked (explain as of its current move); lr and last: the descent's learning
        rate and node's last update; nudged: the node was last moved by hand."""
        self.graph, self.index = graph, index
        self._nudged = nudged
        if graph is None or index is None:
            self.title.setText(EMPTY_TEXT)
            for w in (self.numbers, self.update_text, self.slope, self.paths, self.chain):
                w.hide()
            self.function_plot.widget.hide()
            self.controls.hide()
            return
        g, i = graph, index
        output = i == len(g.nodes) - 1
        self.title.setText(explain.title_html(g, i))
        self._set(self.numbers, explain.numbers_html(g, i, walk))
        self._set(self.update_text, explain.update_html(g, i, lr, last) if walk is None else "")
        self._set(self.chain, explain.chain_html(g, i, walk))
        self.controls.setVisible(walk is None)
        plot = walk is None and not output
        self.function_plot.widget.setVisible(plot)
        self._set(self.slope, self.function_plot.show(g, i) if plot else "")
        self._set(self.paths, explain.paths_html(g, i) if plot else "")
        if walk is not None:
            self._set(self.slope, "" if output else WALK_NOTE)
            return
        self.check.setText(explain.check_html(g, i, self.h_box.currentText()))
        self._show_nudge()

    def _set(self, label: QLabel, text: str) -> None:
        label.setText(text)
        label.setVisible(bool(text))

    # --- nudging a leaf -------------------------------------------------------------

    def _show_nudge(self) -> None:
        g, i = self.graph, self.index
        step = g.steps[i]
        leaf = step.op == ""
        for w in (self.slider, self.spin):
            w.setEnabled(leaf)
        if not leaf:
            self.spin.blockSignals(True)
            self.spin.clear()  # not the value of the leaf shown before
            self.spin.blockSignals(False)
            kids = " and ".join(name_of(g, a) for a in step.args)
            self.nudge_text.setText(
                f"{explain.esc(name_of(g, i))} is computed from {explain.esc(kids)}: "
                f"nudge a leaf (a number you typed) to move it. The check below nudges it "
                f"for you."
            )
            return
        value = g.nodes[i].data
        held = abs(value) <= self.spin.maximum()  # else the box would show its limit instead
        self.spin.setEnabled(held)
        self.spin.setToolTip(
            ""
            if held
            else f"{fmt(value)} is beyond this box's ±{self.spin.maximum():,.0f}: "
            "drag the slider, or write the number in the program"
        )
        t = (value - step.const) / self._span() * SLIDER_STEPS  # ±inf when it overflows
        self.spin.blockSignals(True)
        self.slider.blockSignals(True)
        self.spin.setValue(value)
        self.slider.setValue(round(min(max(t, -SLIDER_STEPS), SLIDER_STEPS)))
        self.spin.blockSignals(False)
        self.slider.blockSignals(False)
        self.nudge_text.setText(explain.nudge_html(g, i, self._nudged))

    def _span(self) -> float:
        """How far the slider's ends are from the value written (finite for any value)."""
        return min(2 * max(1.0, abs(self.graph.steps[self.index].const)), sys.float_info.max)

    def _on_slider_changed(self, t: int) -> None:
        if self.graph is not None and self.index is not None:
            x = self.graph.steps[self.index].const + t / SLIDER_STEPS * self._span()
            top = sys.float_info.max  # 1e308 + 1.8e308 is inf: the slider's end is the largest
            self.nudged.emit(self.index, min(max(x, -top), top))

    def _on_spin_changed(self, x: float) -> None:
        if self.graph is not None and self.index is not None:
            self.nudged.emit(self.index, x)

    def _on_h_changed(self, text: str) -> None:
        if self.graph is not None and self.index is not None:
            self.check.setText(explain.check_html(self.graph, self.index, text))
