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


@given(st.integers(1, 64), st.integers(1, 32))
def test_divisibility_is_the_only_constraint_between_n_embd_and_n_head(n_embd, n_head):
    if n_embd % n_head:
        with pytest.raises(ConfigError):
            TrainConfig(n_embd=n_embd, n_head=n_head)
    else:
        assert TrainConfig(n_embd=n_embd, n_head=n_head).head_dim * n_head == n_embd


# --- bounds that keep a run on a laptop (#9, item 5) ---------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"n_embd": 512, "n_head": 64, "n_layer": 12, "block_size": 256},  # the 27 s, 2.4 GB
        {"n_embd": 512, "n_head": 8},
        {"n_layer": 12},
        {"block_size": 256},
        {"init_std": 1e300},  # diverged at step 1
        {"init_std": 1.5},
        {"eps": 1e300},
    ],
)
def test_sizes_and_scales_a_laptop_cannot_use_are_refused(overrides):
    with pytest.raises(ConfigError) as info:
        TrainConfig(**overrides)
    assert any(name in str(info.value) for name in overrides)


def test_init_std_of_one_is_the_largest_accepted():
    assert TrainConfig(init_std=1.0).init_std == 1.0
    with pytest.raises(ConfigError, match=r"init_std must be in \(0, 1\]"):
        TrainConfig(init_std=1.0000001)


def largest_config():
    from microgpt.config import LIMITS

    return TrainConfig(
        n_embd=LIMITS["n_embd"],
        n_head=LIMITS["n_head"],
        n_layer=LIMITS["n_layer"],
        block_size=LIMITS["block_size"],
    )


@pytest.mark.parametrize("vocab_size", [2, 27, 1001])
@pytest.mark.parametrize(
    "config",
    [TrainConfig(), TrainConfig(n_embd=8, n_head=2, n_layer=3, block_size=5), largest_config()],
    ids=["reference", "small", "largest"],
)
def test_param_count_is_the_layouts(config, vocab_size):
    from microgpt.config import param_count
    from microgpt.model import ParamLayout

    assert param_count(config, vocab_size) == ParamLayout.build(config, vocab_size).size


def test_everything_the_limits_accept_can_run_on_numpy():
    from microgpt.config import MAX_MEMORY, check_cost
    from microgpt.data import MAX_VOCAB

    check = check_cost(largest_config(), MAX_VOCAB + 1, "numpy")
    assert check.ok and check.cost.memory < MAX_MEMORY


def test_the_reference_config_is_fine_on_both_engines():
    from microgpt.config import check_cost

    for backend in ("scalar", "numpy"):
        check = check_cost(TrainConfig(), 27, backend)
        assert (check.ok, check.refusal, check.warning) == (True, "", ""), backend


def test_a_model_too_big_for_the_scalar_engine_is_refused_in_the_users_terms():
    from microgpt.config import check_cost

    config = TrainConfig(n_embd=128, n_head=4, n_layer=4, block_size=64)
    check = check_cost(config, 27, "scalar")
    assert not check.ok
    assert "too big for the scalar engine" in check.refusal
    assert "GB of memory" in check.refusal and "the limit is 2.0 GB" in check.refusal
    assert "numpy" in check.refusal  # what to do instead
    assert check_cost(config, 27, "numpy").ok


def test_a_slow_config_gets_a_warning_with_the_time_per_step():
    from microgpt.config import check_cost

    check = check_cost(TrainConfig(n_embd=64, n_layer=2, block_size=32), 27, "scalar")
    assert check.ok and not check.refusal
    assert check.warning.startswith("very slow on the scalar engine: about ")
    assert check.warning.endswith(" s per step")


def test_the_summary_names_parameters_and_both_engines():
    from microgpt.config import cost_summary

    assert cost_summary(TrainConfig(), 27) == (
        "4,192 parameters; up to about 217 ms on scalar, 0.5 ms on numpy per step"
    )


@pytest.mark.parametrize(
    "config",
    [
        TrainConfig(n_embd=8, n_head=2, block_size=8),
        TrainConfig(),
        TrainConfig(n_embd=24, n_head=3, n_layer=2, block_size=12),
    ],
    ids=["e8", "reference", "e24-L2"],
)
def test_scalar_estimate_counts_the_values_a_step_really_builds(config, monkeypatch):
    # the memory and time of a scalar step are Values x bytes and Values x seconds
    from microgpt import Trainer, engine
    from microgpt.config import scalar_values

    docs = ["abcdefghijklmnopqrstuvwxyz"[: config.block_size]]  # block_size + 1 tokens: the worst
    trainer = Trainer(docs, replace_steps(config), "scalar")
    made = [0]
    init = engine.Value.__init__

    def counting(self, *args, **kwargs):
        made[0] += 1
        init(self, *args, **kwargs)

    monkeypatch.setattr(engine.Value, "__init__", counting)
    trainer.step()
    estimated = scalar_values(config, trainer.tokenizer.vocab_size)
    assert 0.9 < estimated / made[0] < 1.1, (estimated, made[0])


def replace_steps(config):
    return dataclasses.replace(config, num_steps=3)


# --- sampling temperature (#9, item 11) -------------------------------------------------------


@pytest.mark.parametrize(
    "bad", [1e-320, 0.009, 0, -0.5, 100.5, math.inf, math.nan, "0.5", None, True]
)
def test_check_temperature_refuses_what_sampling_cannot_use_and_says_the_range(bad):
    from microgpt.config import check_temperature

    with pytest.raises(ConfigError) as info:
        check_temperature(bad)
    assert "between 0.01 and 100" in str(info.value)


@pytest.mark.parametrize("good", [0.01, 0.5, 1, 100])
def test_check_temperature_returns_a_float(good):
    from microgpt.config import check_temperature

    assert check_temperature(good) == good and isinstance(check_temperature(good), float)
