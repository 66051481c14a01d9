"""Trace one parameter of the last step up to the loss, through the model's named quantities.

The step's scalar graph is rebuilt from its params before the update (the same Value ops in
the same order as training, so every grad has the training bits), with each model quantity
named: x, rms scale, x norm, q, k, v, attn score, attn weight, attn out, mlp hidden, logit,
p, loss[pos], loss. The anonymous ops between named nodes (a linear's products and partial
sums, -max, exp, **-1, relu's input, ...) are folded: the edge u -> c carries
local = dc/du summed over the folded paths, so grad(u) = Σ_c local(u -> c) · grad(c).
Only plain data leaves this module.
"""

import math
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import islice
from typing import NamedTuple

import numpy as np

from .backend import StopCheck, check_stop
from .config import TrainConfig
from .engine import Value
from .model import ParamLayout, gpt, softmax
from .report import cell_name, quoted_token, token_text


@dataclass(frozen=True)
class TraceNode:
    """A named quantity of the step: its value and d loss / d it (the engine's grad)."""

    id: int  # 0 is the traced parameter; ids follow the forward order
    name: str  # "wte['t'][5]", "q[pos 2][head 1][0]", "loss", ...
    value: float
    grad: float
    kind: str  # 'param', 'x', 'rms scale', 'x norm', 'q', ..., 'position loss', 'loss'
    formula: str  # how it is computed: "logit = Σ w·x (16 terms)"
    n_uses: int  # named nodes it feeds directly (through folded ops only)


@dataclass(frozen=True)
class TraceUse:
    """One edge source -> target: contribution = local · upstream is target's share of grad."""

    source: int
    target: int
    local: float  # d target / d source, summed over the folded paths
    upstream: float  # grad of target
    contribution: float  # local * upstream
    how: str  # "logit = Σ w·x (16 terms); ∂/∂w = x[pos 4][3] (+mlp L0) = 0.123"


class UsesPage(NamedTuple):
    """Some uses of a node, largest |contribution| first, and what the rest add up to."""

    uses: tuple[TraceUse, ...]
    rest_count: int  # uses after these; ask again with offset + len(uses)
    rest_sum: float  # the sum of their contributions

    @property
    def more_label(self) -> str:
        """'+ k more (sum …)', or '' when there is no rest."""
        return f"+ {self.rest_count} more (sum {self.rest_sum:.4g})" if self.rest_count else ""


# symbol of a node's kind in the formulas ("∂/∂x norm"); a parameter is 'w' (or wte, wpe)
SYMBOLS = {"rms scale": "scale", "attn score": "score", "attn weight": "weight"}
SYMBOLS |= {"mlp hidden": "hidden", "position loss": "loss[pos]"}


@dataclass(frozen=True)
class Trace:
    """One parameter's uses, up to the loss, in one step: plain data, safe to keep."""

    step: int  # the 1-based step traced
    name: str  # the parameter matrix, row and column
    row: int
    col: int
    nodes: tuple[TraceNode, ...] = field(repr=False)  # [0] the parameter; the loss is last
    note: str = ""  # why the parameter has no uses (e.g. its char is not in the document)
    _edges: tuple = field(default=(), repr=False)  # per node: (contribution, target, local,
    # partner) tuples, largest |contribution| first

    root = 0

    @property
    def loss(self) -> int | None:
        """The id of the loss node, None when the parameter does not reach it."""
        return len(self.nodes) - 1 if self.nodes[-1].kind == "loss" else None

    def node(self, node_id: int) -> TraceNode:
        """The node with this id; ValueError naming the valid range."""
        return self.nodes[self._checked(node_id)]

    def uses(self, node_id: int, offset: int = 0, limit: int = 5) -> UsesPage:
        """The uses from the offset-th (largest |contribution| first), at most limit of them."""
        edges = self._edges[self._checked(node_id)]
        for what, x, low in (("offset", offset, 0), ("limit", limit, 1)):
            if isinstance(x, bool) or not isinstance(x, int) or x < low:
                raise ValueError(f"{what} must be a whole number >= {low}, got {x!r}")
        page = edges[offset : offset + limit]
        rest = edges[offset + limit :]
        uses = tuple(self._use(node_id, *e) for e in page)
        return UsesPage(uses, len(rest), math.fsum(e[0] for e in rest))

    def chain(self, node_id: int = 0) -> list[int]:
        """Node ids from node_id following each node's largest use, to the loss."""
        out = [self._checked(node_id)]
        while self._edges[out[-1]]:
            out.append(self._edges[out[-1]][0][1])
        return out

    def _checked(self, node_id: int) -> int:
        n = len(self.nodes)
        if isinstance(node_id, bool) or not isinstance(node_id, int) or not 0 <= node_id < n:
            raise ValueError(f"node id must be a whole number in 0..{n - 1}, got {node_id!r}")
        return node_id

    def _use(self, source: int, contribution, target: int, local, partner) -> TraceUse:
        src, dst = self.nodes[source], self.nodes[target]
        symbol = SYMBOLS.get(src.kind, src.kind)
        if src.kind == "param":
            symbol = self.name if self.name in ("wte", "wpe") else "w"
        how = f"{dst.formula}; ∂/∂{symbol} = "
        if partner is not None:  # one product on the way: local = the other factor (· f)
            other, f = partner
            how += other if f == 1 else f"{other} × {f:.4g}"
            how += " = "
        return TraceUse(source, target, local, dst.grad, contribution, how + f"{local:.4g}")


def trace_step(
    params: np.ndarray,
    tokens: list[int],
    config: TrainConfig,
    layout: ParamLayout,
    chars,
    name: str,
    row: int,
    col: int,
    step: int = 0,
    should_stop: StopCheck | None = None,
) -> Trace:
    """The trace of params[name][row, col] in the step on tokens (arguments already checked)."""
    namer = _Namer(config, chars)
    leaves = namer.leaves(params, layout)
    loss = _forward(leaves, tokens, config, namer, should_stop)
    order = loss.backward(should_stop)
    root = leaves[name][row][col]
    namer.info[root] = ("param", f"parameter ({layout.specs[layout.names.index(name)].about})")
    cone, uses = _fold(root, order)
    ids = {v: i for i, v in enumerate(cone)}
    nodes, edges = [], []
    for i, v in enumerate(cone):
        kind, formula = namer.info[v]
        out = [(d * c.grad, ids[c], d, partner) for c, (d, partner) in uses[v].items()]
        out.sort(key=lambda e: (-abs(e[0]), e[1]))
        nodes.append(TraceNode(i, v.label, float(v.data), float(v.grad), kind, formula, len(out)))
        edges.append(tuple(out))
    note = "" if edges[0] else _unused(name, row, tokens, chars, nodes[0].name)
    return Trace(step, name, row, col, tuple(nodes), note, tuple(edges))


def _unused(name: str, row: int, tokens: list[int], chars, label: str) -> str:
    """Why a parameter has no uses in this step."""
    if name == "wte":
        return f"{label} is not used: {token_text(row, chars)} is not an input of this step"
    if name == "wpe":
        return f"{label} is not used: this step's document has {len(tokens) - 1} positions"
    return f"{label} is not used in this step"


def _forward(leaves, tokens, config: TrainConfig, namer, should_stop) -> Value:
    """scalar.py's train_pass forward, op for op, with every model quantity named."""
    n = min(config.block_size, len(tokens) - 1)
    keys, values = [[] for _ in range(config.n_layer)], [[] for _ in range(config.n_layer)]
    stop = None if should_stop is None else lambda: check_stop(should_stop)
    losses = []
    for pos_id in range(n):
        check_stop(should_stop)
        namer.pos = pos_id
        token_id, target_id = tokens[pos_id], tokens[pos_id + 1]
        logits = gpt(leaves, config, token_id, pos_id, keys, values, check=stop, tap=namer)
        probs = softmax(logits)
        loss_t = -probs[target_id].log()
        namer.outputs(logits, probs[target_id], target_id, loss_t)
        losses.append(loss_t)
    loss = (1 / n) * sum(losses)
    namer.name(loss, "loss", "loss", f"loss = Σ loss[pos] / {n} ({_terms(n)})")
    return loss


def _fold(root: Value, order: list[Value]):
    """The named nodes computed from root (forward order) and, for each, its uses:
    {named consumer c: (dc/dnode through anonymous nodes only, partner or None)}."""
    try:
        start = order.index(root)  # order: children before parents
    except ValueError:  # root does not reach the loss
        return [root], {root: {}}
    members, cone = {root}, [root]
    for v in islice(order, start + 1, None):
        if not members.isdisjoint(v.children):
            members.add(v)
            cone.append(v)
    # backward with a dict for a grad, {named c: dc/dv}, that stops at named nodes
    down, links, uses = defaultdict(dict), defaultdict(list), {}
    for v in reversed(cone):  # consumers first
        d_v = down.pop(v, {})
        if v.label:
            partners = _partners(v, links.pop(v, ()))
            uses[v] = {c: (d, partners.get(c)) for c, d in d_v.items()}
            d_v = {v: 1}
        for child, local in zip(v.children, v.local_grads):
            if child in members:
                into = down[child]
                for c, d in d_v.items():
                    into[c] = into.get(c, 0.0) + local * d
                if child.label:
                    links[child].append((v, d_v))  # v is a direct consumer of child
    return [v for v in cone if v.label], uses


def _partners(v: Value, links) -> dict:
    """The consumers c that v reaches through exactly one product v·other (then a factor f),
    as c -> (other's name or number, f), so that dc/dv = other · f."""
    seen, out = {}, {}
    for p, d_p in links:
        for c in d_p:
            seen[c] = seen.get(c, 0) + 1
        a, b = p.children if p.op == "*" else (None, None)
        if a is not b and len(d_p) == 1:
            other = b if a is v else a
            [(c, f)] = d_p.items()
            out[c] = (other.label or f"{other.data:.4g}", f)
    return {c: partner for c, partner in out.items() if seen[c] == 1}


def _terms(n: int) -> str:
    """'16 terms', '1 term'."""
    return f"{n} term" if n == 1 else f"{n} terms"


NORMS = {"norm": "embedding", "attn norm": "attention", "mlp norm": "mlp"}  # tap -> rmsnorm


class _Namer:
    """gpt's tap: names each model quantity of position `pos` as it is made (Value.label)."""

    def __init__(self, config: TrainConfig, chars):
        self.pos, self.chars, self.hd = 0, chars, config.head_dim
        e, self.many_layers = config.n_embd, config.n_layer > 1
        self.info = {}  # named Value -> (kind, formula)
        self.formulas = {
            "x": "x = wte + wpe",
            "q": f"q = Σ w·x norm ({_terms(e)})",
            "k": f"k = Σ w·x norm ({_terms(e)})",
            "v": f"v = Σ w·x norm ({_terms(e)})",
            "attn score": f"score = Σ q·k ({_terms(self.hd)}) / √{self.hd}",
            "x attn": f"x = Σ w·attn out ({_terms(e)}) + residual",
            "mlp hidden": f"hidden = relu(Σ w·x norm ({_terms(e)}))",
            "x mlp": f"x = Σ w·hidden ({_terms(4 * e)}) + residual",
            "scale": f"scale = (Σ x²/{e} + 1e-5)^-0.5",
            "logit": f"logit = Σ w·x ({_terms(e)})",
            "p": f"p = softmax(logits) ({_terms(len(chars) + 1)})",
        }

    def name(self, v: Value, label: str, kind: str, formula: str) -> None:
        v.label = label
        self.info[v] = (kind, formula)

    def tok(self, i: int) -> str:
        return quoted_token(i, self.chars)

    def leaves(self, params: np.ndarray, layout: ParamLayout) -> dict:
        """name -> rows of labelled Value leaves, as microgpt's state_dict."""
        flat, sd = params.tolist(), {}
        for spec, start in zip(layout.specs, layout.offsets):
            rows, cols = spec.shape
            labels = [cell_name(spec, r, c, self.chars) for r in range(rows) for c in range(cols)]
            row_leaves = [Value(x, label=lab) for x, lab in zip(flat[start:], labels)]
            sd[spec.name] = [row_leaves[r * cols : (r + 1) * cols] for r in range(rows)]
        return sd

    def __call__(self, what: str, layer, vals, head=None) -> None:
        p, fm = self.pos, self.formulas
        at = f" (L{layer})" if self.many_layers else ""
        if what in NORMS:
            where = NORMS[what] if layer is None else f"{NORMS[what]} L{layer}"
            scale = vals[0].children[1]  # rmsnorm's x_i * scale
            self.name(scale, f"rms scale[pos {p}] ({where})", "rms scale", fm["scale"])
            label, kind, formula = f"x norm[pos {p}][{{i}}] ({where})", "x norm", "x norm = x·scale"
        elif what in ("attn score", "attn weight"):
            formula = fm[what] if what in fm else f"weight = softmax(scores) ({_terms(len(vals))})"
            for t, v in enumerate(vals):
                self.name(v, f"{what}[head {head}][{p}→{t}]{at}", what, formula)
            return
        elif what in ("q", "k", "v"):
            label, kind, formula = f"{what}[pos {p}][head {{h}}][{{j}}]{at}", what, fm[what]
        elif what == "attn out":
            label, kind = f"attn out[pos {p}][{{i}}]{at}", what
            formula = f"attn out = Σ weight·v ({_terms(p + 1)})"
        elif what == "mlp hidden":
            label, kind, formula = f"mlp hidden[pos {p}][{{i}}]{at}", what, fm[what]
        else:  # 'x', 'x attn', 'x mlp': the residual stream, first and after each block part
            after = {"x attn": f" (+attention L{layer})", "x mlp": f" (+mlp L{layer})"}
            label, kind, formula = f"x[pos {p}][{{i}}]{after.get(what, '')}", "x", fm[what]
        for i, v in enumerate(vals):
            h, j = divmod(i, self.hd)
            self.name(v, label.format(i=i, h=h, j=j), kind, formula)

    def outputs(self, logits, p_target: Value, target: int, loss_t: Value) -> None:
        """The position's logits, p(target) and loss."""
        p, fm = self.pos, self.formulas
        for i, v in enumerate(logits):
            self.name(v, f"logit[pos {p}][{self.tok(i)}]", "logit", fm["logit"])
        self.name(p_target, f"p[pos {p}][{self.tok(target)}]", "p", fm["p"])
        self.name(loss_t, f"loss[pos {p}]", "position loss", "loss[pos] = -log p")
