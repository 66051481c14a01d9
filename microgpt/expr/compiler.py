"""Compiling a program: ast to a Plan, one Step per Value, against a whitelist of nodes."""

import ast
import math
import re
import warnings
from functools import lru_cache

from .plan import (
    FUNCTIONS,
    HELP,
    MAX_EXPONENT,
    MAX_NODES,
    MAX_SOURCE,
    MINUS_ONE,
    ExprError,
    Plan,
    Step,
)
from .refusals import _OPS, _SYMBOLS, REFUSED, _check_terms, _constant_words, _longest_statement

MAX_DEPTH = 100  # nesting the user wrote (brackets, calls, signs); deeper would exhaust
# Python's recursion. A flat sum a + b + c + ... is not nesting: it is walked in a loop.


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
