"""Baselines on the lab's held-out names: the uniform guess and counting (bigram, trigram).

A counting model of order n predicts the next character from the n - 1 before it, by
frequency in the training names with add-k smoothing:
p(c | ctx) = (count(ctx, c) + k) / (count(ctx) + k·V), V = vocabulary size (BOS included).
Its context is padded with BOS, so the first character is predicted from BOS alone.
"""

import math
import random
from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from .split import Split

# smoothing; held-out loss on the bundled names for k = 0.05 / 0.1 / 0.5:
# bigram 2.374 / 2.373 / 2.373, trigram 2.116 / 2.111 / 2.139
ADD_K = 0.1
MAX_SAMPLE_CHARS = 20  # a sample stops here if the model never picks BOS


class NgramModel:
    """Next-character counts for each context of order - 1 characters."""

    def __init__(self, order: int, docs, split: Split, k: float = ADD_K):
        if order < 1 or k <= 0:
            raise ValueError(f"order must be at least 1 and k above 0, got {order}, {k}")
        self.order, self.k, self.split = order, k, split
        self.vocab_size, self.bos = split.tokenizer.vocab_size, split.tokenizer.bos
        self.counts: dict[tuple[int, ...], np.ndarray] = defaultdict(
            lambda: np.zeros(self.vocab_size)
        )
        for doc in docs:
            for ctx, target in self.pairs(doc):
                self.counts[ctx][target] += 1

    def pairs(self, doc: str):
        """(context, next id) for each position of [BOS] + doc + [BOS], context padded with BOS."""
        padded = [self.bos] * (self.order - 1) + self.split.tokens(doc)[1:]
        for i in range(self.order - 1, len(padded)):
            yield tuple(padded[i - self.order + 1 : i]), padded[i]

    def probs(self, ctx: tuple[int, ...]) -> np.ndarray:
        """(V,) p(next | ctx) = (count + k) / (total + k·V)."""
        c = self.counts.get(ctx)
        if c is None:
            return np.full(self.vocab_size, 1 / self.vocab_size)
        return (c + self.k) / (c.sum() + self.k * self.vocab_size)

    def loss(self, docs) -> float:
        """Mean -log p over every position of every doc."""
        losses = [-math.log(self.probs(ctx)[t]) for d in docs for ctx, t in self.pairs(d)]
        return sum(losses) / len(losses)

    def sample(self, rng: random.Random, temperature: float = 0.5) -> str:
        """One name: draw from p ** (1 / temperature), renormalised, until BOS."""
        ctx, out = (self.bos,) * (self.order - 1), []
        for _ in range(MAX_SAMPLE_CHARS):
            p = self.probs(ctx) ** (1 / temperature)
            t = rng.choices(range(self.vocab_size), weights=(p / p.sum()).tolist())[0]
            if t == self.bos:
                break
            out.append(t)
            ctx = (ctx + (t,))[1:] if self.order > 1 else ()
        return self.split.tokenizer.decode(out)


@dataclass(frozen=True)
class Baselines:
    """Held-out losses of the models that do not learn, and samples of the counting ones."""

    n_train: int  # training names counted
    k: float
    uniform: float  # ln(V): every character equally likely
    bigram: float
    trigram: float
    bigram_samples: tuple[str, ...]
    trigram_samples: tuple[str, ...]

    def losses(self) -> dict[str, float]:
        return {"uniform": self.uniform, "bigram": self.bigram, "trigram": self.trigram}


def compute_baselines(
    split: Split,
    n_train: int | None = None,
    k: float = ADD_K,
    n_samples: int = 10,
    temperature: float = 0.5,
    seed: int = 42,
) -> Baselines:
    """Fit bigram and trigram on the first n_train training names; score the held-out ones."""
    docs = split.train_names(n_train)
    models = [NgramModel(order, docs, split, k) for order in (2, 3)]
    rng = random.Random(seed)
    samples = [tuple(m.sample(rng, temperature) for _ in range(n_samples)) for m in models]
    return Baselines(
        n_train=len(docs),
        k=k,
        uniform=math.log(split.tokenizer.vocab_size),
        bigram=models[0].loss(split.held_out),
        trigram=models[1].loss(split.held_out),
        bigram_samples=samples[0],
        trigram_samples=samples[1],
    )
