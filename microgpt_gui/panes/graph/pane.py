"""GraphPane: type a small expression, see its Value graph, click a node for its gradient.

The pane holds the ExprEditor (presets + program), the GraphView (objectName graph_view),
a step-through bar for the forward and backward passes, a legend, and the NodeInspector
(objectName node_inspector). The numbers come from microgpt.expr, the same Value the GPT
trains with; the pane never evaluates text itself.
"""

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QLabel,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from microgpt.expr import explore
from microgpt.expr.language import ExprError, ExprGraph, evaluate
from microgpt.expr.presets import PRESETS
from microgpt_gui import theme

from .descent import DescentBar
from .editor import ExprEditor
from .inspector import NodeInspector
from .items import KIND_COLOURS
from .room import ViewRoom
from .steps import StepThrough
from .text import fmt, name_of
from .trace_panel import TracePanel
from .view import GraphView, tooltip_html
from .walk import WalkBar

DEFAULT_PRESET = "y = 3x"  # the first program a newcomer sees, with x selected
DEFAULT_SELECTION = "x"
KEPT_NOTE = "The graph shows the last program that worked."


def legend_html() -> str:
    swatch = "<span style='background:{c}; color:{c}'>&nbsp;■■&nbsp;</span> {t}"
    words = {"data": "data input", "weight": "weight (param)", "intermediate": "intermediate"}
    words["output"] = "output"
    parts = [swatch.format(c=KIND_COLOURS[k].name(), t=t) for k, t in words.items()]
    parts.append("box: name, value, grad (shaded) &nbsp; ◯ op")
    return " &nbsp; ".join(parts)


class GraphPane(QWidget):
    """Expression editor, computation graph, step-through, gradient descent and node inspector
    in one pane."""

    node_selected = Signal(int)  # index into graph.nodes
    graph_built = Signal(object)  # ExprGraph, after every successful build, nudge or descent
    build_failed = Signal(object)  # ExprError; the previous graph stays on screen
    playback_finished = Signal()  # Play reached the end of the backward pass
    descended = Signal(float, float)  # the output before and after one descent

    def __init__(self, parent=None, preset: str | None = DEFAULT_PRESET, select=DEFAULT_SELECTION):
        super().__init__(parent)
        self.graph: ExprGraph | None = None
        self.overrides: dict[int, float] = {}  # nudged or descended leaves: index -> value
        self.nudged: set[int] = set()  # leaves moved by hand since the last build or descent
        self.last_updates: dict[int, explore.Update] = {}  # the last descent, per weight
        self._building = False
        self._pending: str | None = None  # asked for while a build was running
        self.steps: StepThrough | None = None
        self.editor = ExprEditor()
        self.view = GraphView()
        self.inspector = NodeInspector()
        self.descent = DescentBar()
        self.trace = TracePanel()
        self.trace.back_requested.connect(self.show_expression)
        self.status = QLabel(objectName="graph_status", wordWrap=True, textFormat=Qt.PlainText)
        self.legend = QLabel(
            legend_html(), objectName="graph_legend", wordWrap=True, textFormat=Qt.RichText
        )
        self.legend.setStyleSheet(f"color: {theme.MUTED.name()};")
        lines = self.status.fontMetrics().lineSpacing()
        self.status.setFixedHeight(2 * lines + 4)  # two lines, so the graph never jumps
        self.walk = WalkBar()
        bar = self.walk  # the pane's own names for its controls, for tests and lessons
        self.restart_button, self.back_button, self.next_button = (
            bar.restart_button,
            bar.back_button,
            bar.next_button,
        )
        self.play_button, self.fit_button, self.speed = bar.play_button, bar.fit_button, bar.speed
        self._layout()
        bar.restart_requested.connect(self.restart)
        bar.back_requested.connect(self.back_move)
        bar.next_requested.connect(self.next_move)
        bar.play_requested.connect(self.play)
        bar.ticked.connect(self._on_walk_ticked)
        bar.fit_requested.connect(self.view.fit)
        self.editor.build_requested.connect(self._on_editor_build_requested)
        self.view.node_selected.connect(self._on_view_node_selected)
        self.inspector.nudged.connect(self._on_inspector_nudged)
        self.inspector.nudges_reset.connect(self.reset_nudges)
        self.descent.descend_requested.connect(self._on_descent_descend_requested)
        self.descent.reset_requested.connect(self.reset_weights)
        self.descent.lr.valueChanged.connect(self._on_descent_lr_changed)
        if preset is not None:
            self.load_preset(preset)
            if select is not None:
                self.select_label(select)
        self._after_change()

    def _layout(self) -> None:
        top = QWidget()
        tv = QVBoxLayout(top)
        tv.setContentsMargins(0, 0, 0, 0)
        tv.setSpacing(2)
        tv.addWidget(self.walk)
        tv.addWidget(self.status)
        tv.addWidget(self.view, 1)
        tv.addWidget(self.legend)
        tv.addWidget(self.descent)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(self.inspector)
        bottom = QSplitter(Qt.Horizontal)
        bottom.addWidget(self.editor)
        bottom.addWidget(scroll)
        bottom.setStretchFactor(0, 2)
        bottom.setStretchFactor(1, 3)
        bottom.setSizes([270, 430])
        split = QSplitter(Qt.Vertical, objectName="graph_split")
        split.addWidget(top)
        split.addWidget(bottom)
        split.setStretchFactor(0, 4)
        split.setStretchFactor(1, 3)
        self.room = ViewRoom(split, self.view)  # a big graph borrows height from below
        self.pages = QStackedWidget(objectName="graph_pages")  # the expression, or a trace
        self.pages.addWidget(split)
        self.pages.addWidget(self.trace)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.pages)

    # --- the trace of a real step -----------------------------------------------------

    def start_trace(self, label: str, step: int, heatmap_grad: float | None) -> None:
        """Show the trace page, waiting for the worker's first answer."""
        self.pause()
        self.descent.stop()
        self.trace.start(label, step, heatmap_grad)
        self.pages.setCurrentWidget(self.trace)

    def show_expression(self) -> None:
        self.pages.setCurrentIndex(0)

    def drop_trace(self, *_) -> None:
        """The run changed (a new, reset or loaded run, or a move in time; the worker forgot
        the trace too): a trace of the old one goes, and the expression comes back."""
        label, step = self.trace.param, self.trace.step
        if not label:
            return
        self.trace.forget()
        if self.pages.currentWidget() is self.trace:
            self.show_expression()
            self._say(
                f"The trace of {label} at step {step} was of a run that has changed (reset, "
                "loaded or moved in time). Trace a heatmap cell again for this run's."
            )

    # --- building ---------------------------------------------------------------------

    def load_preset(self, name: str) -> bool:
        """Show preset `name` (see microgpt.expr.PRESETS) and build it."""
        self.editor.set_source(dict(PRESETS)[name])
        self.editor.select_preset(name)
        return self.build()

    def set_source(self, source: str) -> bool:
        """Put `source` in the editor and build it; False if it is refused or fails."""
        return self.editor.set_source(source) and self.build()

    def source(self) -> str:
        return self.editor.source()

    def build(self) -> bool:
        """Build the editor's program now; on error keep the old graph and explain inline."""
        self.editor.request_build()
        return self.graph is not None and self.graph.source == self.source()

    def _on_editor_build_requested(self, source: str) -> None:
        """Build now, or, if a build is running (a listener of graph_built asked, say), once it
        is done: one build at a time, the latest text last."""
        if self._building:
            self._pending = source
            return
        self._building = True
        try:
            while source is not None:
                self._pending = None
                self._build(source)
                source = self._pending
        finally:
            self._building = False

    def _build(self, source: str) -> None:
        if self.graph is not None and source == self.graph.source and not self.overrides:
            self.editor.show_error(None, self._unused_note(self.graph))
            return
        try:
            graph = evaluate(source)
        except ExprError as exc:
            self.editor.show_error(exc, KEPT_NOTE if self.graph is not None else "")
            self.build_failed.emit(exc)
            return
        self.editor.show_error(None, self._unused_note(graph))
        self.view.set_graph(graph)
        self.room.update()
        self._show(graph)
        self.descent.set_weights([name_of(graph, i) for i in explore.weight_indices(graph)])

    def _show(self, graph: ExprGraph, descent=None) -> None:
        """Show a new evaluation of the program: after a build, nudge, reset or descent (then
        `descent` holds the updates it made; anything else starts the descent plot over)."""
        self.pause()
        self.graph, self.overrides = graph, dict(graph.overrides)
        self.steps = StepThrough(graph)
        self.last_updates = {u.index: u for u in descent or ()}
        if descent is None:
            self.descent.clear(name_of(graph, len(graph.nodes) - 1))
            self.descent.stop()
        self._show_steps()
        self.graph_built.emit(graph)

    def _unused_note(self, graph: ExprGraph) -> str:
        if not graph.unused:
            return ""
        names = ", ".join(graph.unused)
        return f"Not drawn: {names} (the output does not depend on it)."

    def _after_change(self) -> None:
        """Refresh inspector, status and buttons after a build, nudge, descent or move."""
        self._show_inspector()
        steps = self.steps
        self._say(steps.text if steps else "")
        self.walk.show_state(steps)

    def _say(self, text: str) -> None:
        """The status line: two lines tall (the graph below never jumps); all of it in the
        tooltip when a long name makes it longer."""
        self.status.setText(text)
        self.status.setToolTip(tooltip_html(text))

    def _show_inspector(self) -> None:
        i, steps = self.view.selected, self.steps
        walk = steps if steps is not None and steps.walking and not steps.at_end else None
        self.inspector.show_node(
            self.graph,
            i,
            walk=walk,
            lr=self.descent.lr.value(),
            last=self.last_updates.get(i),
            nudged=i in self.nudged,
        )

    # --- selection and nudges -------------------------------------------------------

    def select_label(self, label: str) -> bool:
        """Select the node named `label` (e.g. 'x'), as a click would."""
        if self.graph is None:
            return False
        for i, node in enumerate(self.graph.nodes):
            if node.label == label:
                self.view.select(i)
                return True
        return False

    def _on_view_node_selected(self, i: int) -> None:
        self._show_inspector()
        self.node_selected.emit(i)

    def nudge(self, i: int, value: float) -> bool:
        """Set leaf i's forward value (not the program text) and re-evaluate everything."""
        overrides = {**self.overrides, i: value}
        try:
            graph = evaluate(self.graph.source, overrides)
        except ExprError as exc:
            self.editor.show_error(exc, f"(with the nudge to {value:g}; other values are kept)")
            self.build_failed.emit(exc)
            return False
        self.editor.show_error(None, "Nudged: the program text is unchanged. Undo nudges resets.")
        self.nudged.add(i)
        self._show(graph)
        return True

    def _on_inspector_nudged(self, i: int, value: float) -> None:
        self.nudge(i, value)

    def reset_nudges(self) -> None:
        """Every leaf, weights included, back to the value written in the program."""
        if not self.overrides:
            return
        self.nudged.clear()
        self.editor.show_error(None, self._unused_note(self.graph))
        self._show(evaluate(self.graph.source))

    # --- gradient descent -------------------------------------------------------------

    def descend(self) -> bool:
        """One step w <- w - lr * grad on every param(...) leaf; data leaves never move."""
        g = self.graph
        if g is None or not explore.weight_indices(g):
            return False
        lr = self.descent.lr.value()
        try:
            new = explore.descend(g, lr)
        except ExprError as exc:
            self.descent.show_failure(f"Descent stopped, the weights are kept: {exc}")
            return False
        self.nudged.clear()
        self._show(new, explore.descent_updates(g, lr))
        out, before, after = name_of(g, len(g.nodes) - 1), g.output.data, new.output.data
        self.descent.show_result(out, before, after)
        self._say(
            f"Gradient descent: every weight took w ← w − {lr:g} × grad, so {out} went "
            f"{fmt(before)} → {fmt(after)}. The data inputs did not move."
        )
        self.descended.emit(before, after)
        return True

    def _on_descent_descend_requested(self) -> None:
        self.descend()

    def reset_weights(self) -> None:
        """Every weight back to the value written in the program (nudged data stays)."""
        if self.graph is None:
            return
        self._show(explore.reset_weights(self.graph))
        self._say("The weights are back to the values written in the program.")

    def _on_descent_lr_changed(self, _lr: float) -> None:
        self._show_inspector()  # the preview of the next update uses the new rate

    # --- step-through -----------------------------------------------------------------

    def restart(self) -> None:
        """Hide every value and gradient, ready to step the forward pass."""
        if self.steps is None:
            return
        self.pause()
        self.steps.restart()
        self._show_steps()

    def next_move(self) -> bool:
        """The next move of the walk; False (nothing changes) when both passes are done."""
        ok = self.steps is not None and self.steps.advance()
        self._show_steps()
        return ok

    def back_move(self) -> bool:
        """Undo one move of the walk; False at the start."""
        self.pause()
        ok = self.steps is not None and self.steps.back()
        self._show_steps()
        return ok

    def toggle_play(self) -> None:
        if self.walk.playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        if self.steps is None:
            return
        if self.steps.at_end:
            self.steps.restart()
        self.walk.play()
        self._show_steps()

    def pause(self) -> None:
        self.walk.pause()

    def _on_walk_ticked(self) -> None:
        self.steps.advance()
        if self.steps.at_end:
            self.pause()
        self._show_steps()
        if self.steps.at_end:
            self.playback_finished.emit()

    def _show_steps(self) -> None:
        if self.steps is not None:
            self.view.show_steps(self.steps)
        self._after_change()
