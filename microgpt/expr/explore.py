"""Things to do with a small expression graph: gradient descent on its weights, the output
as a function of one node (the curve a derivative is the slope of), and the chain rule
written out path by path. All of it runs on the same Value engine as the GPT.
"""

import math
from dataclasses import dataclass

from microgpt.engine import Value

from .language import ExprGraph, _apply, evaluate

DEFAULT_LR = 0.1
MAX_PATHS = 6  # chain-rule paths written out one by one; the rest are summed


def weight_indices(graph: ExprGraph) -> list[int]:
    """The param(...) leaves: what gradient descent may move. Data leaves never move."""
    return [i for i, step in enumerate(graph.steps) if step.op == "" and step.weight]


@dataclass(frozen=True)
class Update:
    """One weight's gradient-descent step: after = before - lr * grad."""

    index: int
    before: float
    grad: float
    lr: float
    after: float


def descent_updates(graph: ExprGraph, lr: float) -> list[Update]:
    """What one step w <- w - lr * grad does to every weight of graph."""
    updates = []
    for i in weight_indices(graph):
        node = graph.nodes[i]
        updates.append(Update(i, node.data, node.grad, lr, node.data - lr * node.grad))
    return updates


def descend(graph: ExprGraph, lr: float) -> ExprGraph:
    """One gradient-descent step on every weight, evaluated forward and backward again.
    Raises ExprError (the graph is unchanged) if the new weights cannot be computed."""
    if not (math.isfinite(lr) and lr > 0):
        raise ValueError(f"the learning rate must be a positive number, got {lr}")
    overrides = dict(graph.overrides)
    for u in descent_updates(graph, lr):
        overrides[u.index] = u.after
    return evaluate(graph.source, overrides)


def reset_weights(graph: ExprGraph) -> ExprGraph:
    """Every weight back to the value written in the program (nudged data leaves stay)."""
    weights = set(weight_indices(graph))
    overrides = {i: x for i, x in graph.overrides.items() if i not in weights}
    return evaluate(graph.source, overrides)


# --- the output as a function of one node ----------------------------------------------------


def downstream(graph: ExprGraph, i: int) -> list[int]:
    """Node i and every node that depends on it, in forward order."""
    seen, stack = {i}, [i]
    while stack:
        for j, _ in graph.consumers(stack.pop()):
            if j not in seen:
                seen.add(j)
                stack.append(j)
    return sorted(seen)


def curve(graph: ExprGraph, i: int, xs) -> list[float]:
    """The output with node i's value set to each x (every other leaf as it is now), run
    forward with the engine's own operations; nan where it cannot be computed (log of a
    negative number, an overflow). Only the nodes that depend on i are recomputed."""
    steps, overrides = graph.steps, graph.overrides
    later = downstream(graph, i)[1:]
    ys = []
    for x in xs:
        nodes = list(graph.nodes)
        nodes[i] = Value(float(x))
        y = math.nan
        try:
            for j in later:
                node = nodes[j] = _apply(steps[j], nodes)
                if j in overrides:
                    node.data = overrides[j]
            y = nodes[-1].data
        except (ArithmeticError, ValueError, TypeError):
            pass
        ys.append(y if isinstance(y, (int, float)) and math.isfinite(y) else math.nan)
    return ys


# --- the chain rule, one path at a time ------------------------------------------------------


@dataclass(frozen=True)
class ChainPath:
    """One way down from the output to a node: each factor is a local gradient
    d(parent)/d(child) along the way, and their product is this path's share of the grad."""

    nodes: tuple[int, ...]  # the output first, the node last
    factors: tuple[float, ...]  # len(nodes) - 1 local gradients, output end first
    product: float


@dataclass(frozen=True)
class ChainPaths:
    shown: tuple[ChainPath, ...]  # at most MAX_PATHS
    count: int  # every path from the output to the node
    rest: float  # the sum of the paths not shown (0.0 when all are shown)
    total: float  # the sum over all paths, in the paths' own order of adding


def chain_paths(graph: ExprGraph, i: int, limit: int = MAX_PATHS) -> ChainPaths:
    """The chain rule written out: dL/dnode is the sum over every path from the output down
    to the node of the product of the local gradients along it. A node used twice by one
    op (x * x) has two paths through that op, one per use."""
    out = len(graph.nodes) - 1
    count, total = [0] * len(graph.nodes), [0.0] * len(graph.nodes)
    count[out], total[out] = 1, 1.0
    for j in range(out - 1, -1, -1):  # consumers come after their children
        for c, slot in graph.consumers(j):
            count[j] += count[c]
            total[j] += graph.nodes[c].local_grads[slot] * total[c]
    shown: list[ChainPath] = []
    stack = [(i, (), ())]  # upward from the node: (where, nodes above it so far, factors)
    while stack and len(shown) < limit:
        j, nodes, factors = stack.pop()
        nodes = (j, *nodes)
        if j == out:
            factors = factors[::-1]  # collected upward: the output end is last
            product = 1.0
            for f in factors:
                product *= f
            shown.append(ChainPath(nodes, factors, product))
            continue
        for c, slot in reversed(graph.consumers(j)):  # first consumer first
            stack.append((c, nodes, (*factors, graph.nodes[c].local_grads[slot])))
    shown_sum = sum(p.product for p in shown)
    rest = total[i] - shown_sum if count[i] > len(shown) else 0.0
    return ChainPaths(tuple(shown), count[i], rest, total[i])
