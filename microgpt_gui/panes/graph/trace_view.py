"""TraceView: the last step's computation graph around one parameter, grown by clicking.

It starts with the parameter's node and the nodes it feeds directly (its uses), each edge
labelled local gradient × upstream gradient = contribution. Clicking a node asks for its
uses in turn (five at a time, largest contribution first; "+ k more" asks for the next
five), one level closer to the loss. The view holds plain data (microgpt.trace's TraceNode
and TraceUse, arrived in TraceAnswers), never a Value.
"""

from dataclasses import dataclass, field

from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QFont, QPainter
from PySide6.QtWidgets import (
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
)

from microgpt_gui import theme

from .items import (
    EdgeItem,
    legible_scale,
)
from .layout import layered_layout
from .text import fmt
from .trace_box import BOX_H, KINDS, TraceBox, node_kind
from .view import tooltip_html

MAX_NODES = 60  # past this, the oldest expanded branches fold again
MAX_FIT_SCALE = 1.2
GAP = 36.0  # between columns; an edge's label sits above the box it enters


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
