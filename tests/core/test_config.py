"""TrainConfig: the reference defaults, and a ConfigError naming the field for every bad value."""

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from microgpt import ConfigError, TrainConfig

REFERENCE = {
    "n_embd": 16,
    "n_head": 4,
    "n_layer": 1,
    "block_size": 16,
    "learning_rate": 0.01,
    "beta1": 0.85,
    "beta2": 0.99,
    "eps": 1e-8,
    "init_std": 0.08,
    "num_steps": 1000,
    "seed": 42,
}


def test_defaults_are_the_reference_hyper_parameters():
    assert TrainConfig().to_dict() == REFERENCE
    assert TrainConfig().head_dim == 4


def test_config_is_frozen():
    cfg = TrainConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.n_embd = 32


def test_dict_round_trip():
    cfg = TrainConfig(n_embd=8, n_head=2, block_size=8, num_steps=7, seed=3, beta1=0.0)
    assert TrainConfig.from_dict(cfg.to_dict()) == cfg


def test_from_dict_rejects_unknown_fields_by_name():
    with pytest.raises(ConfigError, match="n_embed"):
        TrainConfig.from_dict({**REFERENCE, "n_embed": 16})


INVALID = [
    # sizes: non-positive
    *[(f, v) for f in ("n_embd", "n_head", "n_layer", "block_size", "num_steps") for v in (0, -1)],
    # learning rate <= 0
    ("learning_rate", 0),
    ("learning_rate", 0.0),
    ("learning_rate", -0.01),
    # betas outside [0, 1)
    ("beta1", 1.0),
    ("beta1", -0.1),
    ("beta1", 1.5),
    ("beta2", 1.0),
    ("beta2", -1e-9),
    ("eps", 0.0),
    ("eps", -1e-8),
    ("init_std", 0.0),
    ("init_std", -0.08),
    ("seed", -1),
    # NaN and infinities
    *[(f, v) for f in ("learning_rate", "beta1", "beta2", "eps", "init_std") for v in (math.nan,)],
    *[(f, v) for f in ("learning_rate", "eps", "init_std") for v in (math.inf, -math.inf)],
    # wrong types
    *[
        (f, v)
        for f in ("n_embd", "n_layer", "block_size", "num_steps", "seed")
        for v in ("16", 16.0)
    ],
    ("n_head", None),
    ("n_layer", True),
    ("seed", 4.2),
    ("learning_rate", "0.01"),
    ("learning_rate", None),
    ("beta1", True),
    ("beta2", [0.99]),
    ("eps", "tiny"),
    ("init_std", complex(0.08, 0)),
]


@pytest.mark.parametrize(("field", "value"), INVALID, ids=[f"{f}={v!r}" for f, v in INVALID])
def test_invalid_value_raises_config_error_naming_the_field(field, value):
    with pytest.raises(ConfigError) as info:
        TrainConfig(**{field: value})
    assert field in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(("n_embd", "n_head"), [(16, 3), (10, 4), (8, 16), (15, 2)])
def test_n_embd_not_divisible_by_n_head(n_embd, n_head):
    with pytest.raises(ConfigError) as info:
        TrainConfig(n_embd=n_embd, n_head=n_head)
    assert "n_embd" in str(info.value) and "n_head" in str(info.value)


@pytest.mark.parametrize(
    "overrides",
    [
        {"beta1": 0.0, "beta2": 0.0},
        {"beta1": 0.999999, "learning_rate": 1},
        {"n_embd": 4, "n_head": 4},
        {"n_embd": 8, "n_head": 1, "n_layer": 2, "block_size": 1, "num_steps": 1, "seed": 0},
    ],
)
def test_edge_values_that_are_valid(overrides):
    cfg = TrainConfig(**overrides)
    assert all(getattr(cfg, k) == v for k, v in overrides.items())


@given(st.integers(1, 64), st.integers(1, 64))
def test_divisibility_is_the_only_constraint_between_n_embd_and_n_head(n_embd, n_head):
    if n_embd % n_head:
        with pytest.raises(ConfigError):
            TrainConfig(n_embd=n_embd, n_head=n_head)
    else:
        assert TrainConfig(n_embd=n_embd, n_head=n_head).head_dim * n_head == n_embd
