"""Gradient descent on a small graph, the output as a function of one node, chain paths."""

import math

import pytest

from microgpt.expr.explore import (
    DEFAULT_LR,
    MAX_PATHS,
    chain_paths,
    curve,
    descend,
    descent_updates,
    reset_weights,
    weight_indices,
)
from microgpt.expr.language import ExprError, evaluate
from microgpt.expr.presets import PRESETS

PRESET = dict(PRESETS)


def index_of(graph, label: str) -> int:
    (i,) = [k for k, node in enumerate(graph.nodes) if node.label == label]
    return i


def leaves(graph, weight: bool) -> dict[int, float]:
    return {
        i: node.data
        for i, node in enumerate(graph.nodes)
        if graph.steps[i].op == "" and graph.steps[i].weight == weight
    }


# --- descent ----------------------------------------------------------------------------------


def test_descend_lowers_the_squared_error_every_step_and_never_moves_data():
    graph = evaluate(PRESET["neuron + squared error"])
    data = leaves(graph, weight=False)
    losses = [graph.output.data]
    for _ in range(20):
        graph = descend(graph, DEFAULT_LR)
        losses.append(graph.output.data)
        assert leaves(graph, weight=False) == data
    assert all(after < before for before, after in zip(losses, losses[1:])), losses
    assert losses[-1] < losses[0] / 100


def test_descend_is_w_minus_lr_times_grad_on_weights_only():
    graph = evaluate(PRESET["two-layer MLP"])
    updates = descent_updates(graph, 0.25)
    assert [u.index for u in updates] == weight_indices(graph) and len(updates) == 8
    after = descend(graph, 0.25)
    for u in updates:
        assert u.before == graph.nodes[u.index].data and u.grad == graph.nodes[u.index].grad
        assert after.nodes[u.index].data == u.before - 0.25 * u.grad == u.after


def test_the_mlp_learns_visibly_within_20_descents():
    graph = evaluate(PRESET["two-layer MLP"])
    start = graph.output.data
    for _ in range(20):
        graph = descend(graph, DEFAULT_LR)
    assert graph.output.data < start / 10


def test_reset_weights_keeps_nudged_data():
    source = PRESET["neuron + squared error"]
    graph = evaluate(source)
    x1 = index_of(graph, "x1")
    graph = descend(descend(evaluate(source, {x1: 0.7}), 0.1), 0.1)
    back = reset_weights(graph)
    assert back.overrides == {x1: 0.7}
    for i in weight_indices(back):
        assert back.nodes[i].data == back.steps[i].const


def test_a_program_without_weights_has_nothing_to_descend():
    graph = evaluate(PRESET["y = 3x"])
    assert weight_indices(graph) == []
    assert descend(graph, 0.1).output.data == graph.output.data


@pytest.mark.parametrize("lr", [0.0, -0.1, math.nan, math.inf])
def test_descend_refuses_a_learning_rate_that_is_not_positive(lr):
    with pytest.raises(ValueError, match="learning rate"):
        descend(evaluate(PRESET["neuron"]), lr)


def test_a_descent_that_cannot_be_computed_raises_and_names_the_line():
    graph = evaluate("w = param(0.5)\nL = log(w)")  # grad 2: one step of lr 1 gives log(-1.5)
    with pytest.raises(ExprError) as err:
        descend(graph, 1.0)
    assert err.value.line == 2 and "log" in err.value.message


# --- the curve ------------------------------------------------------------------------------


def test_y_equals_3x_is_the_straight_line_of_slope_3():
    graph = evaluate(PRESET["y = 3x"])
    x = index_of(graph, "x")
    xs = [k / 10 for k in range(-40, 41)]
    assert curve(graph, x, xs) == [3 * v for v in xs]


def test_the_tanh_chain_is_curved_and_its_tangent_touches_it():
    graph = evaluate(PRESET["chain L = f(g(h(x)))"])
    x = index_of(graph, "x")
    x0, h = graph.nodes[x].data, 1e-5
    y_minus, y0, y_plus = curve(graph, x, [x0 - h, x0, x0 + h])
    assert y0 == graph.output.data
    assert (y_plus - y_minus) / (2 * h) == pytest.approx(graph.nodes[x].grad, rel=1e-8)
    ys = curve(graph, x, [0.0, 0.5, 1.0, 1.5])
    slopes = [b - a for a, b in zip(ys, ys[1:])]
    assert len({round(s, 6) for s in slopes}) == 3  # not a straight line


def test_the_curve_of_an_intermediate_holds_what_feeds_it():
    graph = evaluate(PRESET["micrograd classic"])
    d = index_of(graph, "d")  # L = d * f with f = -2
    assert curve(graph, d, [0.0, 1.0, 2.0]) == [0.0, -2.0, -4.0]


def test_points_that_cannot_be_computed_are_nan_not_errors():
    graph = evaluate("x = 1.0\nL = log(x)")
    ys = curve(graph, 0, [-1.0, 0.0, 1.0, math.e])
    assert math.isnan(ys[0]) and math.isnan(ys[1]) and ys[2:] == [0.0, 1.0]
    graph = evaluate("x = 1.0\nL = exp(x)")
    assert math.isnan(curve(graph, 0, [1e6])[0])


def test_the_curve_leaves_the_graph_as_it_was():
    graph = evaluate(PRESET["two-layer MLP"])
    before = [(n.data, n.grad) for n in graph.nodes]
    curve(graph, index_of(graph, "w11"), [k / 5 for k in range(-10, 11)])
    assert [(n.data, n.grad) for n in graph.nodes] == before


# --- chain paths ----------------------------------------------------------------------------


def test_one_path_is_the_chain_rule_product():
    graph = evaluate(PRESET["chain L = f(g(h(x)))"])
    x = index_of(graph, "x")
    paths = chain_paths(graph, x)
    (path,) = paths.shown
    assert [graph.nodes[i].label for i in path.nodes] == ["L", "g", "h", "x"]
    assert path.product == pytest.approx(graph.nodes[x].grad, rel=1e-15)
    assert paths.count == 1 and paths.rest == 0.0


def test_a_weight_used_twice_sums_two_paths():
    graph = evaluate(PRESET["one weight used twice"])
    a = index_of(graph, "a")
    paths = chain_paths(graph, a)
    assert paths.count == 2 and len(paths.shown) == 2
    assert sorted(p.product for p in paths.shown) == [3.0, 2 * graph.nodes[a].data]
    assert sum(p.product for p in paths.shown) == graph.nodes[a].grad


def test_x_times_x_is_two_paths_through_one_op():
    graph = evaluate("x = 3.0\nL = x * x")
    paths = chain_paths(graph, 0)
    assert paths.count == 2 and [p.product for p in paths.shown] == [3.0, 3.0]


def test_many_paths_show_six_and_sum_the_rest():
    # each doubling line doubles the number of paths from L down to x
    lines = ["x = 1.1", "a0 = x * 1.0"]
    lines += [f"a{k} = a{k - 1} + a{k - 1} * 0.5" for k in range(1, 6)]
    lines.append("L = a5 * a5")
    graph = evaluate("\n".join(lines))
    paths = chain_paths(graph, 0)
    assert paths.count == 2 * 2**5 and len(paths.shown) == MAX_PATHS
    shown = sum(p.product for p in paths.shown)
    assert shown + paths.rest == pytest.approx(graph.nodes[0].grad, rel=1e-12)
    assert paths.total == pytest.approx(graph.nodes[0].grad, rel=1e-12)


@pytest.mark.parametrize("name,source", PRESETS, ids=[name for name, _ in PRESETS])
def test_paths_sum_to_every_gradient_of_every_preset(name, source):
    graph = evaluate(source)
    for i, node in enumerate(graph.nodes):
        assert chain_paths(graph, i).total == pytest.approx(node.grad, rel=1e-12, abs=1e-15)
