"""GraphPane: click nodes, read the inspector, nudge, bad input, step-through, layout."""

import html
import re

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

from microgpt.expr.language import evaluate
from microgpt.expr.presets import PRESETS
from microgpt_gui.panes.graph.explain import CHAIN_ROWS
from microgpt_gui.panes.graph.items import BOX_HEIGHT, OP_SIZE
from microgpt_gui.panes.graph.layout import layered_layout
from microgpt_gui.panes.graph.pane import GraphPane
from microgpt_gui.panes.graph.text import fmt, name_of

PRESET_NAMES = [name for name, _ in PRESETS]


def plain(label) -> str:
    """A rich-text QLabel's text as a reader sees it."""
    text = re.sub(r"</t[dr]>|<br>", " ", label.text())
    text = html.unescape(re.sub(r"<[^>]+>", "", text)).replace("\xa0", " ")
    return re.sub(r"\s+", " ", text)


@pytest.fixture
def pane(qtbot):
    pane = GraphPane(preset="micrograd classic", select=None)
    qtbot.addWidget(pane)
    pane.resize(900, 600)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


def click_node(qtbot, view, i: int) -> None:
    box = view.boxes[i]
    view.ensureVisible(box, 10, 10)
    pos = view.mapFromScene(box.sceneBoundingRect().center())
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=pos)


def test_named_children_for_the_main_window(pane):
    assert pane.findChild(object, "graph_view") is pane.view
    assert pane.findChild(object, "node_inspector") is pane.inspector
    assert pane.graph is not None and pane.graph.output.data == -8.0  # micrograd classic


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_click_every_node_shows_its_label_and_grad(qtbot, pane, preset):
    assert pane.load_preset(preset)
    view, g = pane.view, pane.graph
    assert len(view.boxes) == len(g.nodes)
    for i in reversed(range(len(g.nodes))):  # from the output, so each click changes it
        with qtbot.waitSignal(pane.node_selected) as blocker:
            click_node(qtbot, view, i)
        assert blocker.args == [i]
        assert name_of(g, i) in plain(pane.inspector.title)
        numbers = plain(pane.inspector.numbers)
        assert (
            f"grad d{name_of(g, len(g.nodes) - 1)}/d{name_of(g, i)} = {fmt(g.nodes[i].grad)}"
            in numbers
        )
        assert f"value {fmt(g.nodes[i].data)}" in numbers


def test_inspector_explains_the_chain_rule_with_numbers(qtbot, pane):
    g = pane.graph
    e = [v.label for v in g.nodes].index("e")
    click_node(qtbot, pane.view, e)
    chain = plain(pane.inspector.chain)
    # e feeds d = e + c: local 1 x upstream dL/dd = -2 gives -2
    assert "1.000 × −2.000" in chain and "= −2.000" in chain
    assert "Sum: −2.000 = −2.000, the gradient of e" in chain
    numbers = plain(pane.inspector.numbers)
    assert "L changes by −2.000 for each unit e moves" in numbers
    check = plain(pane.inspector.check)
    assert "(L(e+h) − L(e−h)) / 2h = −2.000" in check and "autograd says −2.000" in check


def test_fan_out_rows_sum_to_the_grad(qtbot, pane):
    pane.load_preset("softmax cross-entropy")
    g = pane.graph
    e0 = [v.label for v in g.nodes].index("e0")
    click_node(qtbot, pane.view, e0)
    chain = plain(pane.inspector.chain)
    terms = g.chain_terms(e0)
    assert len(terms) == 2 and "used 2 times" in chain
    for t in terms:
        assert f"{fmt(t.local)} × {fmt(t.upstream)}" in chain and fmt(t.contribution) in chain


def test_output_grad_is_one_by_definition(qtbot, pane):
    click_node(qtbot, pane.view, len(pane.graph.nodes) - 1)
    assert "gradient is 1 by definition" in plain(pane.inspector.numbers)


def test_finite_difference_step_is_adjustable(qtbot, pane):
    click_node(qtbot, pane.view, 0)  # a: L = (a*b + c) * f is linear in a, so any h gives 6
    pane.inspector.h_box.setCurrentText("0.1")
    assert "2h = 6.000" in plain(pane.inspector.check)


@pytest.mark.parametrize(
    "preset,leaf", [("micrograd classic", "a"), ("penguin neuron (3 inputs)", "w2")]
)
def test_nudge_moves_the_output_by_grad_times_step(qtbot, pane, preset, leaf):
    pane.load_preset(preset)
    g0 = pane.graph
    i = [v.label for v in g0.nodes].index(leaf)
    click_node(qtbot, pane.view, i)
    x0, out0, grad = g0.nodes[i].data, g0.output.data, g0.nodes[i].grad
    with qtbot.waitSignal(pane.graph_built):
        pane.inspector.spin.setValue(x0 + 0.001)
    g1 = pane.graph
    assert g1.nodes[i].data == pytest.approx(x0 + 0.001)
    assert (g1.output.data - out0) / 0.001 == pytest.approx(grad, rel=1e-2)
    assert pane.view.boxes[-1].data_text == fmt(g1.output.data)
    assert f"Δ{g1.output.label}/Δ{leaf}" in plain(pane.inspector.nudge_text)
    assert pane.source() == dict(PRESETS)[preset]  # the program text is untouched


def test_nudge_slider_and_undo(qtbot, pane):
    click_node(qtbot, pane.view, 0)
    pane.inspector.slider.setFocus()
    with qtbot.waitSignal(pane.graph_built):
        qtbot.keyClick(pane.inspector.slider, Qt.Key_PageUp)
    a = pane.graph.nodes[0].data
    assert a > 2.0 and pane.graph.output.data == pytest.approx(-8.0 + 6.0 * (a - 2.0))
    with qtbot.waitSignal(pane.graph_built):
        pane.inspector.reset.click()
    assert pane.graph.nodes[0].data == 2.0 and pane.graph.output.data == -8.0


def test_intermediate_nodes_cannot_be_nudged(qtbot, pane):
    click_node(qtbot, pane.view, 0)  # a leaf: its value in the nudge box
    assert pane.inspector.spin.text() == pane.inspector.spin.textFromValue(pane.graph.nodes[0].data)
    e = [v.label for v in pane.graph.nodes].index("e")
    click_node(qtbot, pane.view, e)
    assert not pane.inspector.slider.isEnabled()
    assert "nudge a leaf" in plain(pane.inspector.nudge_text)
    assert pane.inspector.spin.text() == ""  # not the leaf's value from before


def test_bad_expression_shows_line_and_column_and_keeps_the_graph(qtbot, pane):
    old, boxes = pane.graph, list(pane.view.boxes)
    pane.editor.set_source("a = 2.0\nb = a.real\n")
    with qtbot.waitSignal(pane.build_failed) as blocker:
        qtbot.mouseClick(pane.editor.build, Qt.LeftButton)
    assert (blocker.args[0].line, blocker.args[0].col) == (2, 6)  # the dot of .real
    assert pane.editor.error.isVisible()
    assert "Line 2, column 6" in pane.editor.error.text()
    assert "last program that worked" in pane.editor.error.text()
    assert pane.graph is old and pane.view.boxes == boxes


def test_typing_rebuilds_after_a_pause(qtbot, pane):
    pane.editor.text.clear()
    pane.editor.text.setFocus()
    qtbot.keyClicks(pane.editor.text, "x = 4.0")
    qtbot.keyClick(pane.editor.text, Qt.Key_Return)  # keyClicks cannot type a newline
    qtbot.keyClicks(pane.editor.text, "y = x ** 2")
    qtbot.waitUntil(lambda: pane.graph.output.data == 16.0, timeout=3000)
    assert len(pane.view.boxes) == 2
    assert pane.editor.presets.currentIndex() == -1


def test_ctrl_enter_builds_at_once(qtbot, pane):
    pane.editor.text.setPlainText("x = 3.0\ny = relu(x)")
    pane.editor.text.setFocus()
    with qtbot.waitSignal(pane.graph_built, timeout=400):  # before the typing pause (500 ms)
        qtbot.keyClick(pane.editor.text, Qt.Key_Return, Qt.ControlModifier)
    assert pane.graph.output.data == 3.0


def test_empty_state_explains_itself(qtbot):
    pane = GraphPane(preset=None)
    qtbot.addWidget(pane)
    pane.show()
    assert pane.graph is None and not pane.view.boxes
    assert "No graph yet" in pane.view.scene().items()[0].toPlainText()
    assert "Click a box" in plain(pane.inspector.title)
    assert not pane.next_button.isEnabled() and not pane.back_button.isEnabled()
    with qtbot.waitSignal(pane.build_failed):
        pane.set_source("y = log(0.0)")
    assert "Line 1" in pane.editor.error.text() and pane.graph is None


def test_step_through_by_hand(pane):
    g = pane.graph
    pane.restart()
    assert all(box.data_text == "?" and box.grad_text == "?" for box in pane.view.boxes)
    for i in range(len(g.nodes)):
        assert pane.next_move()
        assert pane.view.boxes[i].data_text == fmt(g.nodes[i].data)
        assert pane.view.boxes[i].active
    assert pane.steps.forward_done and "L = d × f" in pane.status.text()
    n_backward = sum(len(v.children) for v in g.nodes) + 1  # + the seed dL/dL = 1
    for _ in range(n_backward):
        assert pane.next_move()
    assert pane.steps.at_end and not pane.next_move()  # no wrapping past the end
    assert not pane.next_button.isEnabled() and "Done" in pane.status.text()
    assert [box.grad_text for box in pane.view.boxes] == [fmt(v.grad) for v in g.nodes]
    assert pane.steps.grads == [v.grad for v in g.nodes]  # the engine's sums, bit for bit


def test_backward_step_highlights_the_edge_and_says_local_times_upstream(pane):
    pane.restart()
    for _ in range(len(pane.graph.nodes) + 2):  # forward, the seed, one backward step
        pane.next_move()
    lit = [e for e in pane.view.edges if e.active]
    assert len(lit) == 1 and lit[0].slot >= 0
    assert "+=" in pane.status.text() and "×" in pane.status.text()


def test_play_reaches_the_end(qtbot, pane):
    pane.load_preset("neuron")
    pane.speed.setValue(50)
    pane.restart()
    with qtbot.waitSignal(pane.playback_finished, timeout=10000):
        qtbot.mouseClick(pane.play_button, Qt.LeftButton)
    assert pane.steps.at_end and pane.play_button.text() == "Play"
    g = pane.graph
    assert [b.data_text for b in pane.view.boxes] == [fmt(v.data) for v in g.nodes]
    assert "Done" in pane.status.text()


def test_edge_tooltip_shows_the_local_gradient(pane):
    g, view = pane.graph, pane.view
    a = [v.label for v in g.nodes].index("a")
    (edge,) = [e for e in view.edges if e.child == a and e.slot >= 0]
    text = view.edge_tooltip(edge)
    assert "∂e/∂a = b = −3.000" in text and "grad of e (−2.000)" in text


def test_keyboard_walks_the_graph(qtbot, pane):
    view = pane.view
    view.setFocus()
    with qtbot.waitSignal(pane.node_selected):
        qtbot.keyClick(view, Qt.Key_Home)
    assert view.selected == len(pane.graph.nodes) - 1  # the output L
    qtbot.keyClick(view, Qt.Key_Left)
    assert pane.graph.nodes[view.selected].label == "d"
    qtbot.keyClick(view, Qt.Key_Left)
    assert pane.graph.nodes[view.selected].label == "e"
    qtbot.keyClick(view, Qt.Key_Right)
    assert pane.graph.nodes[view.selected].label == "d"
    assert "d" in plain(pane.inspector.title)


def test_zoom_and_fit(qtbot, pane):
    view = pane.view
    view.fit()
    scale = view.transform().m11()
    view.zoom(2.0)
    assert view.transform().m11() == pytest.approx(2 * scale)
    qtbot.keyClick(view, Qt.Key_0)
    assert view.transform().m11() == pytest.approx(scale)
    rect = view.mapFromScene(view.sceneRect()).boundingRect()
    assert view.viewport().rect().adjusted(-2, -2, 2, 2).contains(rect)


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_layout_has_no_overlaps_and_is_deterministic(pane, preset):
    pane.load_preset(preset)
    view = pane.view
    items = [*view.boxes, *view.ops.values()]
    rects = [it.mapRectToScene(it.boundingRect().adjusted(4, 4, -4, -4)) for it in view.boxes]
    rects += [it.mapRectToScene(it.boundingRect()) for it in view.ops.values()]
    for k, r in enumerate(rects):
        for other in rects[k + 1 :]:
            assert not r.intersects(other), preset
    positions = [(it.x(), it.y()) for it in items]
    pane.view.set_graph(evaluate(pane.source()))
    assert [(it.x(), it.y()) for it in [*view.boxes, *view.ops.values()]] == positions
    xs = [b.x() for b in view.boxes]
    assert xs[-1] == max(xs)  # the output is rightmost


def test_layered_layout_keeps_a_tree_free_of_crossings():
    # a complete binary tree, leaves first: the layout must not cross any edge
    sizes, edges = [(40.0, BOX_HEIGHT)] * 8 + [(OP_SIZE, OP_SIZE)] * 7, []
    for parent, (a, b) in zip(
        range(8, 15), [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9), (10, 11), (12, 13)]
    ):
        edges += [(a, parent), (b, parent)]
    layout = layered_layout(sizes, edges)
    ys = [c[1] for c in layout.centers]
    for a1, p1 in edges:
        for a2, p2 in edges:
            if layout.centers[p1][0] == layout.centers[p2][0]:
                assert (ys[a1] - ys[a2]) * (ys[p1] - ys[p2]) >= 0  # no crossing


def test_nudge_with_an_impossible_value_keeps_the_graph(qtbot, pane):
    pane.set_source("x = 2.0\ny = log(x)")
    old = pane.graph
    assert not pane.nudge(0, -1.0)
    assert pane.graph is old and "log needs a positive number" in pane.editor.error.text()


def test_click_on_empty_space_does_not_select(qtbot, pane):
    view = pane.view
    view.fit()
    with qtbot.assertNotEmitted(pane.node_selected):
        qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=QPoint(3, 3))


# --- the node limit: a 499-node program (issue #9) -----------------------------------------

CHAIN = "a = param(1.0)\nx = a\n" + "x = x + a\n" * 498  # a feeds all 498 additions


def chain_graph(n_ops: int) -> tuple[list, list]:
    """GraphView's vertices for x = x + a, n_ops times: boxes and op circles, leaves first."""
    sizes, edges = [(60.0, BOX_HEIGHT)], []  # a
    prev = 0
    for _ in range(n_ops):
        op = len(sizes)
        sizes += [(OP_SIZE, OP_SIZE), (60.0, BOX_HEIGHT)]
        edges += [(prev, op), (0, op), (op, op + 1)]
        prev = op + 1
    return sizes, edges


def assert_routes_avoid_boxes(sizes, edges, layout) -> None:
    """Every edge leaves its source's right side, enters its target's left side, and its
    straight runs through columns never pass through a box."""
    boxes = [
        (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        for (x, y), (w, h) in zip(layout.centers, sizes)
    ]
    for (u, v), route in zip(edges, layout.routes):
        assert route[0] == (boxes[u][2], layout.centers[u][1])
        assert route[-1] == (boxes[v][0], layout.centers[v][1])
        for (x0, y0), (x1, y1) in zip(route[1::2], route[2::2]):  # through a column or more
            assert y0 == y1
            for left, top, right, bottom in boxes:
                assert not (left < x1 and x0 < right and top < y0 < bottom)


def test_the_499_node_chain_is_laid_out_with_linear_work():
    sizes, edges = chain_graph(498)
    layout = layered_layout(sizes, edges)
    # one dummy per column crossed would give a's 498 edges ~250,000 route points
    assert sum(len(route) for route in layout.routes) <= 4 * len(edges)
    assert_routes_avoid_boxes(sizes, edges, layout)
    xs = [x for x, _ in layout.centers]
    assert xs == sorted(xs) and len(set(xs)) == len(xs)  # one column per vertex, in order


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_preset_routes_avoid_boxes(pane, preset):
    g = evaluate(dict(PRESETS)[preset])
    pane.view.set_graph(g)
    sizes, edges = [], []
    for box in pane.view.boxes:  # rebuild GraphView's vertices from what it drew
        if box.index in pane.view.ops:
            sizes.append((pane.view.ops[box.index].width, OP_SIZE))
        sizes.append((box.width, BOX_HEIGHT))
    vid, k = {}, 0
    for box in pane.view.boxes:
        if box.index in pane.view.ops:
            vid["op", box.index], k = k, k + 1
        vid["box", box.index], k = k, k + 1
    for i in pane.view.ops:
        edges += [(vid["box", c], vid["op", i]) for c in g.children(i)]
        edges.append((vid["op", i], vid["box", i]))
    edges.sort(key=lambda e: e[1])
    assert_routes_avoid_boxes(sizes, edges, layered_layout(sizes, edges))


def test_the_499_node_chain_builds_and_a_keystroke_redraws_it(qtbot, pane):
    assert pane.set_source(CHAIN)
    view = pane.view
    assert len(pane.graph.nodes) == 499 and len(view.boxes) == 499
    assert pane.graph.output.data == 499.0 and pane.graph.nodes[0].grad == 499.0
    assert sum(len(edge.pieces) for edge in view.edges) <= 2 * len(view.edges)
    ys = {round(b.y(), 3) for b in view.boxes[1:]}
    assert len(ys) == 1  # the chain is one straight row; a's edges run along a lane above it
    lane_tops = [e.boundingRect().top() for e in view.edges if e.child == 0 and e.node > 2]
    assert max(lane_tops) < min(b.sceneBoundingRect().top() for b in view.boxes)
    lane = [e for e in view.edges if e.child == 0 and len(e.points) == 4]
    (owner,) = [e for e in lane if not e.shared]  # draws the lane; the others only their drop
    (x0, y), (x1, _) = owner.points[1:3]
    hit = [it for it in view.scene().items(QPointF((x0 + x1) / 2, y)) if it in view.edges]
    assert hit == [owner]  # hovering the lane finds one edge, not 497 stacked ones
    click_node(qtbot, view, 0)  # a, used by all 498 additions: a few rows, then a summary
    chain = plain(pane.inspector.chain)
    assert "a is used 499 times" in chain and chain.count("via x:") == CHAIN_ROWS
    assert f"… and {499 - CHAIN_ROWS} more uses, together {fmt(499.0 - CHAIN_ROWS)}" in chain
    assert "Sum: the 499 contributions = 499.0" in chain
    cursor = pane.editor.text.textCursor()
    cursor.setPosition(len("a = param(1."))
    pane.editor.text.setTextCursor(cursor)
    pane.editor.text.setFocus()
    with qtbot.waitSignal(pane.graph_built, timeout=5000):
        qtbot.keyClick(pane.editor.text, Qt.Key_5)  # a = param(1.50)
    assert pane.graph.nodes[0].data == 1.5 and pane.graph.output.data == 499 * 1.5
    assert view.boxes[-1].data_text == fmt(499 * 1.5)


def test_a_build_asked_for_during_a_build_waits_for_it(qtbot, pane):
    seen = []

    def ask_again(graph):  # a listener that edits the program while the build runs
        if len(seen) == 0:
            pane.editor.text.setPlainText("x = 5.0\ny = x * 2")
            pane.editor.request_build()

    pane.graph_built.connect(ask_again)
    pane.graph_built.connect(seen.append)  # a later listener: must see the builds in order
    pane.set_source("x = 1.0\ny = x * 2")
    assert [g.output.data for g in seen] == [2.0, 10.0]
    assert seen[-1] is pane.graph


def test_a_10_mb_paste_is_refused_before_the_editor(qtbot, pane):
    from PySide6.QtGui import QGuiApplication

    old_source, old_graph, boxes = pane.source(), pane.graph, list(pane.view.boxes)
    QGuiApplication.clipboard().setText("x = 1.0\n" * 1_250_000)  # 10 MB
    pane.editor.text.selectAll()
    pane.editor.text.paste()
    assert pane.source() == old_source
    assert pane.editor.error.isVisible()
    assert "longer than 20000 characters" in pane.editor.error.text()
    assert "unchanged" in pane.editor.error.text()
    pane.editor.request_build()  # even a build now finds the old program
    assert pane.graph is old_graph and pane.view.boxes == boxes
    assert not pane.set_source("x = 1.0\n" * 5000)  # 40,000 characters
    assert pane.source() == old_source and pane.graph is old_graph
    QGuiApplication.clipboard().setText("y = 2.0")  # a small paste still works
    pane.editor.text.selectAll()
    pane.editor.text.paste()
    assert pane.source() == "y = 2.0"


# --- user text is shown as text, never as HTML ----------------------------------------------

PAYLOAD = "<b>x</b>&amp;<img src=q>"


def test_user_text_is_shown_as_plain_text(qtbot, pane, monkeypatch):
    pane.set_source(f"x = 2.0  # {PAYLOAD}\ny = x * 3\n")  # a comment on the program's line
    click_node(qtbot, pane.view, 0)
    title = pane.inspector.title
    assert html.escape(PAYLOAD, quote=False) in title.text() and PAYLOAD in plain(title)
    for label in (pane.status, pane.editor.error):
        assert label.textFormat() == Qt.PlainText
    assert not pane.set_source(f"y = '{PAYLOAD}'")  # an error that quotes the program
    assert PAYLOAD in pane.editor.error.text()
    from microgpt_gui.panes.graph import editor as graph_editor
    from microgpt_gui.panes.graph import view as graph_view

    monkeypatch.setattr(graph_editor, "PRESETS", [("html", f"# {PAYLOAD}\nx = 1.0\n")])
    editor = graph_editor.ExprEditor()
    qtbot.addWidget(editor)
    tip = editor.presets.itemData(0, Qt.ToolTipRole)
    assert html.escape(PAYLOAD, quote=False) in tip and PAYLOAD not in tip
    tip = graph_view.tooltip_html(f"y = {PAYLOAD}\nline 2")
    assert html.escape(PAYLOAD, quote=False) in tip and PAYLOAD not in tip
