"""One step, opened up: the forward pass alone, the loss after the update, the softmax at each
position, the finite-difference check and the per-position split of one gradient."""

import random

import numpy as np
import pytest

from microgpt import TrainConfig, Trainer, default_docs
from microgpt.fast import NumpyBackend
from microgpt.model import ParamLayout, init_params
from microgpt.scalar import ScalarBackend

ATOL = 1e-12  # scalar vs numpy: float rounding, not bit-exactness
SMALL = TrainConfig(n_embd=8, n_head=2, n_layer=2, block_size=8, num_steps=100, seed=7)
LONG_DOCS = ["bartholomew", "alexandrina", "maximiliano", "christabella", "evangeline"]
BACKENDS = {"scalar": ScalarBackend, "numpy": NumpyBackend}


def engine_and_params(name, docs, config):
    """A backend of the run's shape, freshly initialised params, and the first doc's tokens."""
    t = Trainer(docs, config)
    return (
        BACKENDS[name](config, t.layout, t.tokenizer.vocab_size),
        t.params,
        t.tokens_of(t.docs[0]),
    )


# --- the forward pass alone -------------------------------------------------------------


@pytest.mark.parametrize("backend", ["scalar", "numpy"])
@pytest.mark.parametrize(
    "docs, config", [(None, TrainConfig()), (LONG_DOCS, SMALL)], ids=["default", "2-layer long"]
)
def test_forward_gives_train_pass_numbers_bit_for_bit(backend, docs, config):
    engine, params, tokens = engine_and_params(backend, docs or default_docs(), config)
    kept = params.copy()
    f = engine.forward(params, list(tokens))
    p = engine.train_pass(params, list(tokens))
    n = min(config.block_size, len(tokens) - 1)
    assert f.loss == p.loss
    assert np.array_equal(f.position_losses, p.position_losses)
    assert f.probs.shape == (n, engine.vocab_size) and f.probs.dtype == np.float64
    assert np.array_equal(f.probs, p.probs)  # the pass keeps the softmax it computed
    assert np.array_equal(f.probs[np.arange(n), list(tokens[1:])], p.target_probs)
    assert np.array_equal(params, kept)


@pytest.mark.parametrize(
    "docs, config", [(None, TrainConfig()), (LONG_DOCS, SMALL)], ids=["default", "2-layer long"]
)
def test_forward_agrees_across_backends(docs, config):
    docs = docs or default_docs()
    scalar, params, tokens = engine_and_params("scalar", docs, config)
    fast, _, _ = engine_and_params("numpy", docs, config)
    a, b = scalar.forward(params, list(tokens)), fast.forward(params, list(tokens))
    assert abs(a.loss - b.loss) <= ATOL
    np.testing.assert_allclose(a.probs, b.probs, rtol=0, atol=ATOL)
    np.testing.assert_allclose(a.position_losses, b.position_losses, rtol=0, atol=ATOL)
    np.testing.assert_allclose(a.probs.sum(axis=1), 1.0, rtol=0, atol=ATOL)


def test_numpy_forward_leaves_the_training_views_alone():
    # forward() may see any vector (perturbed copies); train_pass must still read the run's own
    engine, params, tokens = engine_and_params("numpy", default_docs(), TrainConfig())
    first = engine.train_pass(params, list(tokens))
    other = params + 0.01
    assert engine.forward(other, list(tokens)).loss != first.loss
    assert engine.train_pass(params, list(tokens)).loss == first.loss


def test_position_grads_sum_to_the_gradient():
    config = SMALL
    layout = ParamLayout.build(config, 20)
    params = init_params(layout, random.Random(3), config.init_std)
    engine = NumpyBackend(config, layout, 20)
    tokens = [19, 3, 7, 7, 1, 12, 5, 8, 2]  # a full block (BOS + 8 ids)
    grads = engine.train_pass(params, tokens).grads
    for i in range(0, layout.size, 97):
        split = engine.position_grads(params, tokens, i)
        assert split.shape == (8,)
        assert abs(split.sum() - grads[i]) <= ATOL
