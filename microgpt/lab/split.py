"""The lab's fixed held-out names, and the held-out loss of any parameters (numpy engine).

The split belongs to the lab: the main run still trains on every name, as microgpt does.
"""

import random
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..config import TrainConfig
from ..data import CharTokenizer
from ..fast import NumpyBackend
from ..model import ParamLayout

HELD_OUT = 500  # names kept out of training (at most a tenth of a small dataset)
SPLIT_SEED = 1234  # fixed: every run and baseline of the lab meets the same held-out names


@dataclass(frozen=True)
class Split:
    """Training names in a seeded order (a run on N names takes the first N) and held-out ones."""

    train: tuple[str, ...]
    held_out: tuple[str, ...]

    @cached_property
    def tokenizer(self) -> CharTokenizer:
        """One vocabulary for every run: the characters of all names, held-out ones included."""
        return CharTokenizer(list(self.train + self.held_out))

    def train_names(self, n: int | None = None) -> tuple[str, ...]:
        """The first n training names (all of them for None)."""
        return self.train if n is None else self.train[:n]

    def tokens(self, doc: str) -> list[int]:
        """[BOS] + ids + [BOS]: every position of the name, none cut off."""
        bos = self.tokenizer.bos
        return [bos] + self.tokenizer.encode(doc) + [bos]


def make_split(docs, n_held_out: int | None = None, seed: int = SPLIT_SEED) -> Split:
    """Distinct names shuffled with `seed`; the first n_held_out are held out, the rest train."""
    unique = list(dict.fromkeys(docs))  # a name listed twice could land on both sides
    n = min(HELD_OUT, len(unique) // 10) if n_held_out is None else n_held_out
    if not 1 <= n < len(unique):
        raise ValueError(
            f"the lab needs at least 1 held-out name and 1 training name; "
            f"{len(unique)} distinct names cannot hold out {n}"
        )
    random.Random(seed).shuffle(unique)
    return Split(train=tuple(unique[n:]), held_out=tuple(unique[:n]))


def sequence_losses(backend: NumpyBackend, params: np.ndarray, tokens: list[int]) -> np.ndarray:
    """-log p of every next token, each seeing at most block_size tokens back (a sliding window).

    Positions t < T come from one forward pass over tokens[:T + 1]; a later position t sees
    tokens[t - T + 1 : t + 1], as the model can see no further back than its context T.
    """
    t_ = backend.config.block_size
    first = backend.forward(params, tokens[: t_ + 1]).position_losses
    rest = [
        backend.forward(params, tokens[t - t_ + 1 : t + 2]).position_losses[-1]
        for t in range(t_, len(tokens) - 1)
    ]
    return np.concatenate([first, rest]) if rest else first


class LossMeter:
    """Mean -log p over all positions of a fixed list of names, for any params of one config."""

    def __init__(self, config: TrainConfig, split: Split, docs):
        vocab = split.tokenizer.vocab_size
        self.backend = NumpyBackend(config, ParamLayout.build(config, vocab), vocab)
        self.tokens = [split.tokens(d) for d in docs]

    def __call__(self, params: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            losses = [sequence_losses(self.backend, params, t) for t in self.tokens]
        return float(np.concatenate(losses).mean())


def held_out_loss(params: np.ndarray, config: TrainConfig, split: Split) -> float:
    """Mean -log p over every position of every held-out name (numpy engine)."""
    return LossMeter(config, split, split.held_out)(params)
