"""The small expression language and what a learner does with its graph.

language.py parses a few lines of arithmetic (with ast, never eval) into a labelled
Value graph and runs it: plan.py says what a compiled program is (its steps and limits),
compiler.py turns ast into that plan, refusals.py says what is not allowed and why.
presets.py holds the example programs; explore.py runs gradient descent on the graph's
weights, the output as a function of one node, and the chain rule written out path by path."""

from .language import ExprError, ExprGraph, evaluate
from .presets import PRESETS

__all__ = ["PRESETS", "ExprError", "ExprGraph", "evaluate"]
