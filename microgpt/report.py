"""Immutable snapshots that cross from the trainer to whoever watches it."""

from dataclasses import dataclass, field

import numpy as np

from .config import TrainConfig


@dataclass(frozen=True)
class StepReport:
    """Everything one training step did, as plain data (floats, strings, read-only arrays)."""

    step: int  # 1-based number of this step
    num_steps: int
    loss: float  # mean of position_losses
    lr: float  # learning rate used in this step
    doc: str
    tokens: tuple[int, ...]  # [BOS] + ids + [BOS]
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

    @property
    def n(self) -> int:
        """Number of predicted positions."""
        return len(self.target_probs)


@dataclass(frozen=True)
class StepPoint:
    """The compact per-step series: enough for the loss plot and the grad-norm history."""

    step: int
    loss: float
    lr: float
    grad_norms: tuple[float, ...]  # one per matrix, in layout order, then the global norm


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
    param_names: tuple[str, ...]  # 'wte', 'wpe', 'lm_head', 'layer0.attn_wq', ...
    param_shapes: tuple[tuple[int, int], ...]
    step: int  # steps already done (0 for a fresh run)
    num_docs: int
    backend: str
    history: tuple[StepPoint, ...] = ()  # every step so far (a loaded checkpoint's history)

    @property
    def vocab_size(self) -> int:
        return len(self.chars) + 1
