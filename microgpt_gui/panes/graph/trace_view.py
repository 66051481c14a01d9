"""TraceView: the last step's computation graph around one parameter, grown by clicking.

It starts with the parameter's node and the nodes it feeds directly (its uses), each edge
labelled local gradient × upstream gradient = contribution. Clicking a node asks for its
uses in turn (five at a time, largest contribution first; "+ k more" asks for the next
five), one level closer to the loss. The view holds plain data (microgpt.trace's TraceNode
and TraceUse, arrived in TraceAnswers), never a Value.
"""

import html
from dataclasses import dataclass, field

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
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

from .items import (
    KIND_COLOURS,
    PAD,
    EdgeItem,
    _draw_condensed,
    font,
    ink_on,
    legible,
    legible_scale,
    text_width,
)
from .layout import layered_layout
from .text import fmt
from .view import tooltip_html

MAX_NODES = 60  # past this, the oldest expanded branches fold again
MAX_FIT_SCALE = 1.2
GAP = 36.0  # between columns; an edge's label sits above the box it enters
BOX_H = 40.0
NAME_H = 17.0
KINDS = {"param": "weight", "loss": "output", "more": "more"}  # trace kind -> box colour


class TraceBox(QGraphicsItem):
    """A trace node: its name on a coloured band, value | grad below (narrower than the
    expression's label | value | grad, so a path to the loss fits the view)."""

    def __init__(self, index: int, name: str, kind: str):
        super().__init__()
        self.index, self.name, self.kind = index, name, kind
        self.data_text = self.grad_text = ""
        self.selected = False
        self.number_w = text_width("number", "−0.00000") + PAD
        self.width = max(text_width("label", name) + 2 * PAD, 2 * self.number_w, 60.0)
        self.setCursor(Qt.PointingHandCursor)
        self.setAcceptedMouseButtons(Qt.LeftButton)

    def set_numbers(self, data_text: str, grad_text: str) -> None:
        self.data_text, self.grad_text = data_text, grad_text
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(-self.width / 2 - 4, -BOX_H / 2 - 4, self.width + 8, BOX_H + 8)

    def paint(self, p, option, widget=None) -> None:
        box = QRectF(-self.width / 2, -BOX_H / 2, self.width, BOX_H)
        colour = KIND_COLOURS.get(self.kind, QColor("#F4F4F4"))  # 'more': pale, dashed
        pen = QPen(colour.darker(130) if self.kind != "more" else theme.MUTED, 1.2)
        pen.setStyle(Qt.DashLine if self.kind == "more" else Qt.SolidLine)
        p.setPen(pen)
        p.setBrush(colour)
        p.drawRoundedRect(box, 4, 4)
        cells = QRectF(box.left() + 1.5, box.top() + NAME_H, box.width() - 3, BOX_H - NAME_H - 1.5)
        if self.data_text or self.grad_text:
            p.fillRect(cells, Qt.white)
        if legible(option.levelOfDetailFromTransform(p.worldTransform())):
            p.setFont(font("label"))
            p.setPen(ink_on(colour))
            p.drawText(
                QRectF(box.left(), box.top(), box.width(), NAME_H), Qt.AlignCenter, self.name
            )
            p.setFont(font("number"))
            p.setPen(Qt.black)
            half = cells.width() / 2
            for k, text in enumerate((self.data_text, self.grad_text)):
                cell = QRectF(cells.left() + k * half + 2, cells.top(), half - 4, cells.height())
                _draw_condensed(p, cell, text)
            if self.data_text:
                p.setPen(QPen(colour.darker(130), 1))
                mid = cells.left() + half
                p.drawLine(QPointF(mid, cells.top()), QPointF(mid, cells.bottom()))
        if self.selected:
            p.setPen(QPen(theme.HIGHLIGHT, 3))
            p.setBrush(Qt.NoBrush)
            p.drawRoundedRect(box.adjusted(-1.5, -1.5, 1.5, 1.5), 5, 5)


@dataclass
class Shown:
    """One box of the view: a trace node, or a '+ k more' stand-in for a node's next uses."""

    key: object  # the node id, or ("more", source id, offset)
    name: str
    value: float | None
    grad: float | None
    kind: str  # 'param', 'quantity', 'loss' or 'more'
    order: float  # topological: node ids grow from the inputs to the loss
    rest: int = 0  # 'more': how many uses it stands for
    rest_sum: float = 0.0


@dataclass
class Expansion:
    """What is known of one node's uses: the edges shown, and how many more there are."""

    uses: list = field(default_factory=list)  # TraceUse, largest contribution first
    rest: int = 0
    rest_sum: float = 0.0
    when: int = 0  # expansion clock, for folding the oldest


def node_kind(node) -> str:
    kind = getattr(node, "kind", "quantity")
    return kind if kind in ("param", "loss") else "quantity"


class TraceView(QGraphicsView):
    """Boxes (name | value | grad) and labelled edges, left (the parameter) to right (loss)."""

    expand_requested = Signal(int, int)  # node id, offset
    node_selected = Signal(object)  # the key of the clicked box

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("trace_view")
        self.setScene(QGraphicsScene(self))
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        self.setDragMode(QGraphicsView.ScrollHandDrag)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setToolTip("Click a box to see what it feeds, one step closer to the loss.")
        self.clear()

    def clear(self) -> None:
        self.root = None
        self.shown: dict[object, Shown] = {}
        self.known: dict[int, Shown] = {}  # every node that has arrived, shown or folded away
        self.expanded: dict[object, Expansion] = {}
        self.boxes: dict[object, TraceBox] = {}
        self.selected = None
        self._clock = 0
        self.scene().clear()

    # --- what is known --------------------------------------------------------------

    def add_answer(self, answer) -> None:
        """A node's uses arrived (the first answer of a trace carries its root)."""
        node = answer.node
        if self.root is None:
            self.root = node.id
        self._remember(node)
        offset = getattr(answer.request, "offset", 0)
        exp = self.expanded.setdefault(node.id, Expansion())
        if offset == 0:
            exp.uses = []
        exp.uses += list(answer.uses)
        exp.rest, exp.rest_sum = answer.rest, answer.rest_sum
        self._clock += 1
        exp.when = self._clock
        self.shown.pop(("more", node.id, offset), None)
        for target in answer.targets:
            self._remember(target)
        if exp.rest:
            key = ("more", node.id, offset + len(answer.uses))
            name = f"+ {exp.rest} more (sum {fmt(exp.rest_sum)})"
            self.shown[key] = Shown(key, name, None, None, "more", node.id + 0.5, exp.rest)
            self.shown[key].rest_sum = exp.rest_sum
        self._fold(keep=node.id)
        self.redraw()

    def _remember(self, node) -> None:
        if node.id not in self.known:
            self.known[node.id] = Shown(
                node.id, node.name, node.value, node.grad, node_kind(node), float(node.id)
            )
        self.shown.setdefault(node.id, self.known[node.id])

    def _edges(self) -> list[tuple[object, object, object]]:
        """(from key, to key, TraceUse or None for a '+ more' box) of everything shown."""
        edges = []
        for source, exp in self.expanded.items():
            if source not in self.shown:
                continue
            for use in exp.uses:
                if use.target in self.shown:
                    edges.append((source, use.target, use))
        for key in self.shown:
            if isinstance(key, tuple) and key[1] in self.shown:
                edges.append((key[1], key, None))
        return edges

    def _fold(self, keep) -> None:
        """At most MAX_NODES boxes: fold the oldest expansions that are not on the way from
        the root to `keep` (their uses go, unless another shown expansion uses them); then,
        if one node's own uses are still too many, hide its smallest closed ones (the
        inspector still lists and sums them)."""
        needed = self._path_to(keep)
        while len(self.shown) > MAX_NODES:
            old = [k for k in self.expanded if k not in needed and k in self.shown]
            if not old:
                break
            oldest = min(old, key=lambda k: self.expanded[k].when)
            del self.expanded[oldest]
            self._prune()
        if len(self.shown) > MAX_NODES:
            size = {u.target: abs(u.contribution) for e in self.expanded.values() for u in e.uses}
            closed = [
                k
                for k in self.shown
                if not isinstance(k, tuple) and k not in self.expanded and k not in needed
            ]
            closed.sort(key=lambda k: size.get(k, 0.0))
            for k in closed[: len(self.shown) - MAX_NODES]:
                del self.shown[k]

    def _path_to(self, key) -> set:
        """The expanded nodes through which `key` was reached from the root."""
        parents: dict[object, object] = {}
        for source, exp in self.expanded.items():
            for use in exp.uses:
                parents.setdefault(use.target, source)
        path, k = {key, self.root}, key
        while k in parents and parents[k] not in path:
            k = parents[k]
            path.add(k)
        return path

    def _prune(self) -> None:
        """Drop boxes no shown expansion leads to (the root always stays)."""
        reached = {self.root}
        for exp in self.expanded.values():
            reached.update(use.target for use in exp.uses)
        for key in list(self.shown):
            if isinstance(key, tuple):
                if key[1] not in self.expanded:
                    del self.shown[key]
            elif key not in reached:
                del self.shown[key]
        for key in list(self.expanded):
            if key not in self.shown:
                del self.expanded[key]

    # --- drawing --------------------------------------------------------------------

    def redraw(self) -> None:
        scene = self.scene()
        scene.clear()
        self.boxes = {}
        keys = sorted(self.shown, key=lambda k: (self.shown[k].order, str(k)))
        index = {k: i for i, k in enumerate(keys)}
        for i, key in enumerate(keys):
            item = self.shown[key]
            box = TraceBox(i, item.name, KINDS.get(item.kind, "intermediate"))
            numbers = ("", "") if item.kind == "more" else (fmt(item.value), fmt(item.grad))
            box.set_numbers(*numbers)
            box.selected = key == self.selected
            box.setToolTip(tooltip_html(self._tooltip(key)))  # names quote data characters
            self.boxes[key] = box
        edges = [(s, t, use) for s, t, use in self._edges() if index[s] < index[t]]
        sizes = [(self.boxes[k].width, BOX_H + 14) for k in keys]  # + a label above
        pairs = [(index[s], index[t]) for s, t, _ in edges]
        layout = layered_layout(sizes, pairs, from_sources=True, gap_x=GAP)
        for k in keys:
            box = self.boxes[k]
            x, y = layout.centers[index[k]]
            box.setPos(x, y + 7)  # the top 14 of its slot are for the label of the edge in
            scene.addItem(box)
        font = QFont()
        font.setPointSizeF(8)
        fan_in: dict[object, int] = {}
        for _, t, _ in edges:
            fan_in[t] = fan_in.get(t, 0) + 1
        for (s, t, use), route in zip(edges, layout.routes):
            scene.addItem(EdgeItem(route, index[s], index[t], 0))
            if use is not None:
                below = self.boxes[s] if fan_in[t] > 1 else None
                scene.addItem(self._edge_label(use, self.boxes[t], font, below))
        scene.setSceneRect(QRectF(-12, -24, layout.width + 24, layout.height + 36))
        self.fit()

    def _edge_label(self, use, target, font, below=None) -> QGraphicsSimpleTextItem:
        """local × upstream = contribution, above the box the edge enters (or, when many
        edges enter that box, below the box it leaves)."""
        text = f"{fmt(use.local)} × {fmt(use.upstream)} = {fmt(use.contribution)}"
        label = QGraphicsSimpleTextItem(text)
        label.setFont(font)
        label.setBrush(theme.MUTED)
        if below is None:
            label.setPos(target.x() - target.width / 2, target.y() - BOX_H / 2 - 14)
        else:
            label.setPos(below.x() - below.width / 2, below.y() + BOX_H / 2 + 1)
        label.setToolTip(tooltip_html(getattr(use, "how", "") or text))
        return label

    def _tooltip(self, key) -> str:
        item = self.shown[key]
        if item.kind == "more":
            return f"{item.rest} smaller uses, together {fmt(item.rest_sum)}: click for five more"
        return f"{item.name}: value {fmt(item.value)}, grad {fmt(item.grad)}. Click to expand."

    def fit(self) -> None:
        """The whole trace if its text stays legible, else its newest end (the loss side)."""
        rect = self.sceneRect()
        self.fitInView(rect, Qt.KeepAspectRatio)
        scale = self.transform().m11()
        if legible_scale() <= scale <= MAX_FIT_SCALE:
            return
        scale = min(max(scale, legible_scale()), MAX_FIT_SCALE)
        self.resetTransform()
        self.scale(scale, scale)
        focus = self.boxes.get(self.selected) or self.boxes.get(self.root)
        if focus is not None:
            self.centerOn(focus)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.shown:
            self.fit()

    # --- clicks ---------------------------------------------------------------------

    def key_of(self, box: TraceBox):
        for key, b in self.boxes.items():
            if b is box:
                return key
        return None

    def mousePressEvent(self, event) -> None:
        for item in self.items(event.position().toPoint()):
            if isinstance(item, TraceBox) and event.button() == Qt.LeftButton:
                self.click(self.key_of(item))
                event.accept()
                return
        super().mousePressEvent(event)

    def click(self, key) -> None:
        """Select a box; a node not expanded yet (or '+ more') asks for its uses."""
        if key is None or key not in self.shown:
            return
        self.selected = key
        for k, box in self.boxes.items():
            box.selected = k == key
            box.update()
        self.node_selected.emit(key)
        item = self.shown[key]
        if item.kind == "more":
            self.expand_requested.emit(key[1], key[2])
        elif key not in self.expanded and item.kind != "loss":
            self.expand_requested.emit(key, 0)


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
