"""The NumPy backend against the scalar backend: same gradients, losses, Adam state, samples."""

import random
import warnings

import numpy as np
import pytest

from microgpt import TrainConfig, Trainer, TrainingDiverged, default_docs
from microgpt.fast import NumpyBackend
from microgpt.model import ParamLayout, init_params
from microgpt.optim import adam_vectorised
from microgpt.scalar import Pass, ScalarBackend

ATOL = 1e-12  # agreement asked for: float rounding, not bit-exactness
STEPS = 50
SMALL = TrainConfig(n_embd=8, n_head=2, n_layer=2, block_size=8, num_steps=100, seed=7)
LONG_DOCS = ["bartholomew", "alexandrina", "maximiliano", "christabella", "evangeline"]


def stepped(trainer):
    """One step, and its full report."""
    trainer.step()
    return trainer.report()


def close(a, b, atol=ATOL):
    np.testing.assert_allclose(a, b, rtol=0, atol=atol)


def close_dicts(a: dict, b: dict):
    assert list(a) == list(b)
    for name in a:
        assert a[name].shape == b[name].shape, name
        np.testing.assert_allclose(a[name], b[name], rtol=0, atol=ATOL, err_msg=name)


@pytest.fixture(scope="module")
def runs():
    """STEPS reports of each backend on the bundled names, seed 42, reference schedule."""
    out = {}
    for backend in ("scalar", "numpy"):
        trainer = Trainer(default_docs(), TrainConfig(), backend)
        out[backend] = (trainer, [stepped(trainer) for _ in range(STEPS)])
    return out


# --- one pass -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "docs, config",
    [(None, TrainConfig()), (LONG_DOCS, SMALL)],
    ids=["default", "2-layer, doc longer than block_size"],
)
def test_step_1_gradient_of_every_parameter_matches_scalar(docs, config):
    docs = docs or default_docs()
    scalar = stepped(Trainer(docs, config, "scalar"))
    fast = stepped(Trainer(docs, config, "numpy"))
    assert fast.tokens == scalar.tokens and fast.backend == "numpy"
    if docs is LONG_DOCS:
        assert len(fast.doc) > config.block_size == fast.n == len(fast.tokens) - 1
    close_dicts(fast.grads, scalar.grads)
    assert fast.loss == pytest.approx(scalar.loss, rel=0, abs=ATOL)
    assert fast.attention.shape == scalar.attention.shape
    close(fast.attention, scalar.attention)
    close(fast.target_probs, scalar.target_probs)
    close(fast.position_losses, scalar.position_losses)


def test_train_pass_has_the_scalar_interface():
    config = SMALL
    layout = ParamLayout.build(config, 27)
    params = init_params(layout, random.Random(0), 0.08)
    tokens = [26, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 26]
    fast = NumpyBackend(config, layout, 27)
    a, b = fast.train_pass(params, tokens), fast.train_pass(params, tokens)
    ref = ScalarBackend(config, layout, 27).train_pass(params, tokens)
    assert isinstance(a, Pass) and NumpyBackend.adam is adam_vectorised
    assert a.grads.dtype == np.float64 and a.grads.shape == (layout.size,)
    assert a.grads is not b.grads and not np.shares_memory(a.grads, b.grads)
    close(a.grads, ref.grads)
    n = config.block_size
    assert a.attention.shape == (config.n_layer, config.n_head, n, n)
    close(a.attention, ref.attention)
    assert (np.triu(a.attention, k=1) == 0).all()  # nothing attends to a later position
    close(a.attention.sum(axis=-1), np.ones((config.n_layer, config.n_head, n)))
    assert a.t_forward >= 0 and a.t_backward >= 0


# --- whole runs ---------------------------------------------------------------------


def test_first_50_losses_match_scalar(runs):
    scalar, fast = runs["scalar"][1], runs["numpy"][1]
    close([r.loss for r in fast], [r.loss for r in scalar])
    assert [r.doc for r in fast] == [r.doc for r in scalar]


def test_report_arrays_match_scalar_every_step(runs):
    for s, f in zip(runs["scalar"][1], runs["numpy"][1]):
        assert f.lr == s.lr and f.tokens == s.tokens
        close(f.attention, s.attention)
        close(f.target_probs, s.target_probs)
        close(f.position_losses, s.position_losses)
        for field in ("params", "grads", "adam_m", "adam_v", "updates"):
            close_dicts(getattr(f, field), getattr(s, field))
        close(list(f.grad_norms.values()), list(s.grad_norms.values()))


def test_reports_are_read_only_snapshots(runs):
    trainer, reports = runs["numpy"]
    r = reports[-1]
    for field in ("params", "grads", "adam_m", "adam_v", "updates"):
        for a in getattr(r, field).values():
            assert not a.flags.writeable
            assert not np.shares_memory(a, trainer.params)
            assert not np.shares_memory(a, trainer.m) and not np.shares_memory(a, trainer.v)
    assert not r.attention.flags.writeable and not r.target_probs.flags.writeable
    assert not np.shares_memory(reports[-2].grads["wte"], r.grads["wte"])


@pytest.mark.parametrize("first, then", [("scalar", "numpy"), ("numpy", "scalar")])
def test_switching_backend_mid_run_continues_the_run(runs, first, then):
    trainer = Trainer(default_docs(), TrainConfig(), first)
    losses = [trainer.step().loss for _ in range(10)]
    trainer.set_backend(then)
    assert trainer.backend.name == then
    losses += [trainer.step().loss for _ in range(10)]
    close(losses, [r.loss for r in runs[then][1][:20]])


def test_reference_first_losses(reference_names, reference_json):
    trainer = Trainer(reference_names, TrainConfig(seed=reference_json["seed"]), "numpy")
    first = reference_json["first_losses"]
    close([trainer.step().loss for _ in first], first)


@pytest.mark.slow
def test_reference_1000_steps_and_samples_match_scalar(reference_names):
    out = {}
    for backend in ("scalar", "numpy"):
        trainer = Trainer(reference_names, TrainConfig(seed=42, num_steps=1000), backend)
        losses = [trainer.step().loss for _ in range(1000)]
        out[backend] = losses, [s.text for s in trainer.sample(20, 0.5)]
    close(out["numpy"][0], out["scalar"][0])
    assert out["numpy"][1] == out["scalar"][1]


# --- sampling -----------------------------------------------------------------------


def test_seeded_samples_equal_scalar_after_training(runs):
    scalar, fast = runs["scalar"][0], runs["numpy"][0]
    a, b = scalar.sample(20, 0.5, seed=3), fast.sample(20, 0.5, seed=3)
    assert [x.text for x in b] == [x.text for x in a]
    for x, y in zip(a, b):
        assert x.tokens == y.tokens
        close(y.probs, x.probs)


def test_prefix_samples_equal_scalar(runs):
    scalar, fast = runs["scalar"][0], runs["numpy"][0]
    for prefix in ("ma", "k"):
        a = scalar.sample(8, 0.8, seed=11, prefix=prefix)
        b = fast.sample(8, 0.8, seed=11, prefix=prefix)
        assert [x.text for x in b] == [x.text for x in a]
        assert all(x.text.startswith(prefix) for x in b)
        for x, y in zip(a, b):
            close(y.probs, x.probs)


def test_generate_consumes_the_random_stream_like_scalar():
    config = TrainConfig(block_size=6)
    trainers = {b: Trainer(default_docs(), config, b) for b in ("scalar", "numpy")}
    for t in trainers.values():
        for _ in range(3):
            t.step()
    texts = {b: [s.text for s in t.sample(15, 2.0)] for b, t in trainers.items()}
    assert texts["numpy"] == texts["scalar"]
    assert max(len(s) for s in texts["numpy"]) <= config.block_size
    assert trainers["numpy"].rng.getstate() == trainers["scalar"].rng.getstate()


# --- bad runs -----------------------------------------------------------------------


def test_divergent_run_raises_without_runtime_warnings():
    trainer = Trainer(default_docs(), TrainConfig(learning_rate=10.0), "numpy")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TrainingDiverged):
            for _ in range(20):
                trainer.step()
        step = trainer.step_count
        trainer.params[:] = 1e200  # overflows inside the pass
        with pytest.raises(TrainingDiverged):
            trainer.step()
    assert trainer.step_count == step  # the failed steps were not applied
