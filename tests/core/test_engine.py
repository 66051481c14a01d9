"""Value: every op's gradient against central finite differences; the iterative backward."""

import math
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from microgpt import Value

H = 1e-6


def numeric_grads(f, xs):
    """Central differences (f(x + h) - f(x - h)) / 2h of f's .data with respect to each x."""
    out = []
    for i in range(len(xs)):
        up = [Value(x + (H if j == i else 0.0)) for j, x in enumerate(xs)]
        down = [Value(x - (H if j == i else 0.0)) for j, x in enumerate(xs)]
        out.append((f(*up).data - f(*down).data) / (2 * H))
    return out


def check_grads(f, *xs, rel=1e-5, abs_=1e-6):
    leaves = [Value(x) for x in xs]
    y = f(*leaves)
    y.backward()
    analytic = [v.grad for v in leaves]
    numeric = numeric_grads(f, xs)
    for a, n in zip(analytic, numeric):
        assert a == pytest.approx(n, rel=rel, abs=abs_)
    return y, analytic


UNARY = {
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "relu": lambda a: a.relu(),
    "tanh": lambda a: a.tanh(),
    "sigmoid": lambda a: a.sigmoid(),
    "neg": lambda a: -a,
    "square": lambda a: a**2,
    "cube": lambda a: a**3,
    "inverse": lambda a: a**-1,
    "rsqrt": lambda a: a**-0.5,
    "sqrt": lambda a: a**0.5,
    "radd": lambda a: 2.5 + a,
    "rsub": lambda a: 2.5 - a,
    "rmul": lambda a: 2.5 * a,
    "rtruediv": lambda a: 2.5 / a,
    "add_const": lambda a: a + 2.5,
    "sub_const": lambda a: a - 2.5,
    "mul_const": lambda a: a * 2.5,
    "div_const": lambda a: a / 2.5,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "truediv": lambda a, b: a / b,
}


@pytest.mark.parametrize("name", sorted(UNARY))
@pytest.mark.parametrize("x", [0.3, 1.7, 4.2])
def test_unary_op_gradient_matches_finite_differences(name, x):
    check_grads(UNARY[name], x)


@pytest.mark.parametrize("name", ["relu", "tanh", "sigmoid", "exp", "neg", "square"])
@pytest.mark.parametrize("x", [-2.3, -0.4])
def test_unary_op_gradient_at_negative_inputs(name, x):
    check_grads(UNARY[name], x)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize(("x", "y"), [(0.7, 1.9), (-1.3, 0.6), (2.5, -3.1)])
def test_binary_op_gradient_matches_finite_differences(name, x, y):
    check_grads(BINARY[name], x, y)


def test_sigmoid_does_not_overflow_far_from_zero():
    for x in (-800.0, 800.0):
        s = Value(x).sigmoid()
        assert 0.0 <= s.data <= 1.0
        assert s.local_grads[0] == pytest.approx(0.0, abs=1e-300)


def test_relu_is_zero_and_flat_below_zero():
    a = Value(-1.5)
    y = a.relu()
    y.backward()
    assert (y.data, a.grad) == (0, 0.0)


@pytest.mark.parametrize(
    "f",
    [
        lambda a: a * a,  # fan-out into one op
        lambda a: a + a,
        lambda a: a * a * a + a.exp() - a.log(),
        lambda a: (a * 2).tanh() * a + a.sigmoid() / a,
    ],
    ids=["a*a", "a+a", "poly-exp-log", "tanh-sigmoid"],
)
def test_fan_out_accumulates_gradients(f):
    check_grads(f, 0.8)


def test_fan_out_exact_values():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0
    b = Value(3.0)
    (b + b + b).backward()
    assert b.grad == 3


def test_shared_intermediate_node():
    # c is used by two parents; its gradient is the sum of both paths
    def f(a, b):
        c = a * b
        return c.exp() + c * c - (c + a).relu()

    check_grads(f, 0.4, -0.9)


def test_composite_expression_like_a_neuron():
    def neuron(x1, x2, w1, w2, b):
        return (x1 * w1 + x2 * w2 + b).tanh()

    check_grads(neuron, 2.0, 0.0, -3.0, 1.0, 6.8813735870195432)


def test_composite_expression_like_microgpt():
    # softmax over three logits, then -log p[1]: the loss of one position
    def loss(a, b, c):
        logits = [a, b, c]
        mx = max(v.data for v in logits)
        exps = [(v - mx).exp() for v in logits]
        total = sum(exps)
        probs = [e / total for e in exps]
        ms = sum(p * p for p in probs) / 3
        return -probs[1].log() + (ms + 1e-5) ** -0.5

    check_grads(loss, 0.2, -1.1, 0.9)


@settings(max_examples=60, deadline=None)
@given(
    x=st.floats(0.2, 3.0),
    y=st.floats(-3.0, 3.0),
    z=st.floats(0.2, 3.0),
)
def test_random_points_of_a_composite(x, y, z):
    def f(a, b, c):
        return (a * b + c.log()).tanh() * (b / c) + (a**1.5).exp() * a - b.sigmoid()

    check_grads(f, x, y, z, rel=1e-4, abs_=1e-5)


def test_op_records_children_local_grads_and_op():
    a, b = Value(2.0, label="a"), Value(5.0, label="b")
    assert (a.op, a.children, a.local_grads, a.label, a.grad) == ("", (), (), "a", 0)
    s, p = a + b, a * b
    assert (s.op, s.children, s.local_grads) == ("+", (a, b), (1, 1))
    assert (p.op, p.children, p.local_grads) == ("*", (a, b), (5.0, 2.0))
    q = a**3
    assert (q.op, q.children, q.local_grads) == ("**", (a,), (12.0,))
    assert a.log().op == "log" and a.exp().op == "exp" and a.relu().op == "relu"
    assert a.exp().local_grads == (math.exp(2.0),)
    assert a.log().local_grads == (0.5,)
    assert isinstance(s.children, tuple) and isinstance(s.local_grads, tuple)


def test_division_and_subtraction_are_built_as_microgpt_builds_them():
    # a / b is a * b**-1, and a - b is a + (b * -1): the bits depend on it
    a, b = Value(2.0), Value(5.0)
    d = a / b
    assert d.op == "*" and d.children[0] is a
    inv = d.children[1]
    assert (inv.op, inv.children, inv.data) == ("**", (b,), 5.0**-1)
    s = a - b
    assert s.op == "+" and s.children[0] is a
    neg = s.children[1]
    assert (neg.op, neg.children[0], neg.children[1].data) == ("*", b, -1)
    assert d.data == 2.0 * 5.0**-1


def test_constants_become_leaves():
    a = Value(2.0)
    y = a * 3
    assert isinstance(y.children[1], Value) and y.children[1].op == ""
    assert y.children[1].data == 3


def test_backward_of_200k_node_chain_at_default_recursion_limit():
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # Python's default
    try:
        x = Value(0.5)
        y = x
        for i in range(100_000):  # 200,000 op nodes plus their constant leaves
            y = y * 1.0 if i % 2 else y + 0.25
            y = y + 0.0
        order = y.backward()
    finally:
        sys.setrecursionlimit(old)
    assert x.grad == 1.0
    assert len(order) == 1 + 4 * 100_000  # x, then per iteration 2 ops and 2 constant leaves
    assert order[0] is x and order[-1] is y


def recursive_topo(root):
    """microgpt's recursive build_topo, for small graphs."""
    topo, visited = [], set()

    def build(v):
        if v not in visited:
            visited.add(v)
            for child in v.children:
                build(child)
            topo.append(v)

    build(root)
    return topo


def recursive_backward(root):
    topo = recursive_topo(root)
    root.grad = 1
    for v in reversed(topo):
        for child, lg in zip(v.children, v.local_grads):
            child.grad += lg * v.grad


def diamond():
    a, b = Value(1.5, label="a"), Value(-0.5, label="b")
    c = a * b
    d = c + a
    e = c.exp() * d
    f = e + b * d
    return f


def test_topological_order_equals_recursive_dfs_on_a_small_graph():
    root = diamond()
    expected = recursive_topo(root)
    assert [id(v) for v in root.topo()] == [id(v) for v in expected]
    assert [id(v) for v in root.backward()] == [id(v) for v in expected]


DAG_OPS = {
    "add": lambda a, b: a + b,
    "mul": lambda a, b: a * b * 0.5,
    "sub": lambda a, b: a - b,
    "div": lambda a, b: a / (b * b + 1),
    "exp": lambda a, b: (a * 0.1).exp(),
    "tanh": lambda a, b: a.tanh(),
    "sigmoid": lambda a, b: a.sigmoid(),
    "relu": lambda a, b: a.relu(),
    "square": lambda a, b: a * a * 0.5,
}


@st.composite
def random_dags(draw):
    """Recipes for random graphs: each node applies an op to earlier nodes (fan-out is common)."""
    n_leaves = draw(st.integers(1, 4))
    leaves = draw(st.lists(st.floats(0.5, 2.0), min_size=n_leaves, max_size=n_leaves))
    steps = []
    for i in range(draw(st.integers(1, 25))):
        n = n_leaves + i
        op = draw(st.sampled_from(sorted(DAG_OPS)))
        steps.append((op, draw(st.integers(0, n - 1)), draw(st.integers(0, n - 1))))
    return leaves, steps


def build(recipe):
    leaves, steps = recipe
    nodes = [Value(x) for x in leaves]
    for op, i, j in steps:
        nodes.append(DAG_OPS[op](nodes[i], nodes[j]))
    return nodes


@settings(max_examples=80, deadline=None)
@given(random_dags())
def test_order_and_gradients_equal_the_recursive_reference_on_random_graphs(recipe):
    mine, ref = build(recipe), build(recipe)
    order = mine[-1].backward()
    recursive_backward(ref[-1])
    index_mine = {id(v): i for i, v in enumerate(mine)}
    index_ref = {id(v): i for i, v in enumerate(ref)}
    # the same nodes (by position in the recipe, constants aside) in the same order
    expected = recursive_topo(ref[-1])
    assert len(order) == len(expected)
    assert [index_mine.get(id(v)) for v in order] == [index_ref.get(id(v)) for v in expected]
    assert [v.data for v in order] == [v.data for v in expected]
    # bit-identical gradients
    assert [v.grad for v in mine] == [v.grad for v in ref]
