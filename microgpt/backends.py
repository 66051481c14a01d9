"""The two backends by name: BACKENDS and make_backend ('scalar': Values, 'numpy': arrays)."""

from .config import TrainConfig
from .errors import ConfigError
from .model import ParamLayout
from .scalar import ScalarBackend

BACKENDS = ("scalar", "numpy")


def make_backend(name: str, config: TrainConfig, layout: ParamLayout, vocab_size: int):
    if name == "scalar":
        return ScalarBackend(config, layout, vocab_size)
    if name == "numpy":
        from .fast import NumpyBackend

        return NumpyBackend(config, layout, vocab_size)
    raise ConfigError(f"backend must be one of {', '.join(BACKENDS)}, got {name!r}")
