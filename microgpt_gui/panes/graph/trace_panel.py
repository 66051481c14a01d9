"""TracePanel: the graph pane's trace page (Back, the TraceView, and what the clicked node
does, in words: trace_html)."""

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from microgpt_gui import theme
from microgpt_gui.run.commands import ExpandRequest as _ExpandRequest
from microgpt_gui.run.commands import TraceRequest as _TraceRequest

from .text import fmt
from .trace_view import TraceView


class TracePanel(QWidget):
    """The graph pane's trace page: a breadcrumb with Back, the TraceView, and what the
    selected node's gradient is made of."""

    back_requested = Signal()
    expand = Signal(object)  # an ExpandRequest for the worker

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("trace_panel")
        self.back = QPushButton("◀ Expression", objectName="graph_trace_back")
        self.back.setToolTip("Back to the expression you were exploring")
        self.back.clicked.connect(self.back_requested)
        self.title = QLabel(objectName="graph_trace_title", textFormat=Qt.PlainText)
        self.title.setWordWrap(True)
        self.view = TraceView()
        self.explain = QLabel(objectName="trace_inspector", textFormat=Qt.RichText)
        self.explain.setWordWrap(True)
        self.explain.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.explain.setTextInteractionFlags(Qt.TextSelectableByMouse)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(self.explain)
        split = QSplitter(Qt.Vertical)
        split.addWidget(self.view)
        split.addWidget(scroll)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([420, 240])
        row = QHBoxLayout()
        row.addWidget(self.back)
        row.addWidget(self.title, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(split, 1)
        self.trace = 0  # which trace the view shows
        self.step = 0
        self.param = ""  # e.g. lm_head['a'][3] (microgpt.report.cell_name)
        self.heatmap_grad: float | None = None
        self.view.expand_requested.connect(self._on_view_expand_requested)
        self.view.node_selected.connect(self._on_view_node_selected)

    def start(self, label: str, step: int, heatmap_grad: float | None) -> None:
        """A trace was asked for: clear the view and say so."""
        self.view.clear()
        self.trace, self.step, self.param, self.heatmap_grad = 0, step, label, heatmap_grad
        self.title.setText(f"Tracing {label} to the loss (step {step})…")
        self.explain.setText("")

    def forget(self) -> None:
        """The run the trace came from is gone (reset, loaded, moved in time): empty."""
        self.view.clear()
        self.trace, self.param, self.heatmap_grad = 0, "", None
        self.title.setText("No trace: click a Gradients heatmap cell and press Trace to the loss.")
        self.explain.setText("")

    def show_answer(self, answer) -> None:
        if answer.error:
            self.title.setText(f"Trace of {self.param}: {answer.error}")
            return
        if answer.trace != self.trace:
            if self.trace and not isinstance(answer.request, _TraceRequest):
                return  # uses of an older trace
            self.view.clear()
            self.trace = answer.trace
            self.param = answer.node.name  # the model's own name: lm_head['a'][3]
        self.view.add_answer(answer)
        self.title.setText(
            f"Trace of {self.param}, step {answer.step}: "
            + (answer.note or "click a box to follow it toward the loss.")
        )
        self._select(answer.node.id)  # the node whose uses just arrived

    def _select(self, key) -> None:
        self.view.selected = key
        for k, box in self.view.boxes.items():
            box.selected = k == key
            box.update()
        self.explain.setText(trace_html(self.view, key, self.heatmap_grad))

    def _on_view_node_selected(self, key) -> None:
        self.explain.setText(trace_html(self.view, key, self.heatmap_grad))

    def _on_view_expand_requested(self, node: int, offset: int) -> None:
        self.expand.emit(_ExpandRequest(self.trace, node, offset))


def trace_html(view: TraceView, key, heatmap_grad: float | None) -> str:
    """The selected node: value, grad, and the chain rule over its uses, with numbers."""
    if key is None or key not in view.shown:
        return ""
    item = view.shown[key]
    if item.kind == "more":
        return (
            f"{item.rest} more uses of {esc(view.shown[key[1]].name)}, each smaller than those "
            f"shown; together they pass back <b>{fmt(item.rest_sum)}</b>. Click to see five more."
        )
    numbers = f"value <b>{fmt(item.value)}</b> · grad dloss/d(it) = <b>{fmt(item.grad)}</b>"
    head = f"<b>{esc(item.name)}</b>: {numbers}"
    rows = []
    if key == view.root and heatmap_grad is not None:
        same = (
            "the same number"
            if heatmap_grad == item.grad
            else f"difference {abs(heatmap_grad - item.grad):.1e}"
        )
        rows.append(f"The heatmap's gradient of this cell: {fmt(heatmap_grad)} ({same}).")
    if item.kind == "loss":
        rows.append(
            "This is the step's loss: its gradient is 1 by definition. Every path ends here."
        )
        return "<br>".join([head, *rows])
    exp = view.expanded.get(key)
    if exp is None:
        rows.append("Click it in the graph to see the nodes it feeds and what each passes back.")
        return "<br>".join([head, *rows])
    table = []
    total = 0.0
    for use in exp.uses:
        target = view.known.get(use.target)
        name = esc(target.name) if target is not None else f"node {use.target}"
        total += use.contribution
        how = esc(getattr(use, "how", "") or "")
        table.append(
            f"<tr><td>→ <b>{name}</b></td><td align=right>{fmt(use.local)}</td>"
            f"<td>× {fmt(use.upstream)}</td><td>= <b>{fmt(use.contribution)}</b></td></tr>"
            + (f"<tr><td colspan=4>{muted(how)}</td></tr>" if how else "")
        )
    if exp.rest:
        total += exp.rest_sum
        table.append(
            f"<tr><td colspan=3>+ {exp.rest} smaller uses</td>"
            f"<td>= <b>{fmt(exp.rest_sum)}</b></td></tr>"
        )
    diff = abs(total - item.grad) if item.grad is not None else 0.0
    return (
        f"{head}<br>It feeds {len(exp.uses) + exp.rest} nodes; each passes back local gradient "
        f"× upstream gradient:<table cellspacing=2>{''.join(table)}</table>"
        f"Sum of the contributions: <b>{fmt(total)}</b> = its grad {fmt(item.grad)} "
        f"(difference {diff:.1e})." + ("<br>" + "<br>".join(rows) if rows else "")
    )


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def muted(text_html: str) -> str:
    return f"<span style='color:{theme.MUTED.name()}'>{text_html}</span>"
