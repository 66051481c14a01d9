"""Trace a parameter to the loss (issue 13): from a heatmap cell, through the real step's
named graph, click by click to the loss, with the sum rule checked at every node."""

import pytest
from PySide6.QtCore import Qt

from microgpt import TrainConfig

CONFIG = TrainConfig(num_steps=50)


def stepped(make_window, qtbot, backend="numpy"):
    win = make_window(config=CONFIG, backend=backend)
    with qtbot.waitSignal(win.run.reported, timeout=10000):
        win.step()
    return win


def cell_of(report, kind: str) -> tuple[str, int, int]:
    """A cell of that matrix kind the step's document uses."""
    first = report.tokens[1]  # the first character of the name
    return {
        "wte": ("wte", first, 5),
        "wpe": ("wpe", 0, 3),
        "lm_head": ("lm_head", first, 3),
        "attention": ("layer0.attn_wq", 2, 7),
        "mlp": ("layer0.mlp_fc1", 9, 4),
    }[kind]


def trace(qtbot, win, name, row, col):
    """Select the cell as a click does and press Trace to the loss."""
    win.gradients._on_heatmap_cell_clicked(name, row, col)
    button = win.gradients.inspector.trace
    assert button.isVisible() or button.isVisibleTo(win.gradients.inspector)
    with qtbot.waitSignal(win.run.traced, timeout=10000) as blocker:
        qtbot.mouseClick(button, Qt.LeftButton)
    return blocker.args[0]


def check_sum_rule(view, key) -> None:
    """The contributions of a node's uses (the '+ k more' included) sum to its grad."""
    node, exp = view.shown[key], view.expanded[key]
    total = sum(use.contribution for use in exp.uses) + exp.rest_sum
    assert total == pytest.approx(node.grad, rel=1e-12, abs=1e-15), node.name


@pytest.mark.parametrize("kind", ["wte", "wpe", "lm_head", "attention", "mlp"])
def test_trace_one_cell_of_each_kind_to_the_loss(make_window, qtbot, kind):
    win = stepped(make_window, qtbot)
    report = win.run.latest
    name, row, col = cell_of(report, kind)
    answer = trace(qtbot, win, name, row, col)
    assert not answer.error, answer.error
    pane = win.graph
    assert pane.pages.currentWidget() is pane.trace
    view = pane.trace.view
    root = view.shown[view.root]
    heatmap = float(report.grads[name][row, col])
    assert root.grad == pytest.approx(heatmap, rel=1e-12, abs=1e-15)  # numpy run
    assert f"{name}" in pane.trace.title.text()
    key, seen = view.root, 0
    while view.shown[key].kind != "loss":
        check_sum_rule(view, key)
        uses = view.expanded[key].uses
        assert uses, view.shown[key].name
        nxt = uses[0].target  # the largest contribution, one level closer to the loss
        if view.shown[nxt].kind == "loss":  # the end: nothing further to ask for
            view.click(nxt)
        else:
            with qtbot.waitSignal(win.run.traced, timeout=10000):
                view.click(nxt)
        key, seen = nxt, seen + 1
        assert seen < 40
    assert view.shown[key].name == "loss" and view.shown[key].grad == 1.0
    assert len(view.shown) <= 60
    qtbot.mouseClick(pane.trace.back, Qt.LeftButton)
    assert pane.pages.currentIndex() == 0


def test_a_scalar_run_traces_the_heatmaps_number_exactly(make_window, qtbot):
    win = stepped(make_window, qtbot, backend="scalar")
    report = win.run.latest
    name, row, col = cell_of(report, "lm_head")
    trace(qtbot, win, name, row, col)
    view = win.graph.trace.view
    assert view.shown[view.root].grad == float(report.grads[name][row, col])  # ==
    assert "the same number" in win.graph.trace.explain.text()


def test_more_uses_fold_and_unfold(make_window, qtbot):
    win = stepped(make_window, qtbot)
    report = win.run.latest
    trace(qtbot, win, "wte", report.tokens[1], 0)
    view = win.graph.trace.view
    key = view.root
    while not view.expanded[key].rest:  # find a node with more than five uses
        target = view.expanded[key].uses[0].target
        with qtbot.waitSignal(win.run.traced, timeout=10000):
            view.click(target)
        key = target
    exp = view.expanded[key]
    assert len(exp.uses) == 5 and exp.rest > 0
    more = [k for k in view.shown if isinstance(k, tuple) and k[1] == key]
    assert len(more) == 1 and f"+ {exp.rest} more" in view.shown[more[0]].name
    before = exp.rest
    with qtbot.waitSignal(win.run.traced, timeout=10000):
        view.click(more[0])
    assert len(view.expanded[key].uses) == 10 or view.expanded[key].rest == 0
    assert view.expanded[key].rest == max(0, before - 5)
    check_sum_rule(view, key)


def test_the_view_keeps_at_most_60_boxes(make_window, qtbot):
    win = stepped(make_window, qtbot)
    report = win.run.latest
    trace(qtbot, win, "wte", report.tokens[1], 0)
    view = win.graph.trace.view
    for _ in range(30):  # open every '+ more' and every node on screen, many times over
        more = [k for k in view.shown if isinstance(k, tuple)]
        closed = [k for k in view.shown if k not in view.expanded and not isinstance(k, tuple)]
        pick = (more or [k for k in closed if view.shown[k].kind != "loss"] or [None])[0]
        if pick is None:
            break
        with qtbot.waitSignal(win.run.traced, timeout=10000):
            view.click(pick)
        assert len(view.shown) <= 60
    assert view.root in view.shown


def test_double_click_traces_and_a_trace_before_any_step_is_explained(make_window, qtbot):
    win = make_window(config=CONFIG, backend="numpy")
    win.trace("lm_head", 0, 0)
    assert "Take a step first" in win.statusBar().currentMessage()
    with qtbot.waitSignal(win.run.reported, timeout=10000):
        win.step()
    with qtbot.waitSignal(win.run.traced, timeout=10000):
        win.gradients.heatmaps["lm_head"].cell_double_clicked.emit("lm_head", 1, 2)
    assert win.graph.pages.currentWidget() is win.graph.trace


def test_a_parameter_the_step_did_not_use_says_why(make_window, qtbot):
    win = stepped(make_window, qtbot)
    report = win.run.latest
    unused = next(i for i in range(len(report.chars)) if i not in report.tokens)
    answer = trace(qtbot, win, "wte", unused, 0)
    assert answer.note and not answer.uses
    assert answer.note in win.graph.trace.title.text()
    view = win.graph.trace.view
    assert list(view.shown) == [view.root] and view.shown[view.root].grad == 0.0


@pytest.mark.parametrize("change", ["reset", "back in time"])
def test_a_trace_of_a_run_that_changed_is_dropped(make_window, qtbot, change):
    """After Reset the pane still showed 'Trace of lm_head['a'][3], step 2' of a gone run."""
    win = stepped(make_window, qtbot)
    with qtbot.waitSignal(win.run.reported, timeout=10000):
        win.step()
    name, row, col = cell_of(win.run.latest, "lm_head")
    assert not trace(qtbot, win, name, row, col).error
    pane = win.graph
    assert pane.pages.currentWidget() is pane.trace and "step 2" in pane.trace.title.text()
    action = win.actions_["reset" if change == "reset" else "step_back"]
    with qtbot.waitSignal(win.run.reset, timeout=10000):
        action.trigger()
    assert pane.pages.currentWidget() is not pane.trace
    assert "was of a run that has changed" in pane.status.text() and "step 2" in pane.status.text()
    assert pane.trace.title.text().startswith("No trace") and not pane.trace.view.shown
    assert pane.graph is not None and pane.editor.presets.currentText() == "y = 3x"
