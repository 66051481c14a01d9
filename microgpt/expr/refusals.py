"""What the expression language refuses, in a learner's words, and the token checks that run
before ast.parse (which recurses once per term and would fail on a long sum)."""

import ast
import io
import keyword
import tokenize

from .plan import MAX_DIGITS, MAX_NODES, ExprError

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
