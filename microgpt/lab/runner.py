"""One lab run: a plain-data spec in, plain-data results out, on the numpy engine.

train_run is a top-level function of picklable arguments, so any concurrent.futures
Executor (threads, processes, dask's) can run it. Same spec, same numbers.
"""

import math
import random
from dataclasses import dataclass, replace
from time import perf_counter

import numpy as np

from ..config import TrainConfig
from ..fast import NumpyBackend
from ..model import ParamLayout, init_params
from ..optim import lr_at
from .baselines import MAX_SAMPLE_CHARS
from .channel import REPORT_EVERY, Channel, RunCancelled
from .split import LossMeter, Split

EVAL_POINTS = 10  # losses measured this many times over a run (eval_every = steps / 10)
TRAIN_EVAL_NAMES = 500  # train loss: measured on at most this many of the run's names


@dataclass(frozen=True)
class Axis:
    name: str
    label: str  # as the user reads it
    log_x: bool  # plotted on a log axis (size, data, steps)
    kind: type  # int or float


AXES = {
    a.name: a
    for a in (
        Axis("n_embd", "width (n_embd)", True, int),
        Axis("n_layer", "layers (n_layer)", False, int),
        Axis("block_size", "context (block_size)", True, int),
        Axis("names", "training names", True, int),
        Axis("steps", "training steps", True, int),
        Axis("learning_rate", "learning rate", True, float),
    )
}


@dataclass(frozen=True)
class RunSpec:
    """What one run trains: the model and schedule, how many names, and what it reports."""

    config: TrainConfig  # sizes, num_steps, learning_rate, seed
    n_train: int  # the first n_train names of the split's training names
    axis: str = ""  # the swept setting (a key of AXES) and this run's value of it
    value: float = 0.0
    eval_every: int = 0  # steps between loss measurements; 0: EVAL_POINTS over the run
    n_samples: int = 10
    temperature: float = 0.5


@dataclass(frozen=True)
class RunResult:
    spec: RunSpec
    index: int  # position in the sweep
    params: int  # parameter count
    steps: tuple[int, ...]  # when the losses below were measured
    train_loss: tuple[float, ...]  # mean -log p on (up to 500 of) the run's training names
    held_out_loss: tuple[float, ...]  # mean -log p on the held-out names
    seconds: float  # wall time of the run, evaluation included
    samples: tuple[str, ...]
    kinds: tuple[str, ...]  # per sample: "train", "held-out" or "new"
    error: str = ""  # set when the run diverged

    @property
    def final_held_out(self) -> float:
        return self.held_out_loss[-1] if self.held_out_loss else math.nan

    @property
    def final_train(self) -> float:
        return self.train_loss[-1] if self.train_loss else math.nan

    @property
    def new_fraction(self) -> float:
        """Share of the samples found in neither the training nor the held-out names."""
        return self.kinds.count("new") / len(self.kinds) if self.kinds else math.nan

    @classmethod
    def failed(cls, spec: RunSpec, index: int, error: str) -> "RunResult":
        """A run that produced nothing: error says why, in the user's words."""
        return cls(spec, index, 0, (), (), (), 0.0, (), (), error)


def specs_for_axis(axis: str, values, base: TrainConfig, n_train: int, **kw) -> list[RunSpec]:
    """One RunSpec per value of `axis`, the other settings from base and n_train.

    ConfigError / ValueError (from TrainConfig) says which value is out of range.
    """
    if axis not in AXES:
        raise ValueError(f"the axis must be one of {', '.join(AXES)}, got {axis!r}")
    specs = []
    for v in values:
        cfg, n = base, n_train
        if axis == "n_embd":  # keep n_head dividing n_embd
            cfg = replace(base, n_embd=int(v), n_head=math.gcd(int(v), base.n_head))
        elif axis in ("n_layer", "block_size"):
            cfg = replace(base, **{axis: int(v)})
        elif axis == "steps":
            cfg = replace(base, num_steps=int(v))
        elif axis == "learning_rate":
            cfg = replace(base, learning_rate=float(v))
        else:
            n = int(v)
        specs.append(RunSpec(cfg, n, axis, v, **kw))
    return specs


def window(tokens: list[int], block_size: int, rng: random.Random) -> list[int]:
    """The tokens a step trains on: all of a short name, a random block_size + 1 of a long one."""
    if len(tokens) - 1 <= block_size:
        return tokens
    start = rng.randrange(len(tokens) - block_size)  # drawn only for names longer than T
    return tokens[start : start + block_size + 1]


def sample_name(backend: NumpyBackend, params, rng: random.Random, bos: int, t: float) -> list:
    """Ids of one sample, each char drawn from softmax(logits / t) over the last T tokens."""
    seq, out, b = [bos], [], backend.config.block_size
    for _ in range(MAX_SAMPLE_CHARS):
        with np.errstate(all="ignore"):  # the target bos is a stand-in: only probs[-1] is used
            p = backend.forward(params, seq[-b:] + [bos]).probs[-1] ** (1 / t)
        token = rng.choices(range(len(p)), weights=(p / p.sum()).tolist())[0]
        if token == bos:
            break
        out.append(token)
        seq.append(token)
    return out


def train_run(spec: RunSpec, split: Split, index: int = 0, channel: Channel | None = None):
    """Train one model as spec says and measure it; RunCancelled if the channel says stop."""
    t0, cfg = perf_counter(), spec.config
    if not 1 <= spec.n_train <= len(split.train):
        raise ValueError(f"training names must be 1 to {len(split.train)}, got {spec.n_train}")
    tok = split.tokenizer
    rng = random.Random(cfg.seed)
    docs = list(split.train_names(spec.n_train))
    rng.shuffle(docs)  # draw 1, as microgpt: one shuffle, then the init
    layout = ParamLayout.build(cfg, tok.vocab_size)
    params = init_params(layout, rng, cfg.init_std)
    backend = NumpyBackend(cfg, layout, tok.vocab_size)
    m, v = np.zeros(layout.size), np.zeros(layout.size)
    encoded = [split.tokens(d) for d in docs]
    meters = LossMeter(cfg, split, docs[:TRAIN_EVAL_NAMES]), LossMeter(cfg, split, split.held_out)
    every = spec.eval_every or max(1, cfg.num_steps // EVAL_POINTS)
    curve: list[tuple[int, float, float]] = []
    error = ""
    for s in range(cfg.num_steps):
        with np.errstate(all="ignore"):
            p = backend.train_pass(params, window(encoded[s % len(docs)], cfg.block_size, rng))
        if not (math.isfinite(p.loss) and np.isfinite(p.grads).all()):
            error = f"diverged at step {s + 1} (loss {p.loss:.4g}): lower the learning rate"
            break
        backend.adam(params, p.grads, m, v, s, lr_at(cfg, s), cfg)
        if (s + 1) % every == 0 or s + 1 == cfg.num_steps:
            curve.append((s + 1, meters[0](params), meters[1](params)))
        if channel is not None and (s + 1) % REPORT_EVERY == 0:
            if channel.stopped():
                raise RunCancelled(f"run {index} cancelled at step {s + 1}")
            channel.report(index, s + 1)
    n_samples = 0 if error else spec.n_samples
    samples = [_sample(backend, params, rng, spec, split) for _ in range(n_samples)]
    seen, held = set(docs), set(split.held_out)
    kinds = ["train" if s in seen else "held-out" if s in held else "new" for s in samples]
    if channel is not None:
        channel.report(index, cfg.num_steps)
    return RunResult(
        spec=spec,
        index=index,
        params=layout.size,
        steps=tuple(c[0] for c in curve),
        train_loss=tuple(c[1] for c in curve),
        held_out_loss=tuple(c[2] for c in curve),
        seconds=perf_counter() - t0,
        samples=tuple(samples),
        kinds=tuple(kinds),
        error=error,
    )


def _sample(backend: NumpyBackend, params, rng: random.Random, spec: RunSpec, split: Split) -> str:
    tok = split.tokenizer
    return tok.decode(sample_name(backend, params, rng, tok.bos, spec.temperature))
