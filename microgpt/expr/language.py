"""A tiny expression language that builds a labelled Value graph. Parsed with ast, never eval'd.

    x = 2.0              # a number is a data input
    w = param(-3.0)      # param(...) marks a weight (a parameter the model would learn)
    L = relu(w * x + 1)  # the last assignment is the output

Subtraction and division build exactly the graph the GPT builds, from the same eight
derivative rules: a - b = a + (b * -1) and a / b = a * b**-1. A learner who clicks through
this graph therefore meets nothing the GPT does not do, and every node is one rule.

evaluate() compiles the source once (cached) into a plan: one step per Value, children first.
Running the plan with `overrides` replaces the forward value of chosen nodes, keyed by their
index in ExprGraph.nodes, which is how nudges and finite-difference checks perturb a node.
"""

import math
from dataclasses import dataclass, field

from microgpt.engine import Value

from .compiler import MAX_DEPTH, _compile
from .plan import (
    FUNCTIONS,
    HELP,
    MAX_DIGITS,
    MAX_EXPONENT,
    MAX_NODES,
    MAX_SOURCE,
    MINUS_ONE,
    ExprError,
    Plan,
    Step,
)
from .presets import PRESETS
from .refusals import REFUSED

# The language's names, read here wherever they are defined (plan, compiler, refusals, presets).
__all__ = ["FUNCTIONS", "HELP", "MAX_DEPTH", "MAX_DIGITS", "MAX_EXPONENT", "MAX_NODES"]
__all__ += ["MAX_SOURCE", "MINUS_ONE", "PRESETS", "REFUSED", "ChainTerm", "ExprError"]
__all__ += ["ExprGraph", "Plan", "Step", "evaluate"]


@dataclass(frozen=True)
class ChainTerm:
    """One consumer's share of a node's gradient: local * upstream = contribution."""

    consumer: int  # index of the node that used this one
    slot: int  # which of the consumer's children this node is
    local: float  # d(consumer)/d(node)
    upstream: float  # dL/d(consumer)
    contribution: float  # local * upstream


@dataclass(eq=False)
class ExprGraph:
    """A built, forward- and backward-evaluated program."""

    source: str
    plan: Plan
    nodes: list[Value]  # forward order: every child before its parents (a topological order)
    backward_order: list[Value]  # what Value.backward() returned; it chains in reverse
    overrides: dict[int, float] = field(default_factory=dict)

    def __post_init__(self):
        self.index = {node: i for i, node in enumerate(self.nodes)}

    output = property(lambda self: self.nodes[-1])
    steps = property(lambda self: self.plan.steps)
    unused = property(lambda self: self.plan.unused)

    def kind(self, i: int) -> str:
        """'output', 'weight', 'data' (other leaves) or 'intermediate'."""
        step = self.plan.steps[i]
        if i == len(self.nodes) - 1:
            return "output"
        if step.op == "":
            return "weight" if step.weight else "data"
        return "intermediate"

    def children(self, i: int) -> tuple[int, ...]:
        return self.plan.steps[i].args

    def consumers(self, i: int) -> tuple[tuple[int, int], ...]:
        return self.plan.consumers[i]

    def chain_terms(self, i: int) -> list[ChainTerm]:
        """dL/dnode = sum over consumers c of dc/dnode * dL/dc, in backward()'s order."""
        rank = {node: r for r, node in enumerate(reversed(self.backward_order))}
        terms = []
        for j, slot in sorted(
            self.plan.consumers[i], key=lambda js: (rank[self.nodes[js[0]]], js[1])
        ):
            c = self.nodes[j]
            local = c.local_grads[slot]
            terms.append(ChainTerm(j, slot, local, c.grad, local * c.grad))
        return terms

    def finite_difference(self, i: int, h: float = 1e-4) -> float:
        """(L(x + h) - L(x - h)) / 2h, nudging node i's forward value; may raise ExprError."""
        x = self.nodes[i].data
        up = evaluate(self.source, {**self.overrides, i: x + h}).output.data
        down = evaluate(self.source, {**self.overrides, i: x - h}).output.data
        return (up - down) / (2 * h)


def evaluate(source: str, overrides: dict[int, float] | None = None) -> ExprGraph:
    """Build, run forward and backward; raise ExprError naming the line on any problem."""
    plan = _compile(source)
    overrides = dict(overrides or {})
    nodes = _run(plan, overrides)
    order = nodes[-1].backward()
    for i in reversed(range(len(nodes))):
        if not math.isfinite(nodes[i].grad):
            step = plan.steps[i]
            name = step.label if step.label != step.op else step.text
            msg = f"the gradient of {name} became too large to represent (overflow)"
            raise ExprError(msg, step.line, step.col)
    return ExprGraph(source, plan, nodes, order, overrides)


def _run(plan: Plan, overrides: dict[int, float]) -> list[Value]:
    """One Value per step, with the engine's own operators (so the bits match the GPT)."""
    nodes: list[Value] = []
    for i, step in enumerate(plan.steps):
        try:
            node = _apply(step, nodes)
            if i in overrides:
                node.data = overrides[i]
            ok = all(math.isfinite(x) for x in (node.data, *node.local_grads))
        except (ArithmeticError, ValueError, TypeError) as exc:
            raise ExprError(_explain(step, nodes, exc), step.line, step.col) from None
        if not ok:
            raise ExprError(
                f"{step.text} is too large to represent (overflow)", step.line, step.col
            )
        node.label = step.label
        nodes.append(node)
    return nodes


def _apply(step: Step, nodes: list[Value]) -> Value:
    if step.op == "":
        return Value(step.const)
    a = nodes[step.args[0]]
    if step.op == "+":
        return a + nodes[step.args[1]]
    if step.op == "*":
        return a * nodes[step.args[1]]
    if step.op == "**":
        return a**step.const
    return getattr(a, step.op)()  # log, exp, relu, tanh, sigmoid


def _explain(step: Step, nodes: list[Value], exc: Exception) -> str:
    """A learner's reading of an arithmetic failure."""
    x = nodes[step.args[0]].data if step.args else step.const
    where = f" (in {step.text})"
    if step.op == "log":
        return f"log needs a positive number, but here it gets log({x:g}){where}"
    if step.op == "exp":
        return f"exp({x:g}) is too large to represent (overflow){where}"
    if step.op == "**" and isinstance(exc, ZeroDivisionError):
        return f"division by zero: 0 to the power {step.const:g}{where}"
    if isinstance(exc, OverflowError):
        return f"the result is too large to represent (overflow){where}"
    if step.op == "**" and isinstance(exc, TypeError):
        return f"a negative number to a fractional power has no real value{where}"
    return f"this cannot be computed: {exc}{where}"
