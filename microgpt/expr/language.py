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
import io
import keyword
import math
import re
import tokenize
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

from microgpt.engine import Value

from .presets import PRESETS  # noqa: F401  (re-exported: expr.PRESETS)

MAX_NODES = 500
MAX_DEPTH = 100  # nesting the user wrote (brackets, calls, signs); deeper would exhaust
# Python's recursion. A flat sum a + b + c + ... is not nesting: it is walked in a loop.
MAX_SOURCE = 20_000
MAX_EXPONENT = 10
MAX_DIGITS = 400  # a number literal's characters; 1e308 is the largest float anyway
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

_NO_BOOLS = "there are no true/false values here"
# What the language has no room for, in a learner's words: one sentence per refused ast node.
REFUSED: dict[type, str] = {
    ast.Attribute: "methods and attributes like .real are not allowed",  # said with its name
    ast.Subscript: "indexing like a[0] is not allowed",
    ast.Slice: "slices like a[1:2] are not allowed",
    ast.Lambda: "lambda functions are not allowed",
    ast.ListComp: "comprehensions like [x for x in ...] are not allowed",
    ast.SetComp: "comprehensions like {x for x in ...} are not allowed",
    ast.DictComp: "comprehensions like {k: v for ...} are not allowed",
    ast.GeneratorExp: "comprehensions like (x for x in ...) are not allowed",
    ast.Compare: f"comparisons like a < b are not allowed: {_NO_BOOLS}",
    ast.IfExp: "'... if ... else ...' is not allowed: a graph has no branches",
    ast.List: "lists like [1, 2] are not allowed",
    ast.Tuple: "tuples like (1, 2) are not allowed: one value per name",
    ast.Dict: "dictionaries like {'a': 1} are not allowed",
    ast.Set: "sets like {1, 2} are not allowed",
    ast.JoinedStr: "f-strings are not allowed: only numbers",
    ast.FormattedValue: "f-strings are not allowed: only numbers",
    ast.NamedExpr: "the := operator is not allowed: assign on a line of its own, like  y = 3 * x",
    ast.Starred: "a star before a value (*x) is not allowed",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield from' is not allowed",
    ast.Mod: "% (remainder) is not allowed",
    ast.FloorDiv: "// (whole-number division) is not allowed: use / to divide",
    ast.MatMult: "@ (matrix product) is not allowed",
    ast.LShift: "<< (bit shift) is not allowed",
    ast.RShift: ">> (bit shift) is not allowed",
    ast.BitOr: "| (bitwise or) is not allowed",
    ast.BitAnd: "& (bitwise and) is not allowed",
    ast.BitXor: "^ is not a power here: write x ** 2",
    ast.Invert: "~ (bitwise not) is not allowed: for a minus sign write -x",
    ast.Not: f"'not' is not allowed: {_NO_BOOLS}",
    ast.And: f"'and' is not allowed: {_NO_BOOLS}",
    ast.Or: f"'or' is not allowed: {_NO_BOOLS}",
    ast.FunctionDef: "function definitions (def) are not allowed",
    ast.AsyncFunctionDef: "function definitions (async def) are not allowed",
    ast.ClassDef: "classes are not allowed",
    ast.Return: "'return' is not allowed: the last line's name is the output",
    ast.Delete: "'del' is not allowed",
    ast.AugAssign: "x += 1 is not allowed: write  x = x + 1",  # said with its own operator
    ast.AnnAssign: "type annotations (x: float = 1) are not allowed: write x = 1",
    ast.For: "'for' loops are not allowed: write each step on a line of its own",
    ast.AsyncFor: "'async for' loops are not allowed",
    ast.While: "'while' loops are not allowed",
    ast.If: "'if' statements are not allowed: a graph has no branches",
    ast.With: "'with' blocks are not allowed",
    ast.AsyncWith: "'async with' blocks are not allowed",
    ast.Match: "'match' is not allowed",
    ast.Raise: "'raise' is not allowed",
    ast.Try: "'try' is not allowed",
    ast.Assert: "'assert' is not allowed",
    ast.Import: "imports are not allowed",
    ast.ImportFrom: "imports are not allowed",
    ast.Global: "'global' is not allowed",
    ast.Nonlocal: "'nonlocal' is not allowed",
    ast.Expr: "this line computes a value but gives it no name",  # said with its line
    ast.Pass: "'pass' is not allowed",
    ast.Break: "'break' is not allowed",
    ast.Continue: "'continue' is not allowed",
}
for _name, _words in (  # newer Pythons' nodes
    ("TryStar", "'try' is not allowed"),
    ("TypeAlias", "'type' aliases are not allowed"),
    ("TemplateStr", "t-strings are not allowed: only numbers"),
    ("Interpolation", "t-strings are not allowed: only numbers"),
):
    if hasattr(ast, _name):
        REFUSED[getattr(ast, _name)] = _words
_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}
_SYMBOLS = {**_OPS, ast.Mod: "%", ast.FloorDiv: "//", ast.MatMult: "@", ast.LShift: "<<"}
_SYMBOLS |= {ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^"}
MAX_TERMS = MAX_NODES  # a sum of more terms builds more nodes than MAX_NODES anyway


def _col(source_line: str, col_offset: int) -> int:
    """ast counts UTF-8 bytes; an editor counts characters (1-based)."""
    return len(source_line.encode()[:col_offset].decode(errors="ignore")) + 1


@lru_cache(maxsize=64)
def _compile(source: str) -> Plan:
    if len(source) > MAX_SOURCE:
        raise ExprError(f"the program is longer than {MAX_SOURCE} characters", 1, 1)
    _check_terms(source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(source, mode="exec")
    except SyntaxError as exc:
        line, col = exc.lineno or 1, exc.offset or 1
        raise ExprError(f"Python cannot read this: {exc.msg}. {HELP}", line, col) from None
    except RecursionError:  # ast.parse recurses once per level: --------1, a.b.c.d...
        line, col = _longest_statement(source)
        msg = "this line is nested too deeply for Python to read; split it over several lines"
        raise ExprError(msg, line, col) from None
    except (ValueError, MemoryError, OverflowError):
        raise ExprError(f"Python cannot read this program. {HELP}", 1, 1) from None
    return _Compiler(source).program(tree)


_BINARY = {"+", "-", "*", "/", "**", "%", "//", "@", "<<", ">>", "&", "|", "^"}
_OPERAND_END = {tokenize.NAME, tokenize.NUMBER, tokenize.STRING}
_SKIP = {tokenize.NL, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT}


def _tokens(source: str):
    """Python's tokens, without recursion; stops quietly where the tokenizer gives up
    (ast.parse then explains the syntax error)."""
    try:
        yield from tokenize.generate_tokens(io.StringIO(source).readline)
    except (tokenize.TokenError, SyntaxError):
        return


def _check_terms(source: str) -> None:
    """Refuse a statement of more than MAX_TERMS terms before ast.parse, which recurses once
    per term of a+b+c+... and fails on a few thousand."""
    terms, prev = 1, None
    for tok in _tokens(source):
        if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            terms, prev = 1, None
        elif tok.type not in _SKIP:
            if tok.type == tokenize.NUMBER and len(tok.string) > MAX_DIGITS:
                msg = f"this number has {len(tok.string)} digits; at most {MAX_DIGITS}"
                raise ExprError(f"{msg}; write large numbers like 1e300", *_start(tok))
            if tok.string in _BINARY and tok.type == tokenize.OP and _ends_operand(prev):
                terms += 1  # a binary operator (not a sign, as in 2 * -3)
                if terms > MAX_TERMS:
                    msg = f"too many terms in one expression (at most {MAX_TERMS})"
                    raise ExprError(f"{msg}; split it over several lines", *_start(tok))
            prev = tok


def _ends_operand(tok) -> bool:
    if tok is None:
        return False
    if tok.type == tokenize.OP:
        return tok.string in (")", "]", "}")
    return tok.type in _OPERAND_END and not (
        tok.type == tokenize.NAME and keyword.iskeyword(tok.string) and tok.string[0].islower()
    )  # True, False and None end an operand; 'not', 'and', 'if' do not


def _start(tok) -> tuple[int, int]:
    return tok.start[0], tok.start[1] + 1  # tokenize counts characters from 0


def _longest_statement(source: str) -> tuple[int, int]:
    """Where the statement with the most tokens starts (the one Python could not read)."""
    best, count, first = (0, (1, 1)), 0, None
    for tok in _tokens(source):
        if tok.type in (tokenize.NEWLINE, tokenize.ENDMARKER):
            best, count, first = max(best, (count, first or (1, 1))), 0, None
        elif tok.type not in _SKIP:
            count, first = count + 1, first or _start(tok)
    return best[1]


class _Compiler:
    """Walks the ast; every accepted node appends exactly one Step (one Value)."""

    def __init__(self, source: str):
        self.lines = re.split(r"\r\n|\r|\n", source)  # Python's own line breaks
        self.encoded = [line.encode() for line in self.lines]  # ast's offsets count bytes
        self.steps: list[dict] = []
        self.names: dict[str, int] = {}

    def where(self, node: ast.AST) -> tuple[int, int]:
        line = getattr(node, "lineno", 1)
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        return line, _col(text, getattr(node, "col_offset", 0))

    def fail(self, node: ast.AST, message: str, where: tuple[int, int] | None = None):
        raise ExprError(message, *(where or self.where(node)))

    def refuse(self, node: ast.AST, what: ast.AST | None = None, where=None):
        """Fail with the REFUSED sentence for `what` (default: node itself), and HELP."""
        words = REFUSED.get(type(what or node)) or f"{type(what or node).__name__} is not allowed"
        self.fail(node, f"{words}. {HELP}", where)

    def segment(self, node: ast.AST) -> str:
        """The node's source text on one line (comments and line breaks squeezed out);
        ast.get_source_segment splits the whole source on every call."""
        l0, l1 = node.lineno - 1, node.end_lineno - 1
        c0, c1 = node.col_offset, node.end_col_offset
        if l0 == l1:
            return self.encoded[l0][c0:c1].decode(errors="replace")
        parts = [self.encoded[l0][c0:], *self.encoded[l0 + 1 : l1], self.encoded[l1][:c1]]
        texts = (p.decode(errors="replace").split("#")[0].strip() for p in parts)
        return " ".join(t for t in texts if t)

    def program(self, tree: ast.Module) -> Plan:
        out = None
        for stmt in tree.body:
            out = self.assignment(stmt)
        if out is None:
            raise ExprError("the program is empty: write lines like  y = 3 * x", 1, 1)
        return self.plan(out)

    def assignment(self, stmt: ast.stmt) -> int:
        if isinstance(stmt, ast.AugAssign):
            op = _SYMBOLS.get(type(stmt.op), "+")
            if type(stmt.op) not in _OPS:  # x //= 2: // itself is refused
                self.fail(stmt, REFUSED[type(stmt.op)])
            self.fail(stmt, f"'{op}=' is not allowed: write  x = x {op} 1  instead")
        if not isinstance(stmt, ast.Assign):
            words = REFUSED.get(type(stmt)) or f"{type(stmt).__name__} is not allowed"
            rule = ". Each line must be  name = expression"
            if isinstance(stmt, ast.Expr):
                text = self.segment(stmt)
                rule = f": write  y = {text}" if len(text) <= 40 else ": put  y =  in front"
            self.fail(stmt, words + rule)
        if len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            self.fail(stmt, "assign one name per line, like  y = 3 * x")
        name = stmt.targets[0].id
        if name in FUNCTIONS or name == "param":
            self.fail(stmt.targets[0], f"'{name}' is a function; pick another name")
        i = self.expr(stmt.value, 1)
        if not self.steps[i]["named"]:
            self.steps[i].update(label=name, named=True)
        self.names[name] = i
        return i

    def add(self, node, op, args=(), const=0.0, label="", text="", weight=False) -> int:
        if len(self.steps) >= MAX_NODES:
            self.fail(node, f"the program builds more than {MAX_NODES} nodes; make it smaller")
        line, col = self.where(node)
        text = text or self.segment(node) or label
        step = dict(op=op, args=tuple(args), const=const, weight=weight, line=line, col=col)
        self.steps.append(dict(step, label=label or op, text=text, named=False))
        return len(self.steps) - 1

    def expr(self, node: ast.expr, depth: int) -> int:
        """Recursion is one level per nesting the user wrote: parentheses, calls and signs.
        A flat a + b + c ... is left-nested in the ast and walked in a loop (binops)."""
        if depth > MAX_DEPTH:
            msg = f"expression nested more than {MAX_DEPTH} levels deep; split it over lines"
            self.fail(node, msg)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.Call):
            return self.call(node, depth)
        if isinstance(node, ast.BinOp):
            return self.binops(node, depth)
        if isinstance(node, ast.UnaryOp):
            return self.unary(node, depth)
        if isinstance(node, ast.Constant):
            return self.leaf(node)
        if isinstance(node, ast.Attribute):
            self.attribute(node)
        if isinstance(node, ast.BoolOp):
            self.refuse(node, node.op)
        self.refuse(node)

    def attribute(self, node: ast.Attribute):
        """Refuse x.real or (1).__add__, pointing at the (first) dot."""
        while isinstance(node.value, ast.Attribute):
            node = node.value
        line = node.end_lineno
        text = self.lines[line - 1]
        dot = _col(text, node.end_col_offset) - len(node.attr) - 1  # 1-based, before the name
        while dot > 1 and text[dot - 1] != "." and text[dot - 1].isspace():
            dot -= 1
        msg = f"methods and attributes (.{node.attr}) are not allowed. {HELP}"
        self.fail(node, msg, (line, dot) if 0 < dot <= len(text) else None)

    def unary(self, node: ast.UnaryOp, depth: int) -> int:
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            self.refuse(node, node.op)
        if _is_number(node):
            return self.leaf(node)
        i = self.expr(node.operand, depth + 1)
        if isinstance(node.op, ast.UAdd):
            return i
        minus_one = self.add(node, "", const=-1, label="-1", text=MINUS_ONE)
        return self.add(node, "*", (i, minus_one))  # -b = b * -1

    def name(self, node: ast.Name) -> int:
        if node.id in self.names:
            return self.names[node.id]
        if node.id in FUNCTIONS or node.id == "param":
            self.fail(node, f"{node.id} is a function: call it, like {_call_example(node.id)}")
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
            self.fail(node, f"{_constant_words(node.value, self.segment(node))}. {HELP}")
        x = self.number(node)
        text = self.segment(node) or f"{x:g}"
        return self.add(node, "", const=x, label=text, text=text, weight=weight)

    def call(self, node: ast.Call, depth: int) -> int:
        if isinstance(node.func, ast.Attribute):
            self.attribute(node.func)
        fn = node.func.id if isinstance(node.func, ast.Name) else None
        functions = f"Functions: {', '.join(FUNCTIONS)}, param"
        if fn is None:
            self.fail(
                node,
                f"only a function's name can be called, not {self.segment(node.func)}. {functions}",
            )
        if fn in self.names:
            self.fail(node, f"'{fn}' is a value, not a function. {functions}")
        if fn not in FUNCTIONS and fn != "param":
            self.fail(node, f"unknown function '{fn}'. {functions}")
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
            self.fail(node, f"{fn}(...) takes exactly one value, like {_call_example(fn)}")
        if fn == "param" and not _is_number(node.args[0]):
            self.fail(node.args[0], "param(...) takes a plain number, like param(-3.0)")
        if fn == "param":
            return self.leaf(node.args[0], weight=True)
        return self.add(node, fn, (self.expr(node.args[0], depth + 1),))

    def binops(self, node: ast.BinOp, depth: int) -> int:
        """a + b - c * d ...: the left-nested chain in a loop, innermost first."""
        chain = [node]
        while isinstance(chain[-1].left, ast.BinOp):
            chain.append(chain[-1].left)
        for link in chain:  # in the order a recursive walk would meet them
            if type(link.op) not in _OPS:
                self.refuse(link, link.op, self.operator_position(link))
            if isinstance(link.op, ast.Pow):
                self.exponent(link.right)
        i = self.expr(chain[-1].left, depth + 1)
        for link in reversed(chain):
            i = self.binop(link, i, depth)
        return i

    def exponent(self, node: ast.expr) -> float:
        k = self.number(node) if _is_number(node) else None
        if k is None or abs(k) > MAX_EXPONENT:
            bound = f"between -{MAX_EXPONENT} and {MAX_EXPONENT}"
            self.fail(node, f"the exponent must be a plain number {bound}")
        return _int_if_whole(k)

    def binop(self, node: ast.BinOp, a: int, depth: int) -> int:
        """One link of a chain, its left operand already built as step a."""
        op = _OPS[type(node.op)]
        if op == "**":
            return self.add(node, "**", (a,), const=self.exponent(node.right))
        b = self.expr(node.right, depth + 1)
        if op == "-":  # a - b = a + (b * -1), as the GPT builds it
            minus_one = self.add(node.right, "", const=-1, label="-1", text=MINUS_ONE)
            b = self.add(node.right, "*", (b, minus_one), text=f"-{self._text(b)}")
        if op == "/":  # a / b = a * b**-1, as the GPT builds it
            b = self.add(node.right, "**", (b,), const=-1, text=f"1/{self._text(b)}")
        return self.add(node, "*" if op == "/" else "+" if op == "-" else op, (a, b))

    def operator_position(self, node: ast.BinOp) -> tuple[int, int] | None:
        """The operator between the operands: after the left one, past spaces and ')'."""
        line = node.left.end_lineno
        text = self.lines[line - 1]
        k = _col(text, node.left.end_col_offset) - 1  # 0-based
        while k < len(text) and (text[k].isspace() or text[k] == ")"):
            k += 1
        return (line, k + 1) if k < len(text) and text[k] != "#" else None

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


def _call_example(fn: str) -> str:
    """A call of fn that compiles once x has a value: param takes a number."""
    return "param(-3.0)" if fn == "param" else f"{fn}(x)"


def _reachable(steps: list[dict], out: int) -> set[int]:
    seen, stack = {out}, [out]
    while stack:
        for a in steps[stack.pop()]["args"]:
            if a not in seen:
                seen.add(a)
                stack.append(a)
    return seen


def _constant_words(value, text: str) -> str:
    """Why a literal that is not a number is refused, quoting it."""
    if isinstance(value, bool) or value is None:
        return f"{value} is not allowed: only numbers"
    if isinstance(value, str):
        quoted = text if len(text) <= 30 else text[:29] + "…"
        return f"text in quotes ({quoted}) is not allowed: only numbers"
    if isinstance(value, bytes):
        return "bytes like b'...' are not allowed: only numbers"
    if isinstance(value, complex):
        return f"complex numbers like {text} are not allowed: only real numbers"
    return f"{text} is not allowed: only numbers"


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
