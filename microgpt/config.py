"""TrainConfig: the hyper-parameters of a run, with microgpt's defaults."""

import math
from dataclasses import asdict, dataclass, fields

from .errors import ConfigError

# Upper bounds on the sizes; out-of-range values are a ConfigError. The largest model they
# allow (~7 million parameters with a 1000-char vocabulary) fits a laptop on the numpy
# engine; check_cost() says what a given config costs on each engine, and refuses or warns.
LIMITS = {"n_embd": 256, "n_head": 32, "n_layer": 8, "block_size": 128, "num_steps": 10_000_000}
MAX_INIT_STD = 1.0  # the reference uses 0.08; far above 1 the first step overflows
MAX_EPS = 1.0  # the reference uses 1e-8; above 1 Adam's steps shrink to nothing
TEMPERATURE_RANGE = (0.01, 100.0)  # below 0.01, logits / T overflow exp() in sampling
# One range per setting a user edits, shared by the CLI, the Settings dialog, the toolbar and
# checkpoints, so no place accepts what another would change or refuse.
MAX_SEED = 2**31 - 1  # what a Qt spin box holds (a C int)
LEARNING_RATE_RANGE = (1e-4, 10.0)  # the reference uses 0.01; above ~1 Adam diverges


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
        if not 0 <= self.seed <= MAX_SEED:
            raise ConfigError(f"seed must be between 0 and {MAX_SEED}, got {self.seed}")
        if self.n_embd % self.n_head:
            raise ConfigError(f"n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})")
        for name in ("learning_rate", "beta1", "beta2", "eps", "init_std"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ConfigError(f"{name} must be a number, got {value!r}")
            if not math.isfinite(value):
                raise ConfigError(f"{name} must be a finite number, got {value!r}")
        lo, hi = LEARNING_RATE_RANGE
        if not lo <= self.learning_rate <= hi:  # above ~1 Adam diverges; the trainer says so
            raise ConfigError(
                f"learning_rate must be between {lo:g} and {hi:g}, got {self.learning_rate:g}"
            )
        for name in ("beta1", "beta2"):
            if not 0 <= getattr(self, name) < 1:
                raise ConfigError(f"{name} must be in [0, 1), got {getattr(self, name)}")
        if not 0 < self.eps <= MAX_EPS:
            raise ConfigError(f"eps must be in (0, {MAX_EPS:g}], got {self.eps}")
        if not 0 < self.init_std <= MAX_INIT_STD:
            raise ConfigError(
                f"init_std must be in (0, {MAX_INIT_STD:g}] (the reference uses 0.08), "
                f"got {self.init_std}"
            )

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


def check_temperature(t) -> float:
    """t as a float if it is a usable sampling temperature; ConfigError naming the range if not."""
    lo, hi = TEMPERATURE_RANGE
    if isinstance(t, bool) or not isinstance(t, (int, float)) or not lo <= t <= hi:
        raise ConfigError(f"temperature must be between {lo:g} and {hi:g}, got {t!r}")
    return float(t)


# --- what a config costs, before it is built (#9, item 5) --------------------------------
# Calibrated on a 2-core laptop-class machine (Python 3.12, NumPy with OpenBLAS):
# - a scalar step makes one Value per parameter (fresh leaves) plus, per position,
#   ~24·e²·L + 2·V·e (the matmuls: a product and a sum per weight) + 50·e·L + 10·V (norms,
#   residuals, softmax), plus (2·e + 3·H)·L·T² for attention. Counted: 139,379 Values for
#   e16 L1 T16 (estimate 142,000), 6,915,491 for e64 L2 T32 (estimate 6,858,000).
# - each Value, with its tuples, floats and the backward's topological order, costs
#   230-262 bytes (tracemalloc peak / Values) and 1.0-1.8 µs (step time / Values).
# - numpy: ~0.3 ms + 0.15 ms per layer of fixed cost, then ~6 GFLOP/s (measured 4.9-6.7
#   for e128-e256 models), and ~16 float64 copies of the parameters (params, Adam m, v,
#   gradients, updates, and a report's copies of each).
# - setup draws one random.gauss per parameter: ~0.7 µs each (27 s for 38 M parameters).
MAX_MEMORY = 2 * 2**30  # bytes a run may need: what a laptop can spare beside the desktop
SLOW_STEP = 1.0  # seconds per step above which a config is called very slow
VALUE_BYTES, VALUE_SECONDS = 260, 1.5e-6
NUMPY_FLOPS, NUMPY_FIXED, NUMPY_PER_LAYER = 6e9, 3e-4, 1.5e-4
GAUSS_SECONDS = 0.7e-6


@dataclass(frozen=True)
class Cost:
    """A rough estimate of one run on one engine, for the longest document (T = block_size)."""

    backend: str
    params: int
    memory: float  # bytes at the peak of a step
    seconds_per_step: float
    setup_seconds: float  # building the model: one gauss draw per parameter


def param_count(config: TrainConfig, vocab_size: int) -> int:
    """Parameters of the model: wte, lm_head (V, e), wpe (T, e), per layer 12·e² (ParamLayout)."""
    e = config.n_embd
    return (2 * vocab_size + config.block_size) * e + 12 * e * e * config.n_layer


def scalar_values(config: TrainConfig, vocab_size: int) -> int:
    """Values one scalar step builds for a document of block_size tokens (see above)."""
    e, h, n_layer, t, v = (
        config.n_embd,
        config.n_head,
        config.n_layer,
        config.block_size,
        vocab_size,
    )
    per_position = 24 * e * e * n_layer + 2 * v * e + 50 * e * n_layer + 10 * v
    return param_count(config, v) + t * per_position + (2 * e + 3 * h) * n_layer * t * t


def estimate(config: TrainConfig, vocab_size: int, backend: str) -> Cost:
    """What config would cost on backend ('scalar' or 'numpy'), before building anything."""
    e, h, n_layer, t, v = (
        config.n_embd,
        config.n_head,
        config.n_layer,
        config.block_size,
        vocab_size,
    )
    p = param_count(config, vocab_size)
    setup = p * GAUSS_SECONDS
    if backend == "scalar":
        values = scalar_values(config, vocab_size)
        memory = values * VALUE_BYTES + p * 16 * 8
        return Cost(backend, p, memory, values * VALUE_SECONDS, setup)
    if backend == "numpy":
        # forward + backward = 3 x the forward's 2 flops per weight and position
        flops = 6 * t * (12 * e * e * n_layer + 2 * v * e) + 12 * t * t * e * n_layer
        seconds = NUMPY_FIXED + NUMPY_PER_LAYER * n_layer + flops / NUMPY_FLOPS
        activations = 8 * t * (30 * e * n_layer + 3 * v) + 8 * 3 * h * t * t * n_layer
        return Cost(backend, p, p * 16 * 8 + activations, seconds, setup)
    raise ConfigError(f"backend must be 'scalar' or 'numpy', got {backend!r}")


@dataclass(frozen=True)
class CostCheck:
    """Whether a config can run on an engine: a refusal, a warning, or neither."""

    cost: Cost
    refusal: str = ""  # set: it cannot run; says why, in the user's words
    warning: str = ""  # set: it runs, very slowly

    @property
    def ok(self) -> bool:
        return not self.refusal


def check_cost(config: TrainConfig, vocab_size: int, backend: str) -> CostCheck:
    """Refuse a config that would need more than MAX_MEMORY; warn when a step is very slow."""
    cost = estimate(config, vocab_size, backend)
    engine = f"the {backend} engine"
    if cost.memory > MAX_MEMORY:
        numpy_fits = backend == "scalar" and estimate(config, vocab_size, "numpy").memory <= (
            MAX_MEMORY
        )
        need = (
            f"too big for {engine} (it would need about {gigabytes(cost.memory)} "
            f"of memory; the limit is {gigabytes(MAX_MEMORY)})"
        )
        if numpy_fits:
            refusal = f"this model needs the numpy engine: it is {need}. Use the numpy engine"
        else:
            refusal = f"{need}. Use a smaller model (n_embd, n_layer, block_size)"
        return CostCheck(cost, refusal=refusal)
    slow = []
    if cost.seconds_per_step > SLOW_STEP:
        slow.append(f"about {duration(cost.seconds_per_step)} per step")
    if cost.setup_seconds > 10 * SLOW_STEP:
        slow.append(f"about {duration(cost.setup_seconds)} to build the model")
    if slow:
        return CostCheck(cost, warning=f"very slow on {engine}: {' and '.join(slow)}")
    return CostCheck(cost)


def cost_summary(config: TrainConfig, vocab_size: int) -> str:
    """One line for a user: parameters, and roughly how long a step takes on each engine."""
    costs = [estimate(config, vocab_size, b) for b in ("scalar", "numpy")]
    steps = ", ".join(f"{duration(c.seconds_per_step)} on {c.backend}" for c in costs)
    return f"{costs[0].params:,} parameters; up to about {steps} per step"


def gigabytes(n: float) -> str:
    """1.7 GB, 36 MB."""
    return f"{n / 2**30:.1f} GB" if n >= 2**30 else f"{n / 2**20:.0f} MB"


def duration(seconds: float) -> str:
    """0.4 ms, 63 ms, 1.9 s, 4 min, 2.5 h."""
    if seconds < 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    if seconds < 1:
        return f"{seconds * 1e3:.0f} ms"
    if seconds < 100:
        return f"{seconds:.1f} s"
    if seconds < 6000:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
