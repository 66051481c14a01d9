"""The penguin classifier: why a network needs more than one input, on the same Value
engine as the GPT (classifier.py: the Palmer penguins table, its split and encoding,
and the model)."""

from .classifier import PenguinModel, PenguinStep, load_penguins

__all__ = ["PenguinModel", "PenguinStep", "load_penguins"]
