"""Trainer: microgpt's training loop, one step at a time, with snapshots of everything."""

import math
import random
from dataclasses import replace
from time import perf_counter

import numpy as np

from .backend import Forward, Interrupted, StopCheck
from .backends import BACKENDS, make_backend  # noqa: F401  (BACKENDS re-exported)
from .config import MAX_SEED, TrainConfig, check_cost, check_temperature
from .data import CharTokenizer, doc_tokens
from .engine import gc_paused
from .errors import ConfigError, DatasetError
from .history import History
from .model import ParamLayout, init_params
from .optim import lr_at
from .queries import LastStepQueries
from .report import (
    LastStep,
    RunInfo,
    Sample,
    StepPoint,
    StepPoints,
    StepReport,
    frozen,
)

MEAN_DECAY = 0.9  # the running mean of |grad|: ema = 0.9·ema + 0.1·|grad| per step


class TrainingComplete(RuntimeError):
    """step() was called after the last step of the schedule."""


class TrainingDiverged(ArithmeticError):
    """The loss or a gradient is NaN or infinite; the step was not applied."""

    def __init__(self, step: int, loss: float, config: TrainConfig | None = None):
        self.step, self.loss = step, loss
        super().__init__(f"training diverged at step {step} (loss {loss:.4g}): {_culprit(config)}")


def _culprit(config: TrainConfig | None) -> str:
    """The setting most likely to blame, in the user's words."""
    if config is not None and config.init_std > 0.5:
        return (
            f"the initial weights are far too large (init_std {config.init_std:g}; "
            f"the reference uses 0.08). Lower init_std in Settings and Reset"
        )
    lr = f" ({config.learning_rate:g})" if config is not None else ""
    return f"the learning rate{lr} is too high. Lower it and Reset"


class Trainer(LastStepQueries):
    """Owns the docs, the parameters, Adam's state and the random stream of one run."""

    def __init__(self, docs: list[str], config: TrainConfig | None = None, backend="scalar"):
        config = config or TrainConfig()
        rng = random.Random(config.seed)
        docs = _checked_docs(docs)
        rng.shuffle(docs)  # draw 1: one shuffle
        self._setup(docs, config, backend, rng)
        self.params = init_params(self.layout, self.rng, config.init_std)  # draw 2: the init

    @classmethod
    def from_state(
        cls,
        docs: list[str],
        config: TrainConfig,
        backend: str,
        *,
        params: np.ndarray,
        m: np.ndarray,
        v: np.ndarray,
        rng_state: tuple,
        history: StepPoints,
        last: LastStep | None = None,
        mean_abs: np.ndarray | None = None,
    ) -> "Trainer":
        """A trainer that continues a saved run: docs already in training order."""
        t = cls.__new__(cls)
        rng = random.Random()
        rng.setstate(rng_state)
        t._setup(_checked_docs(docs), config, backend, rng)
        size = t.layout.size
        for name, a in (("params", params), ("m", m), ("v", v)):
            if a.shape != (size,):
                raise ValueError(f"{name} has shape {a.shape}, expected ({size},)")
        if history.grad_norms.shape[1:] != (len(t.layout.names) + 1,):
            raise ValueError("the history's gradient norms do not match the model")
        if len(history) > config.num_steps:
            raise ValueError(f"{len(history)} steps done, more than num_steps")
        t.params, t.m, t.v = (np.array(a, dtype=np.float64) for a in (params, m, v))
        t.history.extend(history)
        t.step_count = len(history)
        t._last = last if t.step_count else None
        if mean_abs is not None and mean_abs.shape == (size,):
            t.mean_abs = np.array(mean_abs, dtype=np.float64)
        return t

    def _setup(self, docs, config: TrainConfig, backend: str, rng: random.Random) -> None:
        self.config = config
        self.rng = rng
        self.docs = docs  # in training order
        self.tokenizer = CharTokenizer(self.docs)
        check = check_cost(config, self.tokenizer.vocab_size, backend)  # before any array
        if check.refusal:
            raise ConfigError(check.refusal)
        self.layout = ParamLayout.build(config, self.tokenizer.vocab_size)
        self.m = np.zeros(self.layout.size)
        self.v = np.zeros(self.layout.size)
        self.mean_abs = np.zeros(self.layout.size)  # running mean of |grad|, see StepReport
        self.step_count = 0  # steps done
        self.history = History(len(self.layout.names) + 1)
        self.should_stop: StopCheck | None = None  # asked during long work; see Interrupted
        self._last: LastStep | None = None
        self._report: StepReport | None = None  # report() of the last step, once built
        self._detailed = False  # _report has its detail (see report)
        self._encoded: dict[int, tuple[int, ...]] = {}  # doc index -> the tokens a step uses
        self._doc_set: frozenset[str] | None = None
        self.backend = make_backend(backend, config, self.layout, self.tokenizer.vocab_size)

    # --- settings that may change between steps ------------------------------------

    @property
    def done(self) -> bool:
        return self.step_count >= self.config.num_steps

    def set_backend(self, name: str) -> None:
        """Continue with another backend from the same parameters and Adam state.

        ConfigError (the run unchanged) if this model is too big for that engine.
        """
        if name != self.backend.name:
            check = check_cost(self.config, self.tokenizer.vocab_size, name)
            if check.refusal:
                raise ConfigError(check.refusal)
            self.backend = make_backend(name, self.config, self.layout, self.tokenizer.vocab_size)

    def set_learning_rate(self, lr: float) -> None:
        """Change the base lr; the linear decay continues from it at the next step."""
        self.config = replace(self.config, learning_rate=float(lr))

    # --- training ----------------------------------------------------------------

    def tokens_of(self, doc: str) -> tuple[int, ...]:
        """The tokens one step uses: [BOS] + ids + [BOS], at most block_size + 1 of them."""
        return doc_tokens(self.tokenizer, doc, self.config.block_size)

    def _tokens_at(self, i: int) -> tuple[int, ...]:
        """tokens_of(docs[i]), encoded once per document."""
        tokens = self._encoded.get(i)
        if tokens is None:
            tokens = self._encoded[i] = self.tokens_of(self.docs[i])
        return tokens

    def step(self) -> StepPoint:
        """One iteration on one document, exactly as microgpt does it.

        Cheap: the full StepReport is built only when report() asks for it.
        Interrupted (from should_stop) leaves the trainer exactly as it was.
        """
        if self.done:
            raise TrainingComplete(f"all {self.config.num_steps} steps are done")
        s, cfg = self.step_count, self.config
        i = s % len(self.docs)
        tokens = self._tokens_at(i)
        with gc_paused():
            try:
                p = self.backend.train_pass(self.params, list(tokens), self.should_stop)
            except (OverflowError, ZeroDivisionError, ValueError) as e:  # e.g. log(0) in Value
                raise TrainingDiverged(s + 1, math.nan, cfg) from e
        if not (math.isfinite(p.loss) and np.isfinite(p.grads).all()):
            raise TrainingDiverged(s + 1, p.loss, cfg)
        lr_t = lr_at(cfg, s)
        before = self.params.copy()  # for the detail: 1 µs for 4192 (a numpy step: 240 µs)
        t0 = perf_counter()
        delta = self.backend.adam(self.params, p.grads, self.m, self.v, s, lr_t, cfg)
        t_update = perf_counter() - t0
        # ema = 0.9·ema + 0.1·|grad|, every step, so a view that skips steps stays right
        self.mean_abs *= MEAN_DECAY
        self.mean_abs += (1 - MEAN_DECAY) * np.abs(p.grads)
        self.step_count = s + 1
        self.history.append(p.loss, lr_t, self._grad_norms(p.grads))
        self._last = LastStep(
            p, self.docs[i], tokens, lr_t, delta, t_update, self.backend.name, before
        )
        self._report, self._detailed = None, False
        return self.history[-1]

    def _grad_norms(self, grads: np.ndarray) -> list[float]:
        """L2 norm of each matrix's gradient, then of all of them."""
        sq = np.add.reduceat(grads * grads, self.layout.offsets[:-1])
        return np.sqrt(sq).tolist() + [math.sqrt(sq.sum())]

    def report(self, detail: bool = False) -> StepReport | None:
        """Everything the last step did, as read-only copies; None before the first step.

        detail adds probs, loss_after and position_losses_after (one more forward pass);
        the report is built once per step, and asking for detail upgrades it.
        """
        last = self._last
        if last is None:
            return None
        if self._report is None:
            self._report = self._build_report(last)
        if detail and not self._detailed:
            self._report = replace(self._report, **self._detail(last))
            self._detailed = True
        return self._report

    def _detail(self, last: LastStep) -> dict:
        """The step's softmax (pre-update) and the loss of its document after the update."""
        tokens, out = list(last.tokens), {}
        probs = last.pass_.probs
        if probs is None and last.params_before is not None:  # restored from a checkpoint
            probs = self._forward(last.params_before, tokens).probs
        if probs is not None:
            out["probs"] = frozen(probs.copy())
        try:
            after = self._forward(self.params, tokens)
        except ArithmeticError:
            return out  # the updated params overflow: leave loss_after unknown
        out["loss_after"] = after.loss
        out["position_losses_after"] = frozen(after.position_losses.copy())
        return out

    def _forward(self, params: np.ndarray, tokens: list[int]) -> Forward:
        """backend.forward with the GC paused; FloatingPointError if Value's math fails."""
        with gc_paused():
            try:
                return self.backend.forward(params, tokens, self.should_stop)
            except ValueError as e:  # log(0) in Value
                raise FloatingPointError(f"the loss cannot be computed ({e})") from e

    def _build_report(self, last: LastStep) -> StepReport:
        split, p = self.layout.split, last.pass_
        names = self.layout.names + ("global",)
        point = self.history[-1]
        debias = 1 - MEAN_DECAY**self.step_count
        return StepReport(
            step=self.step_count,
            num_steps=self.config.num_steps,
            loss=p.loss,
            lr=last.lr,
            doc=last.doc,
            tokens=last.tokens,
            target_probs=frozen(p.target_probs.copy()),
            position_losses=frozen(p.position_losses.copy()),
            params=split(frozen(self.params.copy())),
            grads=split(frozen(p.grads.copy())),
            adam_m=split(frozen(self.m.copy())),
            adam_v=split(frozen(self.v.copy())),
            updates=split(frozen(last.delta.copy())),
            attention=frozen(p.attention.copy()),
            timings={"forward": p.t_forward, "backward": p.t_backward, "update": last.t_update},
            backend=last.backend,
            grad_norms=dict(zip(names, point.grad_norms)),
            chars=tuple(self.tokenizer.chars),
            config=self.config,
            mean_abs_grads=split(frozen(self.mean_abs / debias)),
        )

    def restore(self, params, m, v, mean_abs, rng_state: tuple, history: History, last) -> None:
        """Put the trainer back to a recorded state (time travel): copies of the arrays,
        len(history) steps done, `last` the record of the last of them (or None)."""
        self.params, self.m, self.v, self.mean_abs = (
            np.array(a, dtype=np.float64) for a in (params, m, v, mean_abs)
        )
        self.rng.setstate(rng_state)
        self.history, self.step_count = history, len(history)
        self._last = last if self.step_count else None
        self._report, self._detailed = None, False

    @property
    def last_step(self) -> LastStep | None:
        """The raw record of the last step (for checkpoints)."""
        return self._last

    def info(self, source: str = "") -> RunInfo:
        """A snapshot of the run's shape and history, for views."""
        return RunInfo(
            config=self.config,
            chars=tuple(self.tokenizer.chars),
            specs=self.layout.specs,
            step=self.step_count,
            num_docs=len(self.docs),
            backend=self.backend.name,
            history=self.history.points(),
            source=source,
        )

    # --- sampling ----------------------------------------------------------------

    def sample(
        self, n: int = 20, temperature: float = 0.5, seed: int | None = None, prefix: str = ""
    ) -> list[Sample]:
        """n texts at this temperature; seed None continues the run's own random stream.

        Interrupted (from should_stop) puts the run's random stream back as it was.
        """
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 10_000:
            raise ValueError(f"the number of samples must be between 1 and 10000, got {n!r}")
        temperature = check_temperature(temperature)
        prefix_ids = self.tokenizer.encode(prefix)
        if len(prefix_ids) >= self.config.block_size:
            raise ValueError(f"the prefix may have at most {self.config.block_size - 1} characters")
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED
        ):
            raise ValueError(f"the seed must be between 0 and {MAX_SEED}, got {seed!r}")
        rng = self.rng if seed is None else random.Random(seed)
        if self._doc_set is None:
            self._doc_set = frozenset(self.docs)
        chars, bos, out = tuple(self.tokenizer.chars), self.tokenizer.bos, []
        saved = rng.getstate()
        try:
            with gc_paused():
                for _ in range(n):
                    ids, dists = self.backend.generate(
                        self.params, rng, bos, temperature, prefix_ids, self.should_stop
                    )
                    text = prefix + self.tokenizer.decode(ids)
                    probs = np.array(dists).reshape(len(ids), self.tokenizer.vocab_size)
                    in_data = text in self._doc_set
                    out.append(Sample(text, prefix, tuple(ids), probs, in_data, chars))
        except Interrupted:
            rng.setstate(saved)
            raise
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


def _checked_docs(docs) -> list[str]:
    """A copy of docs; DatasetError unless it is a non-empty list of non-empty strings."""
    if not docs or not all(isinstance(d, str) and d for d in docs):
        raise DatasetError("the dataset must be a non-empty list of non-empty strings")
    return list(docs)
