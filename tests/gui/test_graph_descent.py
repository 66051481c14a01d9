"""The graph pane as a place to practise: Descend, Train N, the function plot, the whole chain,
the new presets, the honest step-through, and room to see it (issue 11)."""

import re

import numpy as np
import pytest
from PySide6.QtCore import Qt
from test_graph_pane import click_node, plain

from microgpt.expr.explore import chain_paths, descent_updates
from microgpt.expr.presets import PRESETS
from microgpt_gui.panes.graph.items import FIT_TEXT_PX, text_px
from microgpt_gui.panes.graph.pane import GraphPane
from microgpt_gui.panes.graph.text import fmt, name_of


@pytest.fixture
def pane(qtbot):
    pane = GraphPane()
    qtbot.addWidget(pane)
    pane.resize(700, 700)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


def index_of(graph, label: str) -> int:
    return [node.label for node in graph.nodes].index(label)


def leaves(graph, weight: bool) -> dict[int, float]:
    return {
        i: node.data
        for i, node in enumerate(graph.nodes)
        if graph.steps[i].op == "" and graph.steps[i].weight == weight
    }


# --- the first program ----------------------------------------------------------------------


def test_the_pane_opens_on_y_equals_3x_with_x_selected(pane):
    assert pane.editor.presets.currentText() == "y = 3x"
    assert pane.graph.nodes[pane.view.selected].label == "x"
    assert "x is a data input" in plain(pane.inspector.title)
    assert pane.inspector.function_plot.widget.isVisible()


# --- gradient descent -----------------------------------------------------------------------


def test_descend_lowers_the_squared_error_for_20_steps_and_data_never_moves(qtbot, pane):
    pane.load_preset("neuron + squared error")
    assert pane.descent.lr.value() == 0.1
    data = leaves(pane.graph, weight=False)
    losses = [pane.graph.output.data]
    for _ in range(20):
        qtbot.mouseClick(pane.descent.descend, Qt.LeftButton)
        losses.append(pane.graph.output.data)
        assert leaves(pane.graph, weight=False) == data
    assert all(after < before for before, after in zip(losses, losses[1:]))
    result = pane.descent.result.text()
    assert f"L {fmt(losses[-2])} → {fmt(losses[-1])}" in result
    assert "L" in pane.status.text() and "did not move" in pane.status.text()
    plot = pane.descent.plot
    assert plot.values == losses and not plot.empty.isVisible()
    xs, ys = plot.line.getData()
    assert list(xs) == list(range(21)) and list(ys) == losses


def test_the_inspector_of_a_weight_shows_its_update_with_numbers(qtbot, pane):
    pane.load_preset("neuron + squared error")
    w1 = index_of(pane.graph, "w1")
    click_node(qtbot, pane.view, w1)
    g = pane.graph
    before, grad = g.nodes[w1].data, g.nodes[w1].grad
    after = before - 0.1 * grad
    preview = f"w1 = {fmt(before)} − 0.1 × ({fmt(grad)}) = {fmt(after)}"  # grad < 0 here
    assert grad < 0 and preview in plain(pane.inspector.update_text)
    assert pane.descend()
    assert pane.graph.nodes[w1].data == after
    text = plain(pane.inspector.update_text)
    assert "The last Descend moved it: " + preview in text
    x1 = index_of(pane.graph, "x1")
    click_node(qtbot, pane.view, x1)
    assert "never moves it" in plain(pane.inspector.update_text)


def test_train_n_animates_and_can_be_stopped(qtbot, pane):
    pane.load_preset("two-layer MLP")
    start = pane.graph.output.data
    pane.descent.count.setValue(5)
    descents = []
    pane.descended.connect(lambda b, a: descents.append(a))
    stopped = pane.descent.training_changed
    with qtbot.waitSignal(stopped, timeout=5000, check_params_cb=lambda on: not on):
        qtbot.mouseClick(pane.descent.train, Qt.LeftButton)
        assert pane.descent.training and pane.descent.train.text() == "Stop"
    assert len(descents) == 5
    assert pane.graph.output.data == descents[-1] < start
    pane.descent.count.setValue(100)
    qtbot.mouseClick(pane.descent.train, Qt.LeftButton)
    qtbot.waitUntil(lambda: len(descents) >= 7, timeout=5000)
    qtbot.mouseClick(pane.descent.train, Qt.LeftButton)  # Stop
    assert not pane.descent.training and len(descents) < 20
    assert pane.descent.train.text() == "Train"


def test_the_mlp_shrinks_visibly_within_20_descents(pane):
    pane.load_preset("two-layer MLP")
    start = pane.graph.output.data
    for _ in range(20):
        assert pane.descend()
    assert pane.graph.output.data < start / 10


def test_reset_weights_returns_to_the_program_and_clears_the_plot(qtbot, pane):
    pane.load_preset("neuron + squared error")
    program = pane.graph.output.data
    for _ in range(3):
        pane.descend()
    assert pane.graph.output.data != program
    qtbot.mouseClick(pane.descent.reset, Qt.LeftButton)
    assert pane.graph.output.data == program and pane.descent.plot.values == []
    assert pane.descent.plot.empty.isVisible()


def test_without_weights_the_controls_are_disabled_and_say_why(pane):
    pane.load_preset("chain L = f(g(h(x)))")
    for w in (pane.descent.descend, pane.descent.train, pane.descent.reset, pane.descent.lr):
        assert not w.isEnabled() and "param(...)" in w.toolTip()
    assert not pane.descend()
    pane.load_preset("neuron")
    assert pane.descent.descend.isEnabled() and pane.descent.train.isEnabled()
    assert "w1, w2, b" in pane.descent.result.text()


def test_a_descent_that_fails_keeps_the_weights_and_says_why(pane):
    pane.set_source("w = param(0.5)\nL = log(w)")
    pane.descent.lr.setValue(1.0)
    before = pane.graph
    assert not pane.descend()
    assert pane.graph is before and "log" in pane.descent.result.text()


def test_the_learning_rate_box_changes_the_step(pane):
    pane.load_preset("one weight used twice")
    a = index_of(pane.graph, "a")
    grad = pane.graph.nodes[a].grad
    pane.descent.lr.setValue(0.25)
    pane.descend()
    assert pane.graph.nodes[a].data == 2.0 - 0.25 * grad


# --- the function plot ----------------------------------------------------------------------


def test_function_plot_of_y_equals_3x_is_the_line_of_slope_3(pane):
    plot = pane.inspector.function_plot
    xs, ys = plot.curve.getData()
    assert len(xs) >= 100 and np.allclose(ys, 3 * xs, rtol=0, atol=1e-12)
    tx, ty = plot.tangent.getData()
    assert (ty[1] - ty[0]) / (tx[1] - tx[0]) == pytest.approx(3.0)
    px, py = plot.point.getData()
    assert (px[0], py[0]) == (2.0, 6.0)
    assert "slope is the gradient, 3.000" in pane.inspector.slope.text()


def test_function_plot_of_the_tanh_chain_is_curved_and_the_tangent_touches(qtbot, pane):
    pane.load_preset("chain L = f(g(h(x)))")
    x = index_of(pane.graph, "x")
    click_node(qtbot, pane.view, x)
    plot = pane.inspector.function_plot
    xs, ys = plot.curve.getData()
    slopes = np.diff(ys) / np.diff(xs)
    assert slopes.max() - slopes.min() > 0.5  # visibly curved
    x0, y0, grad = pane.graph.nodes[x].data, pane.graph.output.data, pane.graph.nodes[x].grad
    tx, ty = plot.tangent.getData()
    assert np.allclose(ty, y0 + grad * (tx - x0))
    near = np.abs(xs - x0) < 0.02  # the tangent touches: curve ~ line right at x0
    assert np.allclose(ys[near], y0 + grad * (xs[near] - x0), atol=1e-3)


def test_nudging_moves_the_point_along_the_curve(qtbot, pane):
    plot = pane.inspector.function_plot
    xs0, ys0 = plot.curve.getData()
    pane.inspector.spin.setValue(3.0)
    xs1, ys1 = plot.curve.getData()
    assert np.array_equal(xs0, xs1) and np.array_equal(ys0, ys1)  # the same curve
    px, py = plot.point.getData()
    assert (px[0], py[0]) == (3.0, 9.0)


# --- the whole chain ------------------------------------------------------------------------


def test_the_whole_chain_is_one_line_with_numbers(qtbot, pane):
    pane.load_preset("chain L = f(g(h(x)))")
    g = pane.graph
    x = index_of(g, "x")
    click_node(qtbot, pane.view, x)
    (path,) = chain_paths(g, x).shown
    numbers = " × ".join(fmt(f) for f in path.factors)
    expected = f"dL/dx = dL/dg · dg/dh · dh/dx = {numbers} = {fmt(g.nodes[x].grad)}"
    assert expected in plain(pane.inspector.paths)


def test_a_chain_of_one_link_says_so_without_repeating_itself(qtbot, pane):
    """y = 3x printed 'The whole chain: dy/dx = dy/dx = 3.000 = 3.000'."""
    g = pane.graph  # y = 3x, x selected
    text = plain(pane.inspector.paths)
    assert text == (
        "The whole chain is one link: y = 3 × x uses x directly, so dy/dx is that step's "
        f"local gradient, {fmt(g.nodes[index_of(g, 'x')].grad)}."
    )
    pane.set_source("x = 2.0\ny = x * x\n")  # two one-link paths, one per use of x
    click_node(qtbot, pane.view, 0)
    text = plain(pane.inspector.paths)
    assert "directly: dy/dx = 2.000 (use 1 of 2)" in text
    assert "directly: dy/dx = 2.000 (use 2 of 2)" in text


# 'dy/dx = dy/dx', '3.000 = 3.000' (but not '1.000 × 3.000 = 3.000', a product)
REPEAT = re.compile(r"(?<![×·+−] )(?<!\S)(\S+) = \1(?![^\s.,)])")


@pytest.mark.parametrize("preset", [name for name, _ in PRESETS])
def test_no_chain_says_the_same_thing_twice(qtbot, pane, preset):
    pane.load_preset(preset)
    g = pane.graph
    for i in range(len(g.nodes) - 1):
        click_node(qtbot, pane.view, i)
        text = plain(pane.inspector.paths)
        assert fmt(g.nodes[i].grad) in text
        assert not REPEAT.search(text), (name_of(g, i), text)


def test_a_weight_used_twice_shows_two_terms_and_their_sum(qtbot, pane):
    pane.load_preset("one weight used twice")
    g = pane.graph
    a = index_of(g, "a")
    click_node(qtbot, pane.view, a)
    paths = plain(pane.inspector.paths)
    assert "2 paths" in paths
    assert "dL/db · db/da = 1.000 × 3.000 = 3.000" in paths
    assert "dL/dc · dc/da = 1.000 × 4.000 = 4.000" in paths
    assert "3.000 + 4.000 = 7.000" in paths and g.nodes[a].grad == 7.0
    chain = plain(pane.inspector.chain)
    assert "used 2 times" in chain and "4.000 + 3.000 = 7.000, the gradient of a" in chain


def test_many_paths_show_six_and_the_rest(qtbot, pane):
    lines = ["x = 1.1", "a0 = x * 1.0"]
    lines += [f"a{k} = a{k - 1} + a{k - 1} * 0.5" for k in range(1, 5)]
    lines.append("L = a4 * a4")
    pane.set_source("\n".join(lines))
    click_node(qtbot, pane.view, 0)
    text = plain(pane.inspector.paths)
    assert "32 paths" in text and "+ 26 more paths" in text
    assert len(re.findall(r"dL/d", text)) >= 6


# --- honest step-through --------------------------------------------------------------------


def test_the_inspector_shows_the_node_as_of_the_current_move(qtbot, pane):
    pane.load_preset("micrograd classic")
    g = pane.graph
    e = index_of(g, "e")
    click_node(qtbot, pane.view, e)
    pane.restart()
    assert "not computed yet" in plain(pane.inspector.numbers)
    assert not pane.inspector.function_plot.widget.isVisible()
    while pane.steps.values[e] is None:
        assert pane.next_move()
    numbers = plain(pane.inspector.numbers)
    assert f"value {fmt(g.nodes[e].data)}" in numbers and "not known yet" in numbers
    while pane.steps.grads[e] in (None, 0.0):  # until a term of e's arrives
        assert pane.next_move()
    assert "every use of e has passed its share back" in plain(pane.inspector.numbers)
    assert pane.back_move()  # undo that move: e has no term yet
    assert "grad so far 0.000: 0 of the 1 uses" in plain(pane.inspector.numbers)
    assert "not passed back yet" in plain(pane.inspector.chain)


def test_back_and_next_are_a_pair_and_next_stops_at_the_end(qtbot, pane):
    pane.load_preset("micrograd classic")
    pane.restart()
    assert not pane.back_button.isEnabled()
    qtbot.mouseClick(pane.next_button, Qt.LeftButton)
    qtbot.mouseClick(pane.next_button, Qt.LeftButton)
    assert pane.steps.position == 2 and pane.back_button.isEnabled()
    qtbot.mouseClick(pane.back_button, Qt.LeftButton)
    assert pane.steps.position == 1 and pane.view.boxes[1].data_text == "?"
    assert pane.view.boxes[0].data_text == fmt(pane.graph.nodes[0].data)
    while pane.next_button.isEnabled():
        qtbot.mouseClick(pane.next_button, Qt.LeftButton)
    assert pane.steps.at_end and "Done" in pane.status.text()
    assert pane.steps.grads == [v.grad for v in pane.graph.nodes]
    assert not pane.next_move() and pane.steps.at_end  # no silent start over


def test_walking_back_replays_exactly(pane):
    pane.load_preset("two-layer MLP")
    pane.restart()
    seen = []
    while pane.next_move():
        seen.append((list(pane.steps.values), list(pane.steps.grads)))
    for state in reversed(seen[:-1]):
        assert pane.back_move()
        assert (pane.steps.values, pane.steps.grads) == state


# --- room to see it -------------------------------------------------------------------------


@pytest.mark.parametrize("preset", [name for name, _ in PRESETS])
def test_the_output_is_visible_after_build_and_text_is_legible(qtbot, preset):
    from microgpt_gui.window.main_window import MainWindow

    win = MainWindow(docs=["ab", "ba"], restore_settings=False, backend="numpy")
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    win.docks["graph_pane"].raise_()
    qtbot.waitExposed(win)
    pane = win.graph
    pane.load_preset(preset)
    view = pane.view
    for fit in (False, True):
        if fit:
            qtbot.mouseClick(pane.fit_button, Qt.LeftButton)

        def output_in_view(fit=fit):  # once the view has laid its scroll bars out (a turn later)
            out = view.mapFromScene(view.boxes[-1].sceneBoundingRect()).boundingRect()
            assert view.viewport().rect().contains(out), (preset, fit)

        qtbot.waitUntil(output_in_view, timeout=2000)
        assert view.transform().m11() * text_px("number") >= FIT_TEXT_PX - 1e-9
    assert win.shutdown()


def test_the_program_is_remembered_after_the_first_start(qtbot):
    from microgpt_gui.window.main_window import MainWindow

    first = MainWindow(docs=["ab", "ba"], restore_settings=True)
    qtbot.addWidget(first)
    assert first.graph.source() == dict(PRESETS)["y = 3x"]
    first.graph.load_preset("two-layer MLP")
    first.close()
    again = MainWindow(docs=["ab", "ba"], restore_settings=True)
    qtbot.addWidget(again)
    assert again.graph.source() == dict(PRESETS)["two-layer MLP"]
    assert again.graph.editor.presets.currentText() == "two-layer MLP"
    assert again.shutdown()


def test_descent_updates_are_what_the_inspector_quotes(qtbot, pane):
    pane.load_preset("two-layer MLP")
    g = pane.graph
    updates = {u.index: u for u in descent_updates(g, 0.1)}
    pane.descend()
    for i, u in updates.items():
        assert pane.last_updates[i] == u and pane.graph.nodes[i].data == u.after
    names = [name_of(g, i) for i in updates]
    assert names == ["w11", "w12", "b1", "w21", "w22", "b2", "v1", "v2"]


def test_every_box_on_screen_draws_its_text_at_the_fit_zoom(qtbot, pane, monkeypatch):
    from microgpt_gui.panes.graph import items as graph_items

    pane.resize(900, 500)
    pane.load_preset("two-layer MLP")  # too wide: Fit stops at the legible zoom
    painted = set()
    original = graph_items.ValueBox._paint_texts

    def spy(self, *args, **kwargs):
        painted.add(self.index)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(graph_items.ValueBox, "_paint_texts", spy)
    view = pane.view
    assert view.transform().m11() == pytest.approx(graph_items.legible_scale(px=FIT_TEXT_PX))
    view.grab()
    shown = {
        b.index
        for b in view.boxes
        if view.viewport()
        .rect()
        .intersects(view.mapFromScene(b.sceneBoundingRect()).boundingRect())
    }
    assert shown and shown <= painted  # a rounding error once left a box blank
