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

import ast
import math
import re
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

from .engine import Value
from .presets import PRESETS  # noqa: F401  (re-exported: expr.PRESETS)

MAX_NODES = 500
MAX_DEPTH = 100  # nesting of one expression; deeper would exhaust Python's recursion
MAX_SOURCE = 20_000
MAX_EXPONENT = 10
FUNCTIONS = ("relu", "exp", "log", "tanh", "sigmoid")
MINUS_ONE = "-1 (from a minus sign)"  # text of the -1 leaf that -b = b * -1 multiplies by
HELP = "Allowed: numbers, names, + - * / **, relu, exp, log, tanh, sigmoid and param(number)."


class ExprError(ValueError):
    """A program the language cannot build; line and col are 1-based, like an editor's."""

    def __init__(self, message: str, line: int = 1, col: int = 1):
        self.message, self.line, self.col = message, line, col
        super().__init__(f"Line {line}, column {col}: {message}")


@dataclass(frozen=True)
class Step:
    """One node of the plan: a leaf (op '') or an op on earlier steps."""

    op: str  # '', '+', '*', '**', 'log', 'exp', 'relu', 'tanh', 'sigmoid'
    args: tuple[int, ...]  # child step indices
    const: float  # the leaf's value, or the exponent k of '**'
    weight: bool  # leaf made by param(...)
    label: str  # the assigned name, else the number (leaf) or the op
    text: str  # what the node computes, in source terms, e.g. "w1*x1"
    line: int
    col: int


@dataclass(frozen=True)
class Plan:
    """A compiled program, pruned to the steps the output depends on (forward order)."""

    steps: tuple[Step, ...]
    consumers: tuple[tuple[tuple[int, int], ...], ...]  # i -> ((j, slot): steps[j].args[slot] == i)
    unused: tuple[str, ...]  # assigned names the output does not depend on


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


# --- compiling: ast -> plan, against a whitelist ----------------------------------------------

_FORBIDDEN = {  # what the language has no room for, in a learner's words
    ast.Attribute: "attributes like a.b",
    ast.Subscript: "indexing like a[0]",
    ast.Lambda: "lambda functions",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons like a < b",
    ast.BoolOp: "and / or",
    ast.IfExp: "if ... else",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Dict: "dictionaries",
    ast.Set: "sets",
    ast.JoinedStr: "f-strings",
    ast.NamedExpr: "the := operator",
    ast.Import: "imports",
    ast.ImportFrom: "imports",
    ast.Starred: "*args",
}
_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


def _col(source_line: str, col_offset: int) -> int:
    """ast counts UTF-8 bytes; an editor counts characters (1-based)."""
    return len(source_line.encode()[:col_offset].decode(errors="ignore")) + 1


@lru_cache(maxsize=64)
def _compile(source: str) -> Plan:
    if len(source) > MAX_SOURCE:
        raise ExprError(f"the program is longer than {MAX_SOURCE} characters", 1, 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="exec")
    except SyntaxError as exc:
        line, col = exc.lineno or 1, exc.offset or 1
        raise ExprError(f"Python cannot read this: {exc.msg}. {HELP}", line, col) from None
    except (ValueError, RecursionError, MemoryError, OverflowError):
        raise ExprError(f"Python cannot read this program. {HELP}", 1, 1) from None
    return _Compiler(source).program(tree)


class _Compiler:
    """Walks the ast; every accepted node appends exactly one Step (one Value)."""

    def __init__(self, source: str):
        self.lines = re.split(r"\r\n|\r|\n", source)  # Python's own line breaks
        self.source = source
        self.steps: list[dict] = []
        self.names: dict[str, int] = {}

    def where(self, node: ast.AST) -> tuple[int, int]:
        line = getattr(node, "lineno", 1)
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return line, _col(text, getattr(node, "col_offset", 0))

    def fail(self, node: ast.AST, message: str):
        raise ExprError(message, *self.where(node))

    def program(self, tree: ast.Module) -> Plan:
        out = None
        for stmt in tree.body:
            out = self.assignment(stmt)
        if out is None:
            raise ExprError("the program is empty: write lines like  y = 3 * x", 1, 1)
        return self.plan(out)

    def assignment(self, stmt: ast.stmt) -> int:
        if not isinstance(stmt, ast.Assign):
            what = _FORBIDDEN.get(type(stmt), "this kind of line")
            self.fail(stmt, f"each line must be  name = expression; {what}: not allowed")
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            self.fail(stmt, "assign one name per line, like  y = 3 * x")
        name = stmt.targets[0].id
        if name in FUNCTIONS or name == "param":
            self.fail(stmt.targets[0], f"'{name}' is a function; pick another name")
        self.check_depth(stmt.value)
        i = self.expr(stmt.value)
        if not self.steps[i]["named"]:
            self.steps[i].update(label=name, named=True)
        self.names[name] = i
        return i

    def check_depth(self, root: ast.AST) -> None:
        stack = [(root, 1)]
        while stack:  # iterative, so a pathological input cannot exhaust the recursion
            node, depth = stack.pop()
            if depth > MAX_DEPTH:
                self.fail(node, f"expression nested deeper than {MAX_DEPTH}; split it over lines")
            stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))

    def add(self, node, op, args=(), const=0.0, label="", text="", weight=False) -> int:
        if len(self.steps) >= MAX_NODES:
            self.fail(node, f"the program builds more than {MAX_NODES} nodes; make it smaller")
        line, col = self.where(node)
        text = text or ast.get_source_segment(self.source, node) or label
        step = dict(op=op, args=tuple(args), const=const, weight=weight, line=line, col=col)
        self.steps.append(dict(step, label=label or op, text=text, named=False))
        return len(self.steps) - 1

    def expr(self, node: ast.expr) -> int:
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            if _is_number(node):
                return self.leaf(node)
            i = self.expr(node.operand)
            if isinstance(node.op, ast.UAdd):
                return i
            minus_one = self.add(node, "", const=-1, label="-1", text=MINUS_ONE)
            return self.add(node, "*", (i, minus_one))  # -b = b * -1
        if isinstance(node, ast.Constant):
            return self.leaf(node)
        what = _FORBIDDEN.get(type(node), f"{type(node).__name__} expressions")
        self.fail(node, f"this language has no {what}. {HELP}")

    def name(self, node: ast.Name) -> int:
        if node.id in self.names:
            return self.names[node.id]
        if node.id in FUNCTIONS or node.id == "param":
            self.fail(node, f"{node.id} is a function: call it, like {node.id}(x)")
        self.fail(node, f"unknown name '{node.id}': give it a value on an earlier line first")

    def number(self, node: ast.expr) -> float:
        if not _is_number(node):
            self.fail(node, "expected a plain number here, like 2.0 or -3")
        sign = -1.0 if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) else 1.0
        value = node.operand.value if isinstance(node, ast.UnaryOp) else node.value
        try:
            x = sign * float(value)
        except OverflowError:
            x = math.inf
        if not math.isfinite(x):
            self.fail(node, "this number is too large to represent")
        return x

    def leaf(self, node: ast.expr, weight: bool = False) -> int:
        if isinstance(node, ast.Constant) and not _is_number(node):
            self.fail(node, f"only numbers are allowed, not {type(node.value).__name__} values")
        x = self.number(node)
        text = ast.get_source_segment(self.source, node) or f"{x:g}"
        return self.add(node, "", const=x, label=text, text=text, weight=weight)

    def call(self, node: ast.Call) -> int:
        fn = node.func.id if isinstance(node.func, ast.Name) else None
        if fn not in FUNCTIONS and fn != "param":
            name = f"'{fn}'" if fn else "this"
            self.fail(node, f"unknown function {name}. Functions: {', '.join(FUNCTIONS)}, param")
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
            self.fail(node, f"{fn}(...) takes exactly one value, like {fn}(x)")
        if fn == "param" and not _is_number(node.args[0]):
            self.fail(node.args[0], "param(...) takes a plain number, like param(-3.0)")
        if fn == "param":
            return self.leaf(node.args[0], weight=True)
        return self.add(node, fn, (self.expr(node.args[0]),))

    def binop(self, node: ast.BinOp) -> int:
        op = _OPS.get(type(node.op))
        if op is None:
            self.fail(node, f"this operator is not supported. {HELP}")
        if op == "**":
            k = self.number(node.right) if _is_number(node.right) else None
            if k is None or abs(k) > MAX_EXPONENT:
                bound = f"between -{MAX_EXPONENT} and {MAX_EXPONENT}"
                self.fail(node.right, f"the exponent must be a plain number {bound}")
            return self.add(node, "**", (self.expr(node.left),), const=_int_if_whole(k))
        a, b = self.expr(node.left), self.expr(node.right)
        if op == "-":  # a - b = a + (b * -1), as the GPT builds it
            minus_one = self.add(node.right, "", const=-1, label="-1", text=MINUS_ONE)
            b = self.add(node.right, "*", (b, minus_one), text=f"-{self._text(b)}")
        if op == "/":  # a / b = a * b**-1, as the GPT builds it
            b = self.add(node.right, "**", (b,), const=-1, text=f"1/{self._text(b)}")
        return self.add(node, "*" if op == "/" else "+" if op == "-" else op, (a, b))

    def _text(self, i: int) -> str:
        step = self.steps[i]
        text = step["label"] if step["named"] else step["text"]
        return text if text.replace("_", "").replace(".", "").isalnum() else f"({text})"

    def plan(self, out: int) -> Plan:
        keep = sorted(_reachable(self.steps, out))
        new = {old: new for new, old in enumerate(keep)}
        steps = []
        for old in keep:
            s = dict(self.steps[old])
            s["args"] = tuple(new[a] for a in s["args"])
            del s["named"]
            steps.append(Step(**s))
        consumers: list[list[tuple[int, int]]] = [[] for _ in steps]
        for j, s in enumerate(steps):
            for slot, a in enumerate(s.args):
                consumers[a].append((j, slot))
        unused = tuple(n for n, i in self.names.items() if i not in new)
        return Plan(tuple(steps), tuple(tuple(c) for c in consumers), unused)


def _reachable(steps: list[dict], out: int) -> set[int]:
    seen, stack = {out}, [out]
    while stack:
        for a in steps[stack.pop()]["args"]:
            if a not in seen:
                seen.add(a)
                stack.append(a)
    return seen


def _is_number(node: ast.AST) -> bool:
    """A numeric literal, optionally with a sign: 2, 2.5, -3e-2 (not True, not 1j)."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        node = node.operand
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, (int, float))
        and not isinstance(node.value, bool)
    )


def _int_if_whole(k: float) -> float:
    """x**2, not x**2.0: the local gradient k * x**(k-1) then uses an int k, like the GPT."""
    return int(k) if k == int(k) else k
