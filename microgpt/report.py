"""Immutable snapshots that cross from the trainer to whoever watches it."""

from dataclasses import dataclass, field

import numpy as np

from .backend import Pass
from .config import TrainConfig
from .model import ParamSpec


def token_text(i: int, chars) -> str:
    """How a token id is shown: its char, '␣' for a space, 'BOS' for the start/end marker."""
    if i == len(chars):
        return "BOS"
    return "␣" if chars[i] == " " else chars[i]


def quoted_token(i: int, chars) -> str:
    """A token inside a name: 'l', '␣', or BOS unquoted."""
    t = token_text(i, chars)
    return t if i == len(chars) else f"'{t}'"


def cell_name(spec: ParamSpec, row: int, col: int, chars) -> str:
    """How one parameter is named everywhere: lm_head['l'][11], wte[BOS][3], wpe[3][5]."""
    row_text = quoted_token(row, chars) if spec.rows_are_tokens else str(row)
    return f"{spec.name}[{row_text}][{col}]"


@dataclass(frozen=True)
class LastStep:
    """What report() needs of the last step; kept (uncopied) until the next step."""

    pass_: Pass
    doc: str
    tokens: tuple[int, ...]
    lr: float
    delta: np.ndarray  # the change Adam applied
    t_update: float
    backend: str
    params_before: np.ndarray | None = None  # what the step started from; None: not known


@dataclass(frozen=True)
class StepReport:
    """Everything one training step did, as plain data (floats, strings, read-only arrays)."""

    step: int  # 1-based number of this step
    num_steps: int
    loss: float  # mean of position_losses
    lr: float  # learning rate used in this step
    doc: str
    tokens: tuple[int, ...]  # the n + 1 tokens used: [BOS] + ids (+ [BOS] if it fits)
    target_probs: np.ndarray  # (n,) p(target) at each position
    position_losses: np.ndarray  # (n,) -log p(target)
    params: dict[str, np.ndarray]  # name -> (rows, cols), after this step's update
    grads: dict[str, np.ndarray]  # dL/dparam, captured after backward, before zeroing
    adam_m: dict[str, np.ndarray]  # after this step
    adam_v: dict[str, np.ndarray]
    updates: dict[str, np.ndarray]  # change applied this step: -lr * m_hat / (sqrt(v_hat) + eps)
    attention: np.ndarray  # (n_layer, n_head, n, n), row t = weights over positions <= t
    timings: dict[str, float]  # seconds: forward, backward, update
    backend: str
    grad_norms: dict[str, float]  # L2 norm of each matrix's gradient, and 'global'
    chars: tuple[str, ...]  # vocabulary; id len(chars) is BOS
    config: TrainConfig = field(repr=False, default_factory=TrainConfig)
    # running mean of |grad| per parameter, updated every step (not only reported ones):
    # ema = 0.9·ema + 0.1·|grad|, shown debiased as ema / (1 − 0.9^k)
    mean_abs_grads: dict[str, np.ndarray] = field(repr=False, default_factory=dict)
    # detail, only in report(detail=True); None there too when unknown (an older checkpoint)
    probs: np.ndarray | None = field(repr=False, default=None)  # (n, vocab) softmax, pre-update
    loss_after: float | None = None  # loss on this doc with the updated params (no gradients)
    position_losses_after: np.ndarray | None = field(repr=False, default=None)  # (n,)

    @property
    def n(self) -> int:
        """Number of predicted positions."""
        return len(self.target_probs)


@dataclass(frozen=True)
class GradientCheck:
    """One parameter's gradient in the last step, by finite differences and by autograd."""

    fd: float  # (loss_plus - loss_minus) / (2h)
    autograd: float  # the step's own dL/dw
    loss_plus: float  # the step's loss with w + h (pre-update params, same document)
    loss_minus: float  # ... with w - h
    h: float


@dataclass(frozen=True)
class StepPoint:
    """The compact per-step series: enough for the loss plot and the grad-norm history."""

    step: int
    loss: float
    lr: float
    grad_norms: tuple[float, ...]  # one per matrix, in layout order, then the global norm


@dataclass(frozen=True)
class StepPoints:
    """Consecutive steps first, first+1, ... as arrays: what crosses to the GUI per tick."""

    first: int  # step number of row 0
    loss: np.ndarray  # (k,) float64
    lr: np.ndarray  # (k,) float64
    grad_norms: np.ndarray  # (k, n_matrices + 1), the global norm last

    def __len__(self) -> int:
        return len(self.loss)

    @property
    def steps(self) -> np.ndarray:
        return np.arange(self.first, self.first + len(self.loss))

    @property
    def last(self) -> int:
        """Step number of the last row (first - 1 when empty)."""
        return self.first + len(self.loss) - 1

    @classmethod
    def empty(cls, n_norms: int, first: int = 1) -> "StepPoints":
        return cls(first, np.zeros(0), np.zeros(0), np.zeros((0, n_norms), dtype=np.float16))


@dataclass(frozen=True)
class Sample:
    """One generated text and the distribution the model sampled each character from."""

    text: str  # prefix + generated characters
    prefix: str
    tokens: tuple[int, ...]  # generated ids, the final BOS included when the model chose it
    probs: np.ndarray  # (len(tokens), vocab_size)
    in_data: bool  # the text is one of the training documents
    chars: tuple[str, ...] = ()

    def __post_init__(self):
        self.probs.flags.writeable = False


def frozen(a: np.ndarray) -> np.ndarray:
    """a, marked read-only (callers pass a private copy)."""
    a.flags.writeable = False
    return a


@dataclass(frozen=True)
class RunInfo:
    """What a view needs to know about a run when it starts, resets or is loaded."""

    config: TrainConfig
    chars: tuple[str, ...]  # vocabulary; id len(chars) is BOS
    specs: tuple[ParamSpec, ...]  # one per matrix, in layout order
    step: int  # steps already done (0 for a fresh run)
    num_docs: int
    backend: str
    history: StepPoints  # every step so far (a loaded checkpoint's history)
    source: str = ""  # where the docs came from: a file name, 'bundled names', ...

    @property
    def vocab_size(self) -> int:
        return len(self.chars) + 1

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.specs)

    @property
    def param_count(self) -> int:
        return sum(s.size for s in self.specs)
