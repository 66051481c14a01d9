"""Any text through the model as it is now: its cards, its attention, and how surprising it
is beside the training documents. A forward pass only: the run is not changed."""

from dataclasses import dataclass

import numpy as np

from .errors import VocabularyError
from .report import frozen
from .trainer import Trainer, make_backend

MAX_TEXT = 1000  # the longest text read; the model itself reads only block_size characters
NAMED = 8  # an error names at most this many unknown characters
CHUNK = 1024  # documents per batched forward: (1024, 16, 27) logits, ~3.5 MB


@dataclass(frozen=True)
class Reading:
    """One text read by the model at one step, shaped like a StepReport's forward part."""

    doc: str  # the text read: at most block_size characters
    step: int  # the run's steps done: the weights it was read with
    tokens: tuple[int, ...]  # [BOS] + ids (+ [BOS] if it fits)
    chars: tuple[str, ...]  # vocabulary; id len(chars) is BOS
    target_probs: np.ndarray  # (n,) p(target)
    position_losses: np.ndarray  # (n,) -log p(target)
    probs: np.ndarray  # (n, vocab) the softmax at each position
    attention: np.ndarray  # (n_layer, n_head, n, n)
    loss: float  # mean of position_losses
    doc_losses: np.ndarray  # (num_docs,) each training document's mean loss, sorted
    cut: int = 0  # characters past block_size that were not read

    @property
    def n(self) -> int:
        return len(self.target_probs)

    @property
    def more_surprising_than(self) -> float:
        """The share of training documents whose mean loss is lower (0..1)."""
        return float(np.searchsorted(self.doc_losses, self.loss)) / max(1, len(self.doc_losses))


def _char_name(c: str) -> str:
    return f"'{c}'" if c.isprintable() and not c.isspace() else f"U+{ord(c):04X}"


def unknown_chars_message(text: str, chars: tuple[str, ...]) -> str:
    """'' if every character of text is in chars, else a sentence naming the others."""
    known = set(chars)
    bad = list(dict.fromkeys(c for c in text if c not in known))
    if not bad:
        return ""
    named = ", ".join(_char_name(c) for c in bad[:NAMED])
    more = f" and {len(bad) - NAMED} more" if len(bad) > NAMED else ""
    alphabet = "".join(chars) if len(chars) <= 40 else "".join(chars[:40]) + "…"
    return (
        f"The model has never seen {named}{more}: it knows only the {len(chars)} characters "
        f"of its training data ({alphabet}). Type a name made of those."
    )


def _numpy(trainer: Trainer):
    """The trainer's backend if it is numpy's, else a numpy one for the same model."""
    if trainer.backend.name == "numpy":
        return trainer.backend
    return make_backend("numpy", trainer.config, trainer.layout, trainer.tokenizer.vocab_size)


def doc_losses(trainer: Trainer) -> np.ndarray:
    """(num_docs,) every training document's mean loss with the current weights, sorted;
    numpy whatever the backend, documents of one length batched (read_text on the 5,163
    bundled names: median 0.25 s of 7, on 2 cores under a load of ~12)."""
    fast = _numpy(trainer)
    by_length: dict[int, list[tuple[int, ...]]] = {}
    for i in range(len(trainer.docs)):
        tokens = trainer._tokens_at(i)
        by_length.setdefault(len(tokens), []).append(tokens)
    out = []
    for rows in by_length.values():
        for start in range(0, len(rows), CHUNK):
            batch = np.array(rows[start : start + CHUNK])
            out.append(fast.mean_losses(trainer.params, batch))
    return np.sort(np.concatenate(out))


def read_text(trainer: Trainer, text: str) -> Reading:
    """text through the model (numpy, no gradients): VocabularyError if it is empty, too
    long or has characters the model has never seen. The trainer is not changed."""
    if not text:
        raise VocabularyError("Type a name first.")
    if len(text) > MAX_TEXT:
        raise VocabularyError(f"That is {len(text)} characters; type at most {MAX_TEXT}.")
    chars = tuple(trainer.tokenizer.chars)
    message = unknown_chars_message(text, chars)
    if message:
        raise VocabularyError(message)
    block = trainer.config.block_size
    tokens = trainer.tokens_of(text)
    fast = _numpy(trainer)
    f = fast.forward(trainer.params, list(tokens))
    n = len(f.position_losses)
    return Reading(
        doc=text[:block],
        step=trainer.step_count,
        tokens=tokens,
        chars=chars,
        target_probs=frozen(f.probs[np.arange(n), list(tokens[1 : n + 1])].copy()),
        position_losses=frozen(f.position_losses.copy()),
        probs=frozen(f.probs.copy()),
        attention=frozen(f.attention.copy()),
        loss=float(f.loss),
        doc_losses=frozen(doc_losses(trainer)),
        cut=max(0, len(text) - block),
    )
