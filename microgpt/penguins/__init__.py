"""The penguin classifier: why a network needs more than one input, on the same Value
engine as the GPT (data.py: the Palmer penguins table, its split and encoding;
classifier.py: the model)."""

from .classifier import PenguinModel, PenguinStep
from .data import load_penguins

__all__ = ["PenguinModel", "PenguinStep", "load_penguins"]
