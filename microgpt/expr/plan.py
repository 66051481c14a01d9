"""What a compiled program is: its steps, the language's limits, and the error naming a line."""

from dataclasses import dataclass

MAX_NODES = 500
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
