"""Trainer: microgpt's training loop, one step at a time, with snapshots of everything."""

import gc
import math
import random
from contextlib import contextmanager
from dataclasses import replace
from time import perf_counter

import numpy as np

from .config import TrainConfig
from .data import CharTokenizer
from .errors import ConfigError, DatasetError
from .model import ParamLayout, init_params
from .optim import lr_at
from .report import RunInfo, Sample, StepPoint, StepReport, frozen
from .scalar import ScalarBackend

BACKENDS = ("scalar", "numpy")


class TrainingComplete(RuntimeError):
    """step() was called after the last step of the schedule."""


class TrainingDiverged(ArithmeticError):
    """The loss or a gradient is NaN or infinite; the step was not applied."""

    def __init__(self, step: int, loss: float):
        self.step, self.loss = step, loss
        super().__init__(
            f"training diverged at step {step} (loss {loss}); lower the learning rate and Reset"
        )


@contextmanager
def gc_paused():
    """Pause the cyclic GC: the Value graph has no cycles, and walking it is most of a step."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def make_backend(name: str, config: TrainConfig, layout: ParamLayout, vocab_size: int):
    if name == "scalar":
        return ScalarBackend(config, layout, vocab_size)
    if name == "numpy":
        from .fast import NumpyBackend

        return NumpyBackend(config, layout, vocab_size)
    raise ConfigError(f"backend must be one of {', '.join(BACKENDS)}, got {name!r}")


class Trainer:
    """Owns the docs, the parameters, Adam's state and the random stream of one run."""

    def __init__(
        self,
        docs: list[str],
        config: TrainConfig | None = None,
        backend: str = "scalar",
        *,
        _shuffled: bool = False,
    ):
        config = config or TrainConfig()
        if not docs or not all(isinstance(d, str) and d for d in docs):
            raise DatasetError("the dataset must be a non-empty list of non-empty strings")
        self.config = config
        self.rng = random.Random(config.seed)
        self.docs = list(docs)
        if not _shuffled:
            self.rng.shuffle(self.docs)  # draw 1: one shuffle
        self.tokenizer = CharTokenizer(self.docs)
        self.layout = ParamLayout.build(config, self.tokenizer.vocab_size)
        self.params = init_params(self.layout, self.rng, config.init_std)  # draw 2: the init
        self.m = np.zeros(self.layout.size)
        self.v = np.zeros(self.layout.size)
        self.step_count = 0  # steps done
        self.history: list[StepPoint] = []
        self.last_report: StepReport | None = None
        self._doc_set: frozenset[str] | None = None
        self.backend = make_backend(backend, config, self.layout, self.tokenizer.vocab_size)

    # --- settings that may change between steps ------------------------------------

    @property
    def done(self) -> bool:
        return self.step_count >= self.config.num_steps

    def set_backend(self, name: str) -> None:
        """Continue with another backend from the same parameters and Adam state."""
        if name != self.backend.name:
            self.backend = make_backend(name, self.config, self.layout, self.tokenizer.vocab_size)

    def set_learning_rate(self, lr: float) -> None:
        """Change the base lr; the linear decay continues from it at the next step."""
        self.config = replace(self.config, learning_rate=float(lr))
        self.backend.config = self.config

    # --- training ----------------------------------------------------------------

    def tokens_of(self, doc: str) -> list[int]:
        bos = self.tokenizer.bos
        return [bos] + self.tokenizer.encode(doc) + [bos]

    def step(self) -> StepReport:
        """One iteration on one document, exactly as microgpt does it."""
        if self.done:
            raise TrainingComplete(f"all {self.config.num_steps} steps are done")
        s, cfg = self.step_count, self.config
        doc = self.docs[s % len(self.docs)]
        tokens = self.tokens_of(doc)
        with gc_paused():
            try:
                p = self.backend.train_pass(self.params, tokens)
            except (OverflowError, ZeroDivisionError, ValueError) as e:  # e.g. log(0) in Value
                raise TrainingDiverged(s + 1, math.nan) from e
        if not (math.isfinite(p.loss) and np.isfinite(p.grads).all()):
            raise TrainingDiverged(s + 1, p.loss)
        lr_t = lr_at(cfg, s)
        t0 = perf_counter()
        delta = self.backend.adam(self.params, p.grads, self.m, self.v, s, lr_t, cfg)
        t_update = perf_counter() - t0
        self.step_count = s + 1
        norms = self._grad_norms(p.grads)
        self.history.append(StepPoint(s + 1, p.loss, lr_t, norms))
        report = self._report(p, doc, tokens, lr_t, delta, norms, t_update)
        self.last_report = report
        return report

    def _grad_norms(self, grads: np.ndarray) -> tuple[float, ...]:
        """L2 norm of each matrix's gradient, then of all of them."""
        sq = np.add.reduceat(grads * grads, self.layout.offsets[:-1])
        return tuple(np.sqrt(sq).tolist()) + (math.sqrt(sq.sum()),)

    def _report(self, p, doc, tokens, lr_t, delta, norms, t_update, backend=None) -> StepReport:
        split = self.layout.split
        names = self.layout.names + ("global",)
        return StepReport(
            step=self.step_count,
            num_steps=self.config.num_steps,
            loss=p.loss,
            lr=lr_t,
            doc=doc,
            tokens=tuple(tokens),
            target_probs=frozen(p.target_probs),
            position_losses=frozen(p.position_losses),
            params=split(frozen(self.params.copy())),
            grads=split(frozen(p.grads)),
            adam_m=split(frozen(self.m.copy())),
            adam_v=split(frozen(self.v.copy())),
            updates=split(frozen(delta)),
            attention=frozen(p.attention),
            timings={"forward": p.t_forward, "backward": p.t_backward, "update": t_update},
            backend=backend or self.backend.name,
            grad_norms=dict(zip(names, norms)),
            chars=tuple(self.tokenizer.chars),
            config=self.config,
        )

    def info(self) -> RunInfo:
        """A snapshot of the run's shape and history, for views."""
        return RunInfo(
            config=self.config,
            chars=tuple(self.tokenizer.chars),
            param_names=self.layout.names,
            param_shapes=self.layout.shapes,
            step=self.step_count,
            num_docs=len(self.docs),
            backend=self.backend.name,
            history=tuple(self.history),
        )

    # --- sampling ----------------------------------------------------------------

    def sample(
        self, n: int = 20, temperature: float = 0.5, seed: int | None = None, prefix: str = ""
    ) -> list[Sample]:
        """n texts at this temperature; seed None continues the run's own random stream."""
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10_000:
            raise ValueError(f"the number of samples must be between 1 and 10000, got {n!r}")
        if not (
            isinstance(temperature, (int, float)) and math.isfinite(temperature) and temperature > 0
        ):
            raise ValueError(f"temperature must be a positive number, got {temperature!r}")
        prefix_ids = self.tokenizer.encode(prefix)
        if len(prefix_ids) >= self.config.block_size:
            raise ValueError(f"the prefix may have at most {self.config.block_size - 1} characters")
        rng = self.rng if seed is None else random.Random(seed)
        if self._doc_set is None:
            self._doc_set = frozenset(self.docs)
        chars, bos, out = tuple(self.tokenizer.chars), self.tokenizer.bos, []
        with gc_paused():
            for _ in range(n):
                ids, dists = self.backend.generate(self.params, rng, bos, temperature, prefix_ids)
                text = prefix + self.tokenizer.decode(ids)
                probs = np.array(dists).reshape(len(ids), self.tokenizer.vocab_size)
                out.append(Sample(text, prefix, tuple(ids), probs, text in self._doc_set, chars))
        return out

    # --- checkpoints -------------------------------------------------------------

    def save(self, path) -> None:
        """Write a checkpoint atomically (.npz + JSON metadata, no pickle)."""
        from .checkpoint import save

        save(self, path)

    @classmethod
    def load(cls, path, backend: str | None = None) -> "Trainer":
        """A new Trainer from a checkpoint; CheckpointError if it cannot be used."""
        from .checkpoint import load

        return load(cls, path, backend)
