"""The expression language: graphs, gradients, errors with line and column, never a crash."""

import ast
import math
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from microgpt.engine import Value
from microgpt.expr.language import MAX_DEPTH, MAX_NODES, REFUSED, ExprError, ExprGraph, evaluate
from microgpt.expr.presets import PRESETS

CLASSIC = dict(PRESETS)["micrograd classic"]


def by_label(graph: ExprGraph, label: str) -> Value:
    (node,) = [v for v in graph.nodes if v.label == label]
    return node


def central_difference(source: str, i: int, x: float, h: float = 1e-6) -> float:
    up = evaluate(source, {i: x + h}).output.data
    down = evaluate(source, {i: x - h}).output.data
    return (up - down) / (2 * h)


# --- gradients ------------------------------------------------------------------------------


@pytest.mark.parametrize("name,source", PRESETS, ids=[name for name, _ in PRESETS])
def test_every_preset_autograd_matches_finite_differences(name, source):
    graph = evaluate(source)
    assert len(graph.nodes) >= 3
    for i, node in enumerate(graph.nodes):  # leaves and intermediates alike, via overrides
        fd = central_difference(source, i, node.data)
        assert fd == pytest.approx(node.grad, rel=1e-5, abs=1e-7), (name, node.label)


def test_presets_cover_the_nine_of_the_issues():
    names = [name for name, _ in PRESETS]
    assert len(names) == 9 and len(set(names)) == 9
    kinds = {evaluate(src).kind(i) for _, src in PRESETS for i in range(3)}
    assert {"data", "weight"} <= kinds


def test_micrograd_classic():
    g = evaluate(CLASSIC)
    assert g.output.label == "L" and g.output.data == -8.0
    grads = {label: by_label(g, label).grad for label in "abcfed"}
    assert grads == {"a": 6.0, "b": -4.0, "c": -2.0, "f": 4.0, "e": -2.0, "d": -2.0}
    assert g.output.grad == 1


def test_y_equals_3x_has_slope_3_everywhere():
    source = dict(PRESETS)["y = 3x"]
    graph = evaluate(source)
    x = graph.index[by_label(graph, "x")]
    for value in (-5.0, 0.0, 2.0, 7.5):
        g = evaluate(source, {x: value})
        assert g.nodes[x].grad == 3.0 and g.output.data == 3 * value


def test_fan_out_contributions_sum_to_grad():
    g = evaluate("x = 3.0\ny = x * x + x\n")  # dy/dx = 2x + 1 = 7
    x = g.index[by_label(g, "x")]
    terms = g.chain_terms(x)
    assert len(terms) == 3  # twice in x*x, once in + x
    assert [t.contribution for t in terms] == [t.local * t.upstream for t in terms]
    assert sum(t.contribution for t in terms) == g.nodes[x].grad == 7.0


def test_fan_out_in_softmax_preset():
    g = evaluate(dict(PRESETS)["softmax cross-entropy"])
    e0 = g.index[by_label(g, "e0")]
    terms = g.chain_terms(e0)
    assert len(terms) == 2
    total = 0.0
    for t in terms:  # added in backward()'s order, the sum is the engine's grad bit for bit
        total += t.contribution
    assert total == g.nodes[e0].grad
    probs = [math.exp(v) for v in (2.0, 1.0, 0.1)]
    p0 = probs[0] / sum(probs)
    assert by_label(g, "l0").grad == pytest.approx(p0 - 1)  # dL/dl_target = p - 1


def test_output_has_no_chain_terms():
    g = evaluate(CLASSIC)
    assert g.chain_terms(len(g.nodes) - 1) == []


# --- the graph is the GPT's graph -----------------------------------------------------------


def test_subtraction_and_division_build_the_gpts_graph():
    g = evaluate("a = 5.0\nb = 2.0\nc = a - b\nd = c / b\n")
    ops = [s.op for s in g.steps]
    assert ops == ["", "", "", "*", "+", "**", "*"]  # -b = b * -1; c / b = c * b**-1
    a, b = Value(5.0), Value(2.0)
    d = (a - b) / b  # the engine's own operators
    d.backward()
    assert g.output.data == d.data
    assert (g.nodes[0].grad, g.nodes[1].grad) == (a.grad, b.grad)


def test_labels_and_texts():
    g = evaluate("w1 = param(-3.0)\nx1 = 2.0\nn = w1*x1 + 1\n")
    assert [s.label for s in g.steps] == ["w1", "x1", "*", "1", "n"]
    assert [g.kind(i) for i in range(5)] == ["weight", "data", "intermediate", "data", "output"]
    assert g.steps[2].text == "w1*x1" and g.steps[2].line == 3 and g.steps[2].col == 5
    assert g.children(4) == (2, 3) and g.consumers(0) == ((2, 0),)


def test_comments_blank_lines_and_unused_names():
    g = evaluate("# a comment\n\nx = 2.0   # the input\nunused = 7.0\ny = exp(x)\n")
    assert g.output.data == math.exp(2.0)
    assert g.unused == ("unused",)
    assert [v.label for v in g.nodes] == ["x", "y"]


def test_override_an_intermediate_node():
    g = evaluate(CLASSIC)
    e = g.index[by_label(g, "e")]
    assert evaluate(CLASSIC, {e: -5.0}).output.data == (-5.0 + 10.0) * -2.0
    assert g.finite_difference(e, 1e-3) == pytest.approx(by_label(g, "e").grad)


def test_the_language_module_never_imports_qt():
    code = "import sys, microgpt.expr; sys.exit(any(m.startswith('PySide6') for m in sys.modules))"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# --- errors name the line and column --------------------------------------------------------

FORBIDDEN = [
    ("x = 1\ny = x.real", 2, 6),  # at the dot
    ("x = [1, 2]\n", 1, 5),
    ("x = 1\ny = x[0]", 2, 5),
    ("x = 'text'", 1, 5),
    ("f = lambda: 1", 1, 5),
    ("x = [i for i in (1, 2)]", 1, 5),
    ("import os", 1, 1),
    ("from os import path", 1, 1),
    ("x = __import__('os')", 1, 5),
    ("x = eval('1')", 1, 5),
    ("x = 1\ny = x ** x", 2, 10),
    ("x = 1\ny = x ** 11", 2, 10),
    ("y = q + 1", 1, 5),
    ("y = sin(1.0)", 1, 5),
    ("y = exp(1, 2)", 1, 5),
    ("y = exp(x=1)", 1, 5),
    ("x = param(1 + 1)", 1, 11),
    ("x = 1 if 2 else 3", 1, 5),
    ("x = 1 < 2", 1, 5),
    ("x = 7 % 2", 1, 7),  # at the operator
    ("x = True", 1, 5),
    ("x = 1j", 1, 5),
    ("exp = 1.0", 1, 1),
    ("x = exp", 1, 5),
    ("a, b = 1, 2", 1, 1),
    ("x += 1", 1, 1),
    ("y = 3 * x", 1, 9),
    ("x = (1 +", 1, 5),
    ("def f():\n    return 1", 1, 1),
    ("x = 1\n3 * x", 2, 1),
    ("x = 1e999", 1, 5),
    ("", 1, 1),
    ("# only a comment\n", 1, 1),
    ("é = 1.0\nx = é + q", 2, 9),  # columns count characters, not UTF-8 bytes
]


@pytest.mark.parametrize("source,line,col", FORBIDDEN)
def test_forbidden_constructs_raise_with_line_and_column(source, line, col):
    with pytest.raises(ExprError) as info:
        evaluate(source)
    err = info.value
    assert isinstance(err, ValueError)
    assert (err.line, err.col) == (line, col), str(err)
    assert str(err).startswith(f"Line {line}, column {col}: ")
    assert len(err.message) > 15


EVALUATION_ERRORS = [
    ("x = 0.0\ny = log(x)", 2, "log"),
    ("x = 1.0\nz = 2.0\ny = log(x - z)", 3, "positive"),
    ("x = 1000.0\ny = exp(x)", 2, "too large"),
    ("a = 1.0\nb = 0.0\nc = a / b", 3, "division by zero"),
    ("a = 1e300\nb = a * a", 2, "too large"),
    ("a = -8.0\nb = a ** 0.5", 2, "negative number"),
    ("a = 1e200\nb = a ** 2", 2, "too large"),
]


@pytest.mark.parametrize("source,line,words", EVALUATION_ERRORS)
def test_evaluation_errors_name_the_line(source, line, words):
    with pytest.raises(ExprError) as info:
        evaluate(source)
    assert info.value.line == line
    assert words in str(info.value)


def test_overflowing_gradient_names_a_line():
    # every value is finite (tanh resets the scale), but dL/dx = 1e300 * 0.42 * 1e300 is not
    source = "x = 1e-300\ny = x * 1e300\nt = tanh(y)\nL = t * 1e300\n"
    with pytest.raises(ExprError) as info:
        evaluate(source)
    assert info.value.line == 1 and "gradient of x" in str(info.value)


def test_more_than_500_nodes_is_refused():
    lines = ["x = 1.0"] + ["x = x + 1.0"] * 300  # two nodes a line
    with pytest.raises(ExprError) as info:
        evaluate("\n".join(lines))
    assert info.value.line == 251 and "500" in str(info.value)


def test_500_nodes_is_allowed():
    lines = ["x = 1.0"] + [f"x = x + {k % 3}.0" if k % 2 else "x = tanh(x)" for k in range(332)]
    g = evaluate("\n".join(lines))
    assert 490 <= len(g.nodes) <= MAX_NODES
    assert g.output.grad == 1


# --- messages name the construct in the user's words ----------------------------------------

X = "x = 2.0\n"  # a known name on line 1; the bad line is line 2
MESSAGES = [  # (source, line, col, words the message must contain)
    (X + "y = (1).__add__(2)", 2, 8, "methods and attributes (.__add__) are not allowed"),
    (X + "y = x.real", 2, 6, "methods and attributes (.real) are not allowed"),
    (X + "y = x.real.imag", 2, 6, "(.real)"),
    (X + "y = x . real", 2, 7, "(.real)"),
    (X + "y = ~1", 2, 5, "~ (bitwise not) is not allowed"),
    (X + "y = ~x", 2, 5, "~ (bitwise not) is not allowed"),
    (X + "y = not 1", 2, 5, "'not' is not allowed"),
    (X + "y = (z := 1)", 2, 6, "the := operator is not allowed"),
    (X + "y = x and 1", 2, 5, "'and' is not allowed"),
    (X + "y = x or 1", 2, 5, "'or' is not allowed"),
    (X + "y = x % 2", 2, 7, "% (remainder) is not allowed"),
    (X + "y = (x) // 2", 2, 9, "// (whole-number division) is not allowed"),
    (X + "y = x ^ 2", 2, 7, "^ is not a power here: write x ** 2"),
    (X + "y = x @ x", 2, 7, "@ (matrix product)"),
    (X + "y = x << 1", 2, 7, "<< (bit shift)"),
    (X + "y = x >> 1", 2, 7, ">> (bit shift)"),
    (X + "y = x | 1", 2, 7, "| (bitwise or)"),
    (X + "y = x & 1", 2, 7, "& (bitwise and)"),
    (X + "y = x + x * x % 2", 2, 15, "% (remainder)"),
    (X + "y = x[0]", 2, 5, "indexing like a[0] is not allowed"),
    (X + "y = [1, 2]", 2, 5, "lists like [1, 2] are not allowed"),
    (X + "y = (1, 2)", 2, 5, "tuples like (1, 2) are not allowed"),
    (X + "y = {'a': 1}", 2, 5, "dictionaries"),
    (X + "y = {1, 2}", 2, 5, "sets like {1, 2}"),
    (X + "y = [i for i in x]", 2, 5, "comprehensions"),
    (X + "y = {i for i in x}", 2, 5, "comprehensions"),
    (X + "y = {i: i for i in x}", 2, 5, "comprehensions"),
    (X + "y = (i for i in x)", 2, 5, "comprehensions"),
    (X + "y = lambda: 1", 2, 5, "lambda functions are not allowed"),
    (X + "y = 1 if x else 2", 2, 5, "'... if ... else ...' is not allowed"),
    (X + "y = x < 1", 2, 5, "comparisons like a < b are not allowed"),
    (X + "y = f'{x}'", 2, 5, "f-strings are not allowed"),
    (X + "y = 'text'", 2, 5, "text in quotes ('text') is not allowed"),
    (X + "y = b'x'", 2, 5, "bytes like b'...' are not allowed"),
    (X + "y = True", 2, 5, "True is not allowed"),
    (X + "y = None", 2, 5, "None is not allowed"),
    (X + "y = 1j", 2, 5, "complex numbers like 1j are not allowed"),
    (X + "y = ...", 2, 5, "... is not allowed"),
    (X + "y = await x", 2, 5, "'await' is not allowed"),
    (X + "y = yield x", 2, 5, "'yield' is not allowed"),
    (X + "y = yield from x", 2, 5, "'yield from' is not allowed"),
    (X + "y = sin(x)", 2, 5, "unknown function 'sin'"),
    (X + "y = x(2)", 2, 5, "'x' is a value, not a function"),
    (X + "y = (1)(2)", 2, 5, "only a function's name can be called, not 1"),
    (X + "def f():\n    return 1", 2, 1, "function definitions (def) are not allowed"),
    (X + "async def f():\n    pass", 2, 1, "function definitions (async def)"),
    (X + "class A:\n    pass", 2, 1, "classes are not allowed"),
    (X + "return x", 2, 1, "'return' is not allowed"),
    (X + "del x", 2, 1, "'del' is not allowed"),
    (X + "x += 1", 2, 1, "'+=' is not allowed: write  x = x + 1"),
    (X + "x *= 2", 2, 1, "'*=' is not allowed: write  x = x * 1"),
    (X + "y: float = 1", 2, 1, "type annotations"),
    (X + "for i in x:\n    pass", 2, 1, "'for' loops are not allowed"),
    (X + "async for i in x:\n    pass", 2, 1, "'async for' loops are not allowed"),
    (X + "while x:\n    pass", 2, 1, "'while' loops are not allowed"),
    (X + "if x:\n    pass", 2, 1, "'if' statements are not allowed"),
    (X + "with x:\n    pass", 2, 1, "'with' blocks are not allowed"),
    (X + "async with x:\n    pass", 2, 1, "'async with' blocks are not allowed"),
    (X + "match x:\n    case 1:\n        pass", 2, 1, "'match' is not allowed"),
    (X + "raise x", 2, 1, "'raise' is not allowed"),
    (X + "try:\n    pass\nexcept E:\n    pass", 2, 1, "'try' is not allowed"),
    (X + "try:\n    pass\nexcept* E:\n    pass", 2, 1, "'try' is not allowed"),
    (X + "assert x", 2, 1, "'assert' is not allowed"),
    (X + "import os", 2, 1, "imports are not allowed"),
    (X + "from os import path", 2, 1, "imports are not allowed"),
    (X + "global x", 2, 1, "'global' is not allowed"),
    (X + "nonlocal x", 2, 1, "'nonlocal' is not allowed"),
    (X + "3 * x", 2, 1, "this line computes a value but gives it no name"),
    (X + "pass", 2, 1, "'pass' is not allowed"),
    (X + "break", 2, 1, "'break' is not allowed"),
    (X + "continue", 2, 1, "'continue' is not allowed"),
]
NONSENSE = ("unknown function this", " no the ", "UnaryOp", " expressions", "this kind of")


@pytest.mark.parametrize("source,line,col,words", MESSAGES)
def test_messages_name_the_construct_in_the_users_words(source, line, col, words):
    with pytest.raises(ExprError) as info:
        evaluate(source)
    err = info.value
    assert words in err.message
    assert (err.line, err.col) == (line, col), str(err)
    assert not any(bad in str(err) for bad in NONSENSE), str(err)


def _node_types(base: type) -> set[type]:
    found, stack = set(), [base]
    while stack:
        for sub in stack.pop().__subclasses__():
            found.add(sub)
            stack.append(sub)
    return {t for t in found if t.__module__ == "ast" and not t.__subclasses__()}


ACCEPTED = {ast.Assign, ast.Name, ast.Call, ast.BinOp, ast.UnaryOp, ast.Constant, ast.BoolOp}
ACCEPTED |= {ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.UAdd, ast.USub}  # BoolOp: by op


def test_every_refused_ast_node_has_a_readable_phrase():
    bases = (ast.stmt, ast.expr, ast.operator, ast.unaryop, ast.boolop)
    refused = set().union(*map(_node_types, bases)) - ACCEPTED
    refused -= {
        getattr(ast, name)
        for name in ("Num", "Str", "Bytes", "NameConstant", "Ellipsis")
        if hasattr(ast, name)
    }  # deprecated aliases of Constant
    missing = sorted(t.__name__ for t in refused if not REFUSED.get(t))
    assert not missing
    for node_type in refused:
        words = REFUSED[node_type]
        assert "not allowed" in words or "not a power" in words or "no name" in words
        assert node_type.__name__ not in words.split()  # a learner's words, not the ast's


def test_a_flat_sum_is_not_nesting():
    for n in (101, 499):  # a + a + ... is left-nested in the ast, but nobody wrote brackets
        g = evaluate("a = 2.0\ny = " + " + ".join(["a"] * n))
        assert len(g.nodes) == n and g.output.data == 2.0 * n
    mixed = " + ".join(f"a*{k}" if k % 2 else f"a - {k}" for k in range(120))
    assert evaluate("a = 2.0\ny = " + mixed).output.grad == 1


def test_real_nesting_is_limited_and_located():
    source = "x = 1.0\ny = " + "relu(" * (MAX_DEPTH + 1) + "x" + ")" * (MAX_DEPTH + 1)
    with pytest.raises(ExprError) as info:
        evaluate(source)
    assert f"nested more than {MAX_DEPTH} levels deep" in info.value.message
    assert (info.value.line, info.value.col) == (2, len("y = ") + 5 * MAX_DEPTH + 1)  # 101st
    ok = "x = 1.0\ny = " + "relu(" * (MAX_DEPTH - 1) + "x" + ")" * (MAX_DEPTH - 1)
    assert evaluate(ok).output.data == 1.0


def test_a_3000_term_sum_says_too_many_terms_where():
    line = "y = " + "+".join(["x"] * 3000)  # ast.parse alone would hit a RecursionError
    with pytest.raises(ExprError) as info:
        evaluate("x = 1.0\n" + line)
    err = info.value
    assert f"too many terms in one expression (at most {MAX_NODES})" in err.message
    plus = [k for k, ch in enumerate(line) if ch == "+"]
    assert (err.line, err.col) == (2, plus[MAX_NODES - 1] + 1)  # the operator of term 501


def test_signs_do_not_count_as_terms():
    # 299 binary operators and 750 signs (unary + builds no node): under the 500-term limit
    g = evaluate("x = 1.0\ny = " + " + ".join(["x * + + + + -2"] * 150))
    assert g.output.data == -300.0


def test_nesting_too_deep_for_python_names_the_line():
    for bad in ("-" * 5000 + "x", "x." * 5000 + "a"):
        with pytest.raises(ExprError) as info:
            evaluate("x = 1.0\n\ny = " + bad)
        assert (info.value.line, info.value.col) == (3, 1)
        assert "nested too deeply" in info.value.message


def test_node_texts_leave_out_comments_inside_brackets():
    g = evaluate("x = 1.0\ny = (x   # <b>c</b>\n     * 2)\n")
    assert g.steps[-1].text == "x * 2"


def test_deep_nesting_is_an_error_not_a_crash():
    with pytest.raises(ExprError):
        evaluate("x = " + "-(" * 400 + "1" + ")" * 400)
    with pytest.raises(ExprError):
        evaluate("x = " + "+".join(["1"] * 5000))


# --- fuzz: any text is a graph or an ExprError ----------------------------------------------

TOKENS = [
    "x", "y", "w", "=", " = ", "1", "2.5", "-3", "0", "1e308", "+", "-", "*", "/", "**",
    "(", ")", "log(", "exp(", "relu(", "tanh(", "sigmoid(", "param(", "\n", " ", ",", ".",
    "'", "[", "]", "#", "__import__", "lambda", ":", "if", "é", "\t", "\\", "10", "-1",
]  # fmt: skip


def _evaluates_or_explains(source: str) -> None:
    try:
        graph = evaluate(source)
    except ExprError as err:
        assert err.line >= 1 and err.col >= 1 and str(err)
    else:
        assert isinstance(graph, ExprGraph) and graph.output is graph.nodes[-1]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_fuzz_any_text(source):
    _evaluates_or_explains(source)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_fuzz_program_like_text(source):
    _evaluates_or_explains("x = 0.5\ny = 2.0\nw = param(-1.0)\n" + source)
