"""What a backend is: the interface both engines (scalar, numpy) give the Trainer."""

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .config import TrainConfig

StopCheck = Callable[[], bool]  # asked between pieces of long work: True = give up now


class Interrupted(RuntimeError):
    """Long work gave up because its stop check said so; nothing was changed."""


@dataclass
class Pass:
    """What a forward + backward pass over one document gives the trainer."""

    loss: float
    grads: np.ndarray  # flat, layout order
    target_probs: np.ndarray  # (n,) p(target) at each position
    position_losses: np.ndarray  # (n,) -log p(target)
    attention: np.ndarray  # (n_layer, n_head, n, n)
    t_forward: float  # seconds
    t_backward: float
    probs: np.ndarray | None = None  # (n, vocab) the softmax at each position; None: not kept


@dataclass(frozen=True)
class Forward:
    """What a forward pass alone gives: no gradients, no random numbers."""

    loss: float  # (1/n) * sum(position_losses), as train_pass computes it
    position_losses: np.ndarray  # (n,) -log p(target)
    probs: np.ndarray  # (n, vocab) the softmax at each position
    attention: np.ndarray | None = None  # (n_layer, n_head, n, n); None: not kept (scalar)


class Backend(Protocol):
    """A training engine: one pass over a document, Adam, and sampling; never owns state."""

    name: str

    def train_pass(
        self, params: np.ndarray, tokens: list[int], should_stop: StopCheck | None = None
    ) -> Pass:
        """Loss and gradients of params on tokens = [BOS] + ids (+ [BOS]); params unchanged."""
        ...

    def forward(
        self, params: np.ndarray, tokens: list[int], should_stop: StopCheck | None = None
    ) -> Forward:
        """train_pass's forward alone: the same loss (bit for bit on scalar), no gradients."""
        ...

    def adam(
        self,
        params: np.ndarray,
        grads: np.ndarray,
        m: np.ndarray,
        v: np.ndarray,
        step: int,
        lr_t: float,
        config: TrainConfig,
    ) -> np.ndarray:
        """Update params, m, v in place; return the change applied to params."""
        ...

    def generate(
        self,
        params: np.ndarray,
        rng: random.Random,
        bos: int,
        temperature: float,
        prefix_ids: list[int],
        should_stop: StopCheck | None = None,
    ) -> tuple[list[int], list[np.ndarray]]:
        """One sample: generated ids (final BOS included) and the distribution of each."""
        ...


def check_stop(should_stop: StopCheck | None) -> None:
    """Raise Interrupted when should_stop says so."""
    if should_stop is not None and should_stop():
        raise Interrupted("stopped")
