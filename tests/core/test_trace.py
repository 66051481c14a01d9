"""Trace a parameter to the loss: the last step's graph of named quantities, as plain data.

Oracles: the step's own gradient (== on scalar runs), its softmax, losses and attention
weights, and the chain rule itself (each node's grad is the sum of its uses' contributions).
"""

import math
import random
import re
from dataclasses import replace
from functools import cache

import numpy as np
import pytest

from microgpt import TrainConfig, Trainer, default_docs
from microgpt.backend import Interrupted
from microgpt.trace import Trace, TraceNode, TraceUse, UsesPage

STEPS = 3
DEFAULT = TrainConfig()
SMALL = TrainConfig(n_embd=8, n_head=2, n_layer=2, block_size=8, num_steps=100, seed=7)
KINDS = ("wte", "wpe", "lm_head", "attn_wq", "attn_wk", "attn_wv", "attn_wo", "mlp_fc1", "mlp_fc2")
# every name a trace may show (layer suffixes only when the model has more than one layer)
CHAR = r"('.'|BOS)"
NAME = re.compile(
    "|".join(
        [
            rf"(wte|lm_head)\[{CHAR}\]\[\d+\]",
            r"wpe\[\d+\]\[\d+\]",
            r"layer\d+\.(attn_w[qkvo]|mlp_fc[12])\[\d+\]\[\d+\]",
            r"x\[pos \d+\]\[\d+\]( \(\+(attention|mlp) L\d+\))?",
            r"rms scale\[pos \d+\] \((embedding|attention L\d+|mlp L\d+)\)",
            r"x norm\[pos \d+\]\[\d+\] \((embedding|attention L\d+|mlp L\d+)\)",
            r"[qkv]\[pos \d+\]\[head \d+\]\[\d+\]( \(L\d+\))?",
            r"attn (score|weight)\[head \d+\]\[\d+→\d+\]( \(L\d+\))?",
            r"(attn out|mlp hidden)\[pos \d+\]\[\d+\]( \(L\d+\))?",
            rf"(logit|p)\[pos \d+\]\[{CHAR}\]",
            r"loss\[pos \d+\]",
            r"loss",
        ]
    )
)


@cache
def trainer(backend: str, config: TrainConfig = DEFAULT) -> Trainer:
    """A run of STEPS steps on the bundled names (shared: tracing does not change it)."""
    t = Trainer(default_docs(), config, backend)
    for _ in range(STEPS):
        t.step()
    return t


def cell_of(t: Trainer, kind: str) -> tuple[str, int, int]:
    """One cell of each matrix kind that the last step used (wte: its first char's row)."""
    tokens = t.last_step.tokens
    rows = {"wte": tokens[1], "wpe": 1, "lm_head": tokens[2]}
    name = kind if kind in rows else f"layer0.{kind}"
    spec = t.layout.specs[t.layout.names.index(name)]
    row = rows.get(kind, 3 % spec.shape[0])
    return name, row, 5 % spec.shape[1]


@cache
def traced(backend: str, kind: str, config: TrainConfig = DEFAULT) -> Trace:
    t = trainer(backend, config)
    return t.trace(*cell_of(t, kind))


def step_grad(t: Trainer, name: str, row: int, col: int) -> float:
    return float(t.layout.split(t.last_step.pass_.grads)[name][row, col])


def close(a: float, b: float) -> bool:
    """Equal within rounding: 1e-12 relative, or 1e-15 absolute for tiny numbers."""
    return abs(a - b) <= max(1e-12 * abs(b), 1e-15)


def all_uses(trace: Trace, node: int, limit: int = 5) -> list[TraceUse]:
    """Every use of node, page by page, as a GUI expanding '+ k more' gets them."""
    out, offset = [], 0
    while True:
        page = trace.uses(node, offset=offset, limit=limit)
        out += page.uses
        if not page.rest_count:
            return out
        offset += len(page.uses)


# --- the traced parameter is the step's ------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("backend", ["scalar", "numpy"])
def test_the_traced_grad_is_the_steps_gradient(backend, kind):
    t = trainer(backend)
    name, row, col = cell = cell_of(t, kind)
    trace = traced(backend, kind)
    root = trace.node(trace.root)
    want = step_grad(t, *cell)
    assert root.kind == "param" and root.grad != 0
    assert (trace.step, trace.name, trace.row, trace.col) == (STEPS, name, row, col)
    assert root.value == t.layout.split(t.last_step.params_before)[name][row, col]
    if backend == "scalar":
        assert root.grad == want  # the rebuilt graph is the training computation
    else:
        assert close(root.grad, want)


@pytest.mark.parametrize("kind", ["wte", "wpe", "lm_head", "attn_wq", "mlp_fc2"])
def test_a_two_layer_model_traces_exactly_too(kind):
    t = trainer("scalar", SMALL)
    trace = traced("scalar", kind, SMALL)
    assert trace.node(0).grad == step_grad(t, *cell_of(t, kind))
    names = [n.name for n in trace.nodes]
    assert all(NAME.fullmatch(n) for n in names), [n for n in names if not NAME.fullmatch(n)]
    if kind == "wte":  # reaches both blocks, each named for its layer
        assert {"q[pos 1][head 0][0] (L0)", "q[pos 1][head 0][0] (L1)"} <= set(names)
        assert "x[pos 1][0] (+mlp L1)" in names


# --- the chain rule at every node ---------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("backend", ["scalar", "numpy"])
def test_expanding_every_use_reaches_the_loss_and_each_grad_is_its_uses_sum(backend, kind):
    trace = traced(backend, kind)
    seen, todo = {trace.root}, [trace.root]
    while todo:
        node = trace.node(todo.pop())
        uses = all_uses(trace, node.id)
        assert len(uses) == node.n_uses
        if node.kind == "loss":
            assert node.grad == 1 and not uses
            continue
        assert uses, f"{node.name} leads nowhere"
        total = math.fsum(u.contribution for u in uses)
        assert close(total, node.grad), (node.name, total, node.grad)
        for u in uses:
            target = trace.node(u.target)
            assert u.source == node.id and u.upstream == target.grad
            assert u.contribution == u.local * u.upstream
            assert u.target > node.id  # a use is computed later
            if u.target not in seen:
                seen.add(u.target)
                todo.append(u.target)
    assert trace.loss in seen and trace.node(trace.loss).name == "loss"
    assert seen == set(range(len(trace.nodes)))  # every node is reached from the parameter


@pytest.mark.parametrize("seed", range(4))
def test_a_random_walk_and_the_largest_uses_walk_reach_the_loss(seed):
    rng = random.Random(seed)
    trace = traced("scalar", rng.choice(KINDS))
    node = trace.root
    while trace.node(node).kind != "loss":
        node = rng.choice(all_uses(trace, node)).target
    assert trace.node(node).grad == 1.0
    chain = trace.chain()
    assert chain[0] == trace.root and chain[-1] == trace.loss
    for a, b in zip(chain, chain[1:]):
        assert b == trace.uses(a, limit=1).uses[0].target


def test_a_page_of_uses_and_its_rest_sum_to_the_grad():
    trace = traced("scalar", "wte")
    wide = [n for n in trace.nodes if n.n_uses > 5]
    assert wide
    for node in wide:
        first = trace.uses(node.id)
        assert isinstance(first, UsesPage) and len(first.uses) == 5
        assert first.rest_count == node.n_uses - 5
        assert first.more_label.startswith(f"+ {node.n_uses - 5} more (sum ")
        assert close(math.fsum(u.contribution for u in first.uses) + first.rest_sum, node.grad)
        everything = trace.uses(node.id, limit=node.n_uses)
        assert everything.rest_count == 0 and everything.more_label == ""
        assert list(everything.uses) == all_uses(trace, node.id)  # expanding gives the rest
        rest = everything.uses[5:]
        assert first.rest_sum == math.fsum(u.contribution for u in rest)
        sizes = [abs(u.contribution) for u in everything.uses]
        assert sizes == sorted(sizes, reverse=True)
        nxt = trace.uses(node.id, offset=5)
        assert nxt.uses == everything.uses[5:10]
        assert nxt.rest_count == max(0, node.n_uses - 10)


# --- named model quantities -------------------------------------------------------------


def test_nodes_are_named_model_quantities():
    t = trainer("scalar")
    chars, tokens = t.tokenizer.chars, t.last_step.tokens
    trace = t.trace("wte", tokens[0], 5)  # BOS at position 0: its uses reach every position
    names = {n.name: n for n in trace.nodes}
    assert all(NAME.fullmatch(n) for n in names), [n for n in names if not NAME.fullmatch(n)]
    target = f"'{chars[tokens[2]]}'"
    expected = [
        "wte[BOS][5]",
        "x[pos 0][5]",
        "rms scale[pos 0] (embedding)",
        "rms scale[pos 0] (attention L0)",  # pos 2's q comes from pos 2 alone
        "rms scale[pos 2] (mlp L0)",
        "q[pos 0][head 1][0]",
        "k[pos 0][head 1][3]",
        "v[pos 0][head 1][3]",
        "attn score[head 1][2→0]",
        "attn weight[head 1][2→0]",
        "attn out[pos 2][3]",
        "x[pos 2][3] (+attention L0)",
        "mlp hidden[pos 2][7]",
        "x[pos 2][3] (+mlp L0)",
        f"logit[pos 1][{target}]",
        f"p[pos 1][{target}]",
        "loss[pos 1]",
        "loss",
    ]
    assert [n for n in expected if n not in names] == []
    assert trace.node(0).name == "wte[BOS][5]" and trace.nodes[-1].name == "loss"
    kinds = {n.kind for n in trace.nodes}
    assert {"param", "x", "rms scale", "x norm", "q", "k", "v", "attn score"} <= kinds
    assert {"attn weight", "attn out", "mlp hidden", "logit", "p", "position loss"} <= kinds
    assert {"loss"} <= kinds


def test_named_values_are_the_steps_own():
    t = trainer("scalar")
    p, n = t.last_step.pass_, len(t.last_step.tokens) - 1
    names = {node.name: node for node in traced("scalar", "wpe").nodes}
    chars, tokens = t.tokenizer.chars, t.last_step.tokens
    text = lambda i: "BOS" if i == len(chars) else f"'{chars[i]}'"
    assert names["loss"].value == p.loss
    for pos in range(1, n):  # wpe[1] feeds every position from 1 on
        loss_pos, p_pos = names[f"loss[pos {pos}]"], names[f"p[pos {pos}][{text(tokens[pos + 1])}]"]
        assert loss_pos.value == p.position_losses[pos] and loss_pos.grad == 1 / n
        assert p_pos.value == p.target_probs[pos]
        for k in range(len(chars) + 1):  # d loss / d logit = (softmax - one hot) / n
            logit = names[f"logit[pos {pos}][{text(k)}]"]
            assert abs(logit.grad - (p.probs[pos, k] - (k == tokens[pos + 1])) / n) < 1e-15
        for h in range(t.config.n_head):
            for s in range(pos + 1):
                w = names[f"attn weight[head {h}][{pos}→{s}]"]
                assert w.value == p.attention[0, h, pos, s]


def test_an_edge_says_how_it_is_computed():
    t = trainer("scalar")
    e = t.config.n_embd
    lm = traced("scalar", "lm_head")
    whole = {node.name: node for node in t.trace("wte", t.last_step.tokens[0], 5).nodes}
    for u in all_uses(lm, lm.root):
        logit = lm.node(u.target)
        pos = logit.name.split("]")[0].removeprefix("logit[")  # 'pos 3'
        x = whole[f"x[{pos}][5] (+mlp L0)"]
        assert u.local == x.value  # d(Σ w·x)/dw = x
        assert u.how == f"logit = Σ w·x ({e} terms); ∂/∂w = {x.name} = {x.value:.4g}"
    wq = traced("scalar", "attn_wq")
    u = wq.uses(wq.root).uses[0]
    assert wq.node(u.target).kind == "q"
    assert u.how.startswith(f"q = Σ w·x norm ({e} terms); ∂/∂w = x norm[pos ")


# --- plain data, a parameter the step did not use, bad arguments -----------------------


def test_a_trace_is_plain_data():
    trace = traced("numpy", "mlp_fc1")
    for node in trace.nodes:
        assert isinstance(node, TraceNode)
        assert type(node.value) is float and type(node.grad) is float
        for u in all_uses(trace, node.id, limit=1000):
            assert {type(u.local), type(u.upstream), type(u.contribution)} == {float}
            assert type(u.how) is str


def test_a_parameter_the_step_did_not_use_has_no_uses():
    t = trainer("scalar")
    used = set(t.last_step.tokens[:-1])
    absent = next(i for i in range(t.tokenizer.vocab_size) if i not in used)
    trace = t.trace("wte", absent, 0)
    assert len(trace.nodes) == 1 and trace.loss is None and trace.chain() == [0]
    assert trace.node(0).grad == 0 == step_grad(t, "wte", absent, 0)
    assert trace.uses(0) == ((), 0, 0.0)
    assert "not used" in trace.note
    n = len(t.last_step.tokens) - 1
    assert f"{n} positions" in t.trace("wpe", n, 0).note


BAD_CELLS = [
    (("wtf", 0, 0), "no parameter named 'wtf'"),
    (("layer0.attn_wq", 16, 0), "row must be a whole number in 0..15"),
    (("wte", 0, -1), "col must be a whole number in 0..15"),
    (("wte", 0.0, 0), "row must"),
]


@pytest.mark.parametrize(("cell", "message"), BAD_CELLS, ids=[str(c) for c, _ in BAD_CELLS])
def test_bad_cells_are_clear_value_errors(cell, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        trainer("scalar").trace(*cell)


def test_no_trace_without_the_params_before_the_step():
    with pytest.raises(ValueError, match="no step"):
        Trainer(default_docs(), SMALL).trace("wte", 0, 0)
    t = trainer("scalar", SMALL)
    old = Trainer.from_state(
        t.docs,
        t.config,
        "scalar",
        params=t.params,
        m=t.m,
        v=t.v,
        rng_state=t.rng.getstate(),
        history=t.history.points(),
        last=replace(t.last_step, params_before=None),
    )
    with pytest.raises(ValueError, match="not saved in this checkpoint"):
        old.trace("wte", 0, 0)


def test_bad_node_ids_and_pages_are_clear_value_errors():
    trace = traced("scalar", "lm_head")
    last = len(trace.nodes) - 1
    for bad in (-1, last + 1, 1.0, True):
        with pytest.raises(ValueError, match=f"node id must be a whole number in 0..{last}"):
            trace.node(bad)
    with pytest.raises(ValueError, match="offset must be a whole number >= 0"):
        trace.uses(0, offset=-1)
    with pytest.raises(ValueError, match="limit must be a whole number >= 1"):
        trace.uses(0, limit=0)


def test_a_loaded_run_traces_its_last_step_alike(tmp_path):
    t = trainer("numpy", SMALL)
    t.save(tmp_path / "run.npz")
    loaded = Trainer.load(tmp_path / "run.npz", backend="scalar")
    a, b = t.trace("layer0.attn_wv", 2, 3), loaded.trace("layer0.attn_wv", 2, 3)
    assert a.nodes == b.nodes
    assert all(all_uses(a, n.id) == all_uses(b, n.id) for n in a.nodes)


def test_a_trace_can_be_stopped():
    t = trainer("scalar", SMALL)
    t.should_stop = lambda: True
    try:
        with pytest.raises(Interrupted):
            t.trace("wte", 0, 0)
    finally:
        t.should_stop = None


# --- fidelity ----------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["scalar", "numpy"])
def test_tracing_between_steps_does_not_change_the_run(backend):
    a = Trainer(default_docs(), TrainConfig(), backend)
    b = Trainer(default_docs(), TrainConfig(), backend)
    for s in range(STEPS):
        a.step()
        b.step()
        a.trace(*cell_of(a, KINDS[s]))
        assert a.history[-1].loss == b.history[-1].loss
    assert np.array_equal(a.params, b.params)
    assert np.array_equal(a.m, b.m) and np.array_equal(a.v, b.v)
    assert a.rng.getstate() == b.rng.getstate()
    assert a.step().loss == b.step().loss
