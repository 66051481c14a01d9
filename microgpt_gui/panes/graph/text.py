"""Numbers and sentences about an ExprGraph, for boxes, tooltips and the inspector (no Qt)."""

import math

from microgpt.expr.language import MINUS_ONE, ExprGraph

MINUS = "\u2212"
FUNCTION_SYMBOL = {"sigmoid": "σ"}
KIND_WORDS = {
    "data": "a data input (a number you typed)",
    "weight": "a weight, marked with param(...): a number the model would learn",
    "intermediate": "an intermediate value",
    "output": "the output",
}


def fmt(x: float | None) -> str:
    """4 significant digits, a real minus sign: 6.000, −0.8814, 1.235e+05."""
    if x is None:
        return "?"
    if not math.isfinite(x):
        return str(x)
    s = f"{x:#.4g}"
    mantissa, e, exponent = s.partition("e")
    s = mantissa.rstrip(".") + (e + exponent)
    return s.replace("-", MINUS)


def is_named(graph: ExprGraph, i: int) -> bool:
    step = graph.steps[i]
    return step.op == "" or step.label != step.op


def name_of(graph: ExprGraph, i: int, limit: int = 18) -> str:
    """The assigned name, else the source text it computes, e.g. (w1*x1)."""
    step = graph.steps[i]
    if is_named(graph, i):
        return step.label.replace("-", MINUS)
    text = step.text if len(step.text) <= limit else step.text[: limit - 1] + "…"
    return f"({text})"


def box_label(graph: ExprGraph, i: int) -> str:
    """The label cell of a node's box: the name, or short source text, or the op."""
    step = graph.steps[i]
    if is_named(graph, i):
        return step.label.replace("-", MINUS)
    return step.text if len(step.text) <= 9 else op_symbol(graph, i)


def op_symbol(graph: ExprGraph, i: int) -> str:
    step = graph.steps[i]
    if step.op == "*":
        return "×"
    if step.op == "**":
        return f"**{step.const}".replace("-", MINUS)
    return FUNCTION_SYMBOL.get(step.op, step.op)


def formula(graph: ExprGraph, i: int, values: bool = False) -> str:
    """What node i computes from its children: 'a × b', or with numbers '2.000 × −3.000'."""
    step = graph.steps[i]
    args = [fmt(graph.nodes[a].data) if values else name_of(graph, a) for a in step.args]
    if step.op == "+":
        return f"{args[0]} + {args[1]}"
    if step.op == "*":
        return f"{args[0]} × {args[1]}"
    if step.op == "**":
        return f"{args[0]}**{step.const}".replace("-", MINUS)
    return f"{FUNCTION_SYMBOL.get(step.op, step.op)}({args[0]})"


def local_rule(graph: ExprGraph, j: int, slot: int) -> str:
    """Why d(node j)/d(its child at slot) has the value it has, e.g. '∂(a × b)/∂a = b = −3.000'."""
    step, node = graph.steps[j], graph.nodes[j]
    child = graph.nodes[step.args[slot]]
    x = name_of(graph, step.args[slot])
    d = f"∂{name_of(graph, j)}/∂{x}"
    local = fmt(node.local_grads[slot])
    if step.op == "+":
        return f"{d} = 1: adding passes a change straight through"
    if step.op == "*":
        other = step.args[1 - slot]
        return f"{d} = {name_of(graph, other)} = {local}: a product moves by the other factor"
    if step.op == "**":
        k = step.const
        return f"{d} = {k}·{x}**{k - 1} = {local}: the power rule".replace("-", MINUS)
    if step.op == "exp":
        return f"{d} = exp({x}) = {local}: exp is its own slope"
    if step.op == "log":
        return f"{d} = 1/{x} = {local}"
    if step.op == "relu":
        why = "it is positive, so relu passes it" if child.data > 0 else "it is not positive"
        return f"{d} = {local}: {why}"
    if step.op == "tanh":
        return f"{d} = 1 − tanh({x})² = {local}"
    if step.op == "sigmoid":
        return f"{d} = σ({x})·(1 − σ({x})) = {local}"
    raise ValueError(f"unknown op {step.op!r}")  # fail loudly on an op without a rule


def leaf_words(graph: ExprGraph, i: int) -> str:
    """What kind of number a leaf is, in words."""
    step = graph.steps[i]
    if step.text == MINUS_ONE:
        return "the −1 a minus sign multiplies by (−b = b × −1, as in the GPT)"
    if graph.kind(i) == "data" and not step.label.isidentifier():
        return "a constant typed in the expression"
    return KIND_WORDS[graph.kind(i)]


def forward_sentence(graph: ExprGraph, i: int) -> str:
    """One forward step: the value of node i and how it was computed."""
    step, name = graph.steps[i], name_of(graph, i)
    value = fmt(graph.nodes[i].data)
    if step.op == "":
        return f"{name} = {value}: {leaf_words(graph, i)}."
    return f"{name} = {formula(graph, i)} = {formula(graph, i, values=True)} = {value}"


def backward_sentence(graph: ExprGraph, consumer: int, slot: int, total: float) -> str:
    """One backward step: child.grad += local × upstream."""
    child = graph.steps[consumer].args[slot]
    c, x = name_of(graph, consumer), name_of(graph, child)
    node = graph.nodes[consumer]
    local, up = node.local_grads[slot], node.grad
    return (
        f"grad of {x} += ∂{c}/∂{x} × grad of {c} = {fmt(local)} × {fmt(up)} = "
        f"{fmt(local * up)}, so grad of {x} is now {fmt(total)}"
    )


def derivative(graph: ExprGraph, top: int, bottom: int) -> str:
    """'dL/dx': how node `top` changes with node `bottom`."""
    return f"d{name_of(graph, top)}/d{name_of(graph, bottom)}"


def signed(x: float) -> str:
    """A factor inside a product: negative numbers in brackets, (−0.4800)."""
    return f"({fmt(x)})" if x < 0 else fmt(x)


def path_line(graph: ExprGraph, nodes: tuple[int, ...], factors, product: float) -> str:
    """One chain-rule path: 'dL/dg · dg/dh · dh/dx = 1.130 × 0.6809 × 1.600 = 1.231', or
    of one link, its local gradient: 'dy/dx = 3.000'."""
    names = " · ".join(derivative(graph, a, b) for a, b in zip(nodes, nodes[1:]))
    if len(factors) == 1:
        return f"{names} = {fmt(product)}"
    numbers = " × ".join(signed(f) for f in factors)
    return f"{names} = {numbers} = {fmt(product)}"


def update_line(graph: ExprGraph, i: int, before: float, lr: float, grad: float) -> str:
    """One weight's descent: 'w1 = −3.000 − 0.1 × (−0.7500) = −2.925'."""
    after = before - lr * grad
    return f"{name_of(graph, i)} = {fmt(before)} − {lr:g} × {signed(grad)} = {fmt(after)}"
