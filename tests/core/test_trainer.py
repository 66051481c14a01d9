"""Trainer: what a step reports, sampling, and bad arguments."""

import gc
import math
import random

import numpy as np
import pytest

from microgpt import (
    ConfigError,
    DatasetError,
    Sample,
    StepReport,
    TrainConfig,
    Trainer,
    TrainingComplete,
    TrainingDiverged,
    VocabularyError,
    default_docs,
)
from microgpt.optim import lr_at

SMALL = TrainConfig(n_embd=8, n_head=2, block_size=8, num_steps=6)


@pytest.fixture(scope="module")
def docs():
    return default_docs()


@pytest.fixture
def trainer(docs):
    return Trainer(docs, SMALL)


def test_docs_are_shuffled_once_with_the_seed(docs):
    t = Trainer(docs, SMALL)
    expected = list(docs)
    random.Random(SMALL.seed).shuffle(expected)
    assert t.docs == expected
    assert docs == default_docs()  # the caller's list is not shuffled in place


def test_init_draws_gauss_after_the_shuffle(docs):
    t = Trainer(docs, SMALL)
    rng = random.Random(SMALL.seed)
    rng.shuffle(list(docs))
    expected = [rng.gauss(0, SMALL.init_std) for _ in range(t.layout.size)]
    assert t.params.tolist() == expected
    assert t.layout.names[:3] == ("wte", "wpe", "lm_head")


def test_step_report_contents(trainer):
    before = trainer.params.copy()
    trainer.step()
    r = trainer.report()
    assert isinstance(r, StepReport) and trainer.report() is r
    tok = trainer.tokenizer
    assert (r.step, r.num_steps, r.backend) == (1, SMALL.num_steps, "scalar")
    assert r.lr == lr_at(SMALL, 0) == SMALL.learning_rate
    assert r.doc == trainer.docs[0]
    full = [tok.bos] + tok.encode(r.doc) + [tok.bos]
    n = min(SMALL.block_size, len(full) - 1)
    assert r.tokens == tuple(full[: n + 1])  # only the tokens the step uses
    assert r.n == n and r.position_losses.shape == (n,) and r.target_probs.shape == (n,)
    assert np.allclose(r.position_losses, -np.log(r.target_probs), rtol=1e-12)
    assert r.loss == pytest.approx(float(np.mean(r.position_losses)), rel=1e-12)
    for group in (r.params, r.grads, r.adam_m, r.adam_v, r.updates):
        assert tuple(group) == trainer.layout.names
        assert [a.shape for a in group.values()] == list(trainer.layout.shapes)
    flat = np.concatenate([r.params[k].ravel() for k in trainer.layout.names])
    upd = np.concatenate([r.updates[k].ravel() for k in trainer.layout.names])
    assert np.array_equal(flat, trainer.params)  # values after the update
    assert np.array_equal(before + upd, flat)  # updates are the change this step applied
    assert set(r.timings) == {"forward", "backward", "update"}
    assert all(t >= 0 for t in r.timings.values())
    assert r.chars == tuple(tok.chars)
    assert trainer.history[-1].loss == r.loss


def test_report_arrays_are_read_only_copies(trainer):
    trainer.step()
    r = trainer.report()
    with pytest.raises(ValueError):
        r.params["wte"][0, 0] = 1.0
    with pytest.raises(ValueError):
        r.target_probs[0] = 1.0
    trainer.step()
    assert not np.array_equal(
        np.concatenate([r.params[k].ravel() for k in trainer.layout.names]), trainer.params
    )


def test_attention_rows_are_causal_distributions(trainer):
    trainer.step()
    r = trainer.report()
    cfg = trainer.config
    assert r.attention.shape == (cfg.n_layer, cfg.n_head, r.n, r.n)
    assert np.allclose(r.attention.sum(axis=-1), 1.0)
    assert np.all(np.triu(r.attention, k=1) == 0)


def test_adam_state_after_first_step(trainer):
    trainer.step()
    r = trainer.report()
    b1, b2 = SMALL.beta1, SMALL.beta2
    for k in trainer.layout.names:
        assert np.allclose(r.adam_m[k], (1 - b1) * r.grads[k], rtol=1e-12, atol=0)
        assert np.allclose(r.adam_v[k], (1 - b2) * r.grads[k] ** 2, rtol=1e-12, atol=0)


def test_grads_are_captured_before_zeroing_and_match_finite_differences(docs):
    cfg = TrainConfig(n_embd=4, n_head=2, block_size=4, num_steps=2)
    t = Trainer(docs, cfg)
    params = t.params.copy()
    tokens = t.tokens_of(t.docs[0])
    t.step()
    r = t.report()
    grads = np.concatenate([r.grads[k].ravel() for k in t.layout.names])
    assert np.any(grads != 0)
    rng = np.random.default_rng(0)
    nonzero = np.flatnonzero(grads)
    h = 1e-6
    for i in rng.choice(nonzero, size=12, replace=False):
        up, down = params.copy(), params.copy()
        up[i] += h
        down[i] -= h
        numeric = (
            t.backend.train_pass(up, tokens).loss - t.backend.train_pass(down, tokens).loss
        ) / (2 * h)
        assert grads[i] == pytest.approx(numeric, rel=1e-4, abs=1e-7)


def test_embedding_rows_of_absent_chars_get_zero_grad(trainer):
    trainer.step()
    r = trainer.report()
    present = set(r.tokens)
    for row in range(trainer.tokenizer.vocab_size):
        zero = not np.any(r.grads["wte"][row])
        assert zero == (row not in present)
    assert not np.any(r.grads["wpe"][r.n :])  # positions never reached
    assert np.all(np.any(r.grads["wpe"][: r.n], axis=1))


def test_lr_decays_linearly_and_follows_set_learning_rate(trainer):
    lrs = [trainer.step().lr for _ in range(3)]
    assert lrs == [SMALL.learning_rate * (1 - s / SMALL.num_steps) for s in range(3)]
    trainer.set_learning_rate(0.05)
    assert trainer.step().lr == 0.05 * (1 - 3 / SMALL.num_steps)


def test_step_after_the_schedule_raises(docs):
    t = Trainer(docs, TrainConfig(n_embd=4, n_head=1, block_size=4, num_steps=2))
    t.step(), t.step()
    assert t.done
    with pytest.raises(TrainingComplete):
        t.step()
    assert t.step_count == 2


def test_diverged_step_is_not_applied(trainer):
    trainer.step()
    trainer.params[: trainer.layout.size // 3] = np.inf  # wte and friends
    before = (trainer.params.copy(), trainer.m.copy(), trainer.v.copy(), trainer.step_count)
    history = list(trainer.history)
    with pytest.raises(TrainingDiverged) as info:
        trainer.step()
    assert isinstance(info.value, ArithmeticError) and info.value.step == 2
    assert np.array_equal(trainer.params, before[0]) and trainer.step_count == before[3]
    assert np.array_equal(trainer.m, before[1]) and np.array_equal(trainer.v, before[2])
    assert trainer.history == history
    assert gc.isenabled()


def test_gc_is_enabled_again_after_a_step(trainer):
    assert gc.isenabled()
    trainer.step()
    assert gc.isenabled()


@pytest.mark.parametrize("bad", [[], [""], ["ok", ""], ["ok", 3]])
def test_bad_docs_list_is_a_dataset_error(bad):
    with pytest.raises(DatasetError):
        Trainer(bad, SMALL)


def test_unknown_backend_is_a_config_error(docs):
    with pytest.raises(ConfigError, match="backend"):
        Trainer(docs, SMALL, backend="cuda")


def test_info_describes_the_run(trainer):
    trainer.step()
    info = trainer.info()
    assert (info.step, info.num_docs, info.backend) == (1, len(trainer.docs), "scalar")
    assert (
        info.param_names == trainer.layout.names and info.vocab_size == trainer.tokenizer.vocab_size
    )
    assert info.history.loss.tolist() == [p.loss for p in trainer.history]
    assert info.history.first == 1 and len(info.history) == len(trainer.history)


# --- sampling -------------------------------------------------------------------------


def texts(samples):
    return [s.text for s in samples]


def test_int_seed_is_reproducible_and_leaves_the_run_stream_alone(trainer):
    trainer.step()
    state = trainer.rng.getstate()
    a, b = trainer.sample(6, seed=7), trainer.sample(6, seed=7)
    assert texts(a) == texts(b)
    assert all(np.array_equal(x.probs, y.probs) for x, y in zip(a, b))
    assert trainer.rng.getstate() == state
    assert texts(trainer.sample(6, seed=8)) != texts(a)


def test_seed_none_continues_the_trainer_stream(docs):
    one, two = Trainer(docs, SMALL), Trainer(docs, SMALL)
    one.step(), two.step()
    first, second = one.sample(4), one.sample(4)
    assert texts(first) + texts(second) == texts(two.sample(8))
    assert one.rng.getstate() == two.rng.getstate()
    assert texts(one.sample(4, seed=5)) == texts(two.sample(4, seed=5))


def test_seed_none_uses_the_state_left_by_init(docs):
    t = Trainer(docs, SMALL)
    rng = random.Random(SMALL.seed)
    rng.shuffle(list(docs))
    for _ in range(t.layout.size):
        rng.gauss(0, SMALL.init_std)
    assert t.rng.getstate() == rng.getstate()
    # seed None draws from exactly that stream, with random.choices
    assert texts(t.sample(5)) == texts(_sample_with(t, rng, 5))
    assert t.rng.getstate() == rng.getstate()


def _sample_with(t, rng, n):
    out = []
    for _ in range(n):
        ids, _ = t.backend.generate(t.params, rng, t.tokenizer.bos, 0.5, [])
        out.append(Sample(t.tokenizer.decode(ids), "", tuple(ids), np.zeros((0, 0)), False))
    return out


def test_samples_probs_rows_sum_to_one_and_end_with_the_bos_row(trainer):
    for _ in range(3):
        trainer.step()
    bos, vocab = trainer.tokenizer.bos, trainer.tokenizer.vocab_size
    samples = trainer.sample(20, temperature=1.0, seed=3)
    ended = 0
    for s in samples:
        assert s.probs.shape == (len(s.tokens), vocab)
        assert np.allclose(s.probs.sum(axis=1), 1.0, rtol=0, atol=1e-12)
        assert s.text == trainer.tokenizer.decode(s.tokens)
        assert all(p[t] > 0 for p, t in zip(s.probs, s.tokens))
        if s.tokens and s.tokens[-1] == bos:
            ended += 1
            assert bos not in s.tokens[:-1]
            assert len(s.text) == len(s.tokens) - 1
        else:
            assert len(s.tokens) == trainer.config.block_size
        assert s.in_data == (s.text in trainer.docs)
        with pytest.raises(ValueError):
            s.probs[0, 0] = 0.5
    assert ended > 0


def test_prefix_is_kept_and_fed(trainer):
    trainer.step()
    prefix = trainer.docs[0][:2]
    samples = trainer.sample(5, seed=1, prefix=prefix)
    assert all(s.text.startswith(prefix) and s.prefix == prefix for s in samples)
    assert all(s.text == prefix + trainer.tokenizer.decode(s.tokens) for s in samples)
    assert all(len(s.tokens) <= trainer.config.block_size - len(prefix) for s in samples)


@pytest.mark.parametrize("prefix", ["Q", "a7", "ü"])
def test_prefix_out_of_vocabulary_names_the_char(trainer, prefix):
    bad = next(c for c in prefix if c not in trainer.tokenizer.chars)
    state = trainer.rng.getstate()
    with pytest.raises(VocabularyError) as info:
        trainer.sample(3, prefix=prefix)
    assert repr(bad) in str(info.value)
    assert trainer.rng.getstate() == state


def test_prefix_longer_than_the_context_is_a_value_error(trainer):
    with pytest.raises(ValueError, match="prefix"):
        trainer.sample(1, prefix="a" * trainer.config.block_size)


@pytest.mark.parametrize("temperature", [0, 0.0, -0.5, math.nan, math.inf, "0.5", None])
def test_bad_temperature(trainer, temperature):
    with pytest.raises(ValueError, match="temperature"):
        trainer.sample(2, temperature=temperature)


@pytest.mark.parametrize("n", [0, -1, 10_001, 2.0, True, "3"])
def test_bad_sample_count(trainer, n):
    with pytest.raises(ValueError):
        trainer.sample(n)


def test_a_long_document_costs_only_the_tokens_a_step_uses(docs):
    """A 1 MB line trains like any other: only block_size + 1 tokens are encoded."""
    long_doc = "abcdefghijklmnopqrstuvwxyz" * 40_000
    t = Trainer([long_doc], TrainConfig(n_embd=8, n_head=2, block_size=8, num_steps=3), "numpy")
    calls = []
    encode = t.tokenizer.encode
    t.tokenizer.encode = lambda text: calls.append(len(text)) or encode(text)
    t.step()
    t.step()
    assert calls == [8]  # encoded once, and only the first block_size chars
    r = t.report()
    assert r.n == 8 and len(r.tokens) == 9 and r.doc is t.docs[0]


def test_step_returns_a_point_and_the_report_is_built_on_demand(trainer):
    point = trainer.step()
    assert point == trainer.history[-1] and point.step == 1
    assert trainer.report() is trainer.report()  # built once
    trainer.step()
    assert trainer.report().step == 2


def test_a_stop_check_interrupts_a_step_and_leaves_the_run_untouched(docs):
    from microgpt.backend import Interrupted

    t = Trainer(docs, SMALL)
    before = (t.params.copy(), t.m.copy(), t.step_count, t.rng.getstate())
    t.should_stop = lambda: True
    with pytest.raises(Interrupted):
        t.step()
    with pytest.raises(Interrupted):
        t.sample(3)
    assert np.array_equal(t.params, before[0]) and np.array_equal(t.m, before[1])
    assert (t.step_count, t.rng.getstate()) == before[2:]
    t.should_stop = None
    assert t.step().loss == Trainer(docs, SMALL).step().loss


def test_a_stop_check_interrupts_ordering_and_backward_every_chunk(monkeypatch):
    """Asked every CHUNK nodes, so a huge model's step can still be stopped within one."""
    from microgpt import Value, engine
    from microgpt.backend import Interrupted

    monkeypatch.setattr(engine, "CHUNK", 100)
    x = Value(1.0)
    total = x
    for _ in range(1000):
        total = total + x * x
    in_topo = []
    total.topo(lambda: in_topo.append(1) and False)
    assert len(in_topo) > 3
    for stop_at in (3, len(in_topo) + 3):  # inside the ordering, then inside the backward
        asked = []
        with pytest.raises(Interrupted):
            total.backward(lambda a=asked, k=stop_at: a.append(1) or len(a) >= k)
        assert len(asked) == stop_at
    asked = []
    total.backward(lambda: asked.append(1) and False)
    assert x.grad != 0 and len(asked) > len(in_topo)


def test_divergence_names_the_setting_to_blame():
    from dataclasses import replace

    wide = replace(SMALL, init_std=0.9)
    assert "init_std 0.9" in str(TrainingDiverged(1, math.nan, wide))
    assert "learning rate (0.01) is too high" in str(TrainingDiverged(4, math.inf, SMALL))


def test_mean_abs_grad_is_kept_every_step(docs):
    t = Trainer(docs, SMALL, "numpy")
    ema = np.zeros(t.layout.size)
    for _ in range(3):
        t.step()
        g = np.concatenate([t.report().grads[k].ravel() for k in t.layout.names])
        ema = 0.9 * ema + 0.1 * np.abs(g)
    got = np.concatenate([t.report().mean_abs_grads[k].ravel() for k in t.layout.names])
    np.testing.assert_allclose(got, ema / (1 - 0.9**3), rtol=1e-12)


def test_history_is_compact(docs):
    t = Trainer(docs, TrainConfig(num_steps=2000), "numpy")
    for _ in range(2000):
        t.step()
    assert t.history.nbytes() / 2000 <= 64
    assert len(t.info().history) == 2000


def test_switching_to_an_engine_too_small_for_the_model_is_refused(docs):
    big = TrainConfig(n_embd=256, n_head=4, n_layer=8, block_size=128, num_steps=10)
    t = Trainer(docs[:50], big, "numpy")
    with pytest.raises(ConfigError, match="too big for the scalar engine"):
        t.set_backend("scalar")
    assert t.backend.name == "numpy"
