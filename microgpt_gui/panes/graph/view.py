"""GraphView: the computation graph, left to right, with zoom, pan, hover and selection."""

import html
import math
from collections import Counter

from PySide6.QtCore import QEvent, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QKeySequence, QPainter
from PySide6.QtWidgets import QGraphicsScene, QGraphicsTextItem, QGraphicsView, QToolTip

from microgpt.expr.language import ExprGraph

from .items import (
    FIT_TEXT_PX,
    OP_SIZE,
    EdgeItem,
    OpCircle,
    ValueBox,
    legible_scale,
)
from .layout import columns, layered_layout
from .text import box_label, fmt, local_rule, name_of, op_symbol

EMPTY_TEXT = (
    "<p style='font-size:11pt'>No graph yet.</p>"
    "<p>Type a program in the editor, one <code>name = expression</code> per line, or pick a "
    "preset.<br>Each number becomes a box; each operation becomes a circle.</p>"
)
MAX_FIT_SCALE = 1.3
# a column of this many value boxes draws them flat (34 px, not 47, tall): five stacked
# (5 x 47 + 4 x 10 = 275 px) would pass the ~310 px a lesson's view has at 9 px digits
FLAT_FROM = 5
MARGIN = 8.0  # scene px around the drawing: a box's halo is 4 px, its selection ring 3
_NAV_KEYS = {Qt.Key_Left, Qt.Key_Right, Qt.Key_Up, Qt.Key_Down, Qt.Key_Plus, Qt.Key_Equal}
_NAV_KEYS |= {Qt.Key_Minus, Qt.Key_0, Qt.Key_F, Qt.Key_Home}


class GraphView(QGraphicsView):
    """Draws an ExprGraph; click (or arrow keys) selects a value node."""

    node_selected = Signal(int)  # index into graph.nodes

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setObjectName("graph_view")
        self.setAccessibleName("Computation graph")
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
        self.setDragMode(QGraphicsView.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setToolTip(
            "Click a box to inspect it. Arrow keys walk the graph; + and - zoom, 0 fits. "
            "Drag to pan, wheel to zoom. Hover an arrow for its local gradient."
        )
        self.graph: ExprGraph | None = None
        self.boxes: list[ValueBox] = []  # one per node, in graph.nodes order
        self.ops: dict[int, OpCircle] = {}  # node index -> the op circle that made it
        self.edges: list[EdgeItem] = []
        self.selected: int | None = None
        self._auto_fit = True  # frame again on resize, until the learner zooms
        self._show_empty()

    # --- building ---------------------------------------------------------------------

    def set_graph(self, graph: ExprGraph) -> None:
        """Lay out and draw a new graph; the selection stays on a node of the same label."""
        old = self.graph.nodes[self.selected].label if self.selected is not None else None
        self.graph = graph
        self.scene().clear()
        self.boxes, self.ops, self.edges = [], {}, []
        for i, node in enumerate(graph.nodes):
            box = ValueBox(i, box_label(graph, i), graph.kind(i))
            box.set_numbers(fmt(node.data), fmt(node.grad))
            box.fit_numbers()
            self.boxes.append(box)
            if node.children:
                self.ops[i] = OpCircle(i, op_symbol(graph, i))
        self._place()
        i = self.selected
        self.selected = i if i is not None and i < len(graph.nodes) else None
        if self.selected is not None and graph.nodes[i].label == old:
            self.boxes[i].selected = True
        else:
            self.selected = None
        self.fit()

    def _place(self) -> None:
        g, scene = self.graph, self.scene()
        sizes, edges, meta, vid = [], [], [], {}
        for i in range(len(self.boxes)):
            if i in self.ops:
                vid["op", i] = len(sizes)
                sizes.append((self.ops[i].width, OP_SIZE))
                for slot, c in enumerate(g.children(i)):
                    edges.append((vid["box", c], vid["op", i]))
                    meta.append((c, i, slot))
                edges.append((vid["op", i], len(sizes)))
                meta.append((i, i, -1))
            vid["box", i] = len(sizes)
            sizes.append(None)  # the box's, once its shape is known
        column = columns(len(sizes), edges)
        count = Counter(column[vid["box", i]] for i in range(len(self.boxes)))
        for i, box in enumerate(self.boxes):
            box.flat = count[column[vid["box", i]]] >= FLAT_FROM
            sizes[vid["box", i]] = (box.width, box.height)
        layout = layered_layout(sizes, edges)
        for (what, i), v in vid.items():
            item = self.boxes[i] if what == "box" else self.ops[i]
            item.setPos(*layout.centers[v])
            scene.addItem(item)
        owner: dict[int, int] = {}  # source -> its laned edge reaching farthest: draws the lane
        for e, (u, _) in enumerate(edges):
            far = u not in owner or layout.routes[e][-1] > layout.routes[owner[u]][-1]
            if layout.laned[e] and far:
                owner[u] = e
        seen: dict[tuple[int, int], int] = {}
        for e, ((u, v), route, (c, i, slot)) in enumerate(zip(edges, layout.routes, meta)):
            k = seen[u, v] = seen.get((u, v), -1) + 1  # x*x: fan the twin edges apart
            route = [(x, y + 6 * k) for x, y in route] if k else route
            shared = layout.laned[e] and not k and owner[u] != e  # the owner draws the lane
            edge = EdgeItem(route, c, i, slot, shared)
            self.edges.append(edge)
            scene.addItem(edge)
        m = MARGIN
        scene.setSceneRect(QRectF(-m, -m, layout.width + 2 * m, layout.height + 2 * m))

    def show_steps(self, steps) -> None:
        """Show a StepThrough's numbers (all of them once finished, e.g. after a nudge of the
        same program) and highlight its current step."""
        self.graph = steps.graph
        current = steps.current()
        for i, box in enumerate(self.boxes):
            box.set_numbers(fmt(steps.values[i]), fmt(steps.grads[i]))
            box.active = False
        for op in self.ops.values():
            op.active = False
        for edge in self.edges:
            edge.active = False
        if current is not None:
            self._highlight(current)
            follow = current.node if current.phase != "backward" else None
            follow = self.graph.children(current.node)[current.slot] if follow is None else follow
            self.ensureVisible(self.boxes[follow], 40, 20)  # the view follows the step
        self.scene().update()

    def _highlight(self, step) -> None:
        if step.phase == "forward":
            self.boxes[step.node].active = True
            if step.node in self.ops:
                self.ops[step.node].active = True
            return
        if step.phase == "seed":
            self.boxes[step.node].active = True
            return
        child = self.graph.children(step.node)[step.slot]
        self.boxes[child].active = True
        for edge in self.edges:
            if edge.node == step.node and edge.slot == step.slot:
                edge.active = True

    def _show_empty(self) -> None:
        text = QGraphicsTextItem()
        text.setHtml(EMPTY_TEXT)
        text.setTextWidth(420)
        self.scene().addItem(text)
        self.scene().setSceneRect(text.boundingRect().adjusted(-20, -20, 20, 20))

    # --- selection and navigation ---------------------------------------------------

    def select(self, i: int | None, emit: bool = True) -> None:
        if self.selected is not None and self.selected < len(self.boxes):
            self.boxes[self.selected].selected = False
            self.boxes[self.selected].update()
        self.selected = i
        if i is None:
            return
        self.boxes[i].selected = True
        self.boxes[i].update()
        self.ensureVisible(self.boxes[i], 20, 20)
        if emit:
            self.node_selected.emit(i)

    def node_at(self, pos) -> int | None:
        """The node under a viewport position: a box, or the op circle that made it."""
        for item in self.items(pos):
            if isinstance(item, (ValueBox, OpCircle)):
                return item.index
        return None

    def mousePressEvent(self, event) -> None:
        i = self.node_at(event.position().toPoint())
        if i is not None and event.button() == Qt.LeftButton:
            self.select(i)
            event.accept()
            return
        super().mousePressEvent(event)

    def _neighbour(self, key) -> int | None:
        g, i = self.graph, self.selected
        if i is None:
            return len(self.boxes) - 1 if self.boxes else None
        if key == Qt.Key_Left:
            return (g.children(i) or (None,))[0]
        if key == Qt.Key_Right:
            return (g.consumers(i) or ((None, 0),))[0][0]
        x = self.boxes[i].x()
        column = sorted((b.y(), b.index) for b in self.boxes if abs(b.x() - x) < 1)
        k = column.index((self.boxes[i].y(), i)) + (1 if key == Qt.Key_Down else -1)
        return column[k][1] if 0 <= k < len(column) else None

    def event(self, event) -> bool:
        if event.type() == QEvent.ShortcutOverride and event.key() in _NAV_KEYS:
            event.accept()  # our keys beat the window's shortcuts (e.g. Right = train a step)
            return True
        return super().event(event)

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if key in (Qt.Key_Left, Qt.Key_Right, Qt.Key_Up, Qt.Key_Down) and self.graph:
            i = self._neighbour(key)
            if i is not None:
                self.select(i)
        elif key in (Qt.Key_Plus, Qt.Key_Equal) or event.matches(QKeySequence.ZoomIn):
            self.zoom(1.25)
        elif key == Qt.Key_Minus or event.matches(QKeySequence.ZoomOut):
            self.zoom(0.8)
        elif key in (Qt.Key_0, Qt.Key_F):
            self.fit()
        elif key == Qt.Key_Home and self.boxes:
            self.select(len(self.boxes) - 1)
        else:
            super().keyPressEvent(event)

    # --- zoom, fit, tooltips -------------------------------------------------------

    def fit(self) -> None:
        """Frame the whole graph, but never so small that node text is below FIT_TEXT_PX
        nor magnified past MAX_FIT_SCALE. A graph too big for that shows its output end
        (the output, and what feeds it) and scrolls to the rest."""
        self._auto_fit = True
        rect = self.sceneRect()
        room = self._room()
        scale = min(
            room.width() / max(rect.width(), 1e-9), room.height() / max(rect.height(), 1e-9)
        )
        self.resetTransform()
        self.scale(scale, scale)
        self.centerOn(rect.center())
        legible = legible_scale(px=FIT_TEXT_PX)
        if legible <= scale <= MAX_FIT_SCALE:
            return
        scale = min(max(scale, legible), MAX_FIT_SCALE)
        self.resetTransform()
        self.scale(scale, scale)
        self.centerOn(rect.center())
        if self.boxes and self.mapFromScene(rect).boundingRect().width() > self.viewport().width():
            self._show_output(scale)

    def wanted_height(self) -> int:
        """The height at which Fit shows the graph's whole height at its smallest zoom (a
        graph too wide for that also gets room for the horizontal scroll bar)."""
        if not self.boxes:
            return 0
        scale, rect = legible_scale(px=FIT_TEXT_PX), self.sceneRect()
        frame = self.height() - self.maximumViewportSize().height()
        bar = self.horizontalScrollBar().sizeHint().height()
        wide = rect.width() * scale > self._room().width()
        return math.ceil(rect.height() * scale) + 4 + frame + (bar if wide else 0)

    def _room(self) -> QSize:
        """The viewport as it would be without scroll bars: a bar left over from a zoom
        must not shrink the fit (the view then drops the bars it no longer needs)."""
        return self.maximumViewportSize() - QSize(4, 4)

    def _show_output(self, scale: float) -> None:
        """Too big to read whole: the output box at the right edge, at its height."""
        out = self.boxes[-1]
        right = out.x() + out.width / 2 + 12
        half_width = self.viewport().width() / scale / 2
        self.centerOn(right - half_width, out.y())
        self.ensureVisible(out, 12, 8)  # a scroll bar that came with the zoom took room

    def zoom(self, factor: float) -> None:
        scale = self.transform().m11()
        factor = min(max(factor, 0.05 / scale), 6.0 / scale)
        self._auto_fit = False
        self.scale(factor, factor)

    def wheelEvent(self, event) -> None:
        self.zoom(1.0015 ** event.angleDelta().y())

    def showEvent(self, event) -> None:
        super().showEvent(event)
        # Qt lays the scroll bars out only while the view is visible: one a hidden view
        # needed earlier (say behind another tab) would stay, and narrow the viewport.
        # Setting a policy again lays them out now (the resize that follows fits again).
        self.setVerticalScrollBarPolicy(self.verticalScrollBarPolicy())
        self.setHorizontalScrollBarPolicy(self.horizontalScrollBarPolicy())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._auto_fit:
            self.fit()
            if self.selected is not None:  # keep what the learner is looking at in view
                self.ensureVisible(self.boxes[self.selected], 20, 20)

    def edge_tooltip(self, edge: EdgeItem) -> str:
        """What an arrow carries: the local gradient, and what backprop does with it."""
        g = self.graph
        if edge.slot < 0:
            return f"The {op_symbol(g, edge.node)} operation produces {name_of(g, edge.node)}."
        c, x = name_of(g, edge.node), name_of(g, edge.child)
        up = fmt(g.nodes[edge.node].grad)
        return (
            f"Local gradient {local_rule(g, edge.node, edge.slot)}.\n"
            f"Backprop multiplies it by the grad of {c} ({up}) and adds that to the grad of {x}."
        )

    def node_tooltip(self, i: int) -> str:
        g = self.graph
        step = g.steps[i]
        what = f"{name_of(g, i)} = {step.text}" if step.op else name_of(g, i)
        return f"{what} (line {step.line}). Click to see why its grad is {fmt(g.nodes[i].grad)}."

    def viewportEvent(self, event) -> bool:
        if event.type() == QEvent.ToolTip and self.graph is not None:
            items = self.items(event.pos())
            edge = next((it for it in items if isinstance(it, EdgeItem)), None)
            node = next((it for it in items if isinstance(it, (ValueBox, OpCircle))), None)
            text = self.node_tooltip(node.index) if node is not None else None
            text = self.edge_tooltip(edge) if text is None and edge is not None else text
            if text:
                QToolTip.showText(event.globalPos(), tooltip_html(text), self)
                return True
        return super().viewportEvent(event)


def tooltip_html(text: str) -> str:
    """Plain text as a tooltip: escaped rich text (Qt reads a tooltip that looks like it
    starts with a tag as HTML)."""
    return "<p>" + html.escape(text, quote=False).replace("\n", "<br>") + "</p>"
