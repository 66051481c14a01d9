"""TrainConfig: the hyper-parameters of a run, with microgpt's defaults."""

import math
from dataclasses import asdict, dataclass, fields

from .errors import ConfigError

# Upper bounds that keep a run interactive; out-of-range values are a ConfigError.
LIMITS = {"n_embd": 512, "n_head": 64, "n_layer": 12, "block_size": 256, "num_steps": 10_000_000}


@dataclass(frozen=True)
class TrainConfig:
    n_embd: int = 16  # embedding width
    n_head: int = 4  # attention heads; head_dim = n_embd // n_head
    n_layer: int = 1  # transformer blocks
    block_size: int = 16  # longest context, in tokens
    learning_rate: float = 0.01  # Adam lr at step 0, decayed linearly to 0
    beta1: float = 0.85  # Adam first-moment decay
    beta2: float = 0.99  # Adam second-moment decay
    eps: float = 1e-8  # Adam denominator guard
    init_std: float = 0.08  # std of the gaussian parameter init
    num_steps: int = 1000  # length of the lr schedule (one document per step)
    seed: int = 42  # seeds the shuffle, the init and sampling

    def __post_init__(self):
        for name in ("n_embd", "n_head", "n_layer", "block_size", "num_steps", "seed"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ConfigError(f"{name} must be a whole number, got {value!r}")
            if name != "seed" and value < 1:
                raise ConfigError(f"{name} must be at least 1, got {value}")
            if name in LIMITS and value > LIMITS[name]:
                raise ConfigError(f"{name} must be at most {LIMITS[name]}, got {value}")
        if self.seed < 0:
            raise ConfigError(f"seed must be 0 or more, got {self.seed}")
        if self.n_embd % self.n_head:
            raise ConfigError(f"n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})")
        for name in ("learning_rate", "beta1", "beta2", "eps", "init_std"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{name} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ConfigError(f"{name} must be a finite number, got {value!r}")
        if not 0 < self.learning_rate <= 10:
            raise ConfigError(f"learning_rate must be in (0, 10], got {self.learning_rate}")
        for name in ("beta1", "beta2"):
            if not 0 <= getattr(self, name) < 1:
                raise ConfigError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        if self.eps <= 0:
            raise ConfigError(f"eps must be positive, got {self.eps}")
        if self.init_std <= 0:
            raise ConfigError(f"init_std must be positive, got {self.init_std}")

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        """Build from a dict, e.g. a checkpoint's metadata; unknown keys are a ConfigError."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ConfigError(f"unknown config field {unknown[0]!r}")
        return cls(**d)
