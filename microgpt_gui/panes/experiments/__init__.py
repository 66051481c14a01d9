"""The scale lab pane: sweep one setting, runs in other processes, held-out loss vs counting."""

from .pane import ExperimentsPane

__all__ = ["ExperimentsPane"]
