"""One step, opened up: the forward pass alone, the loss after the update, the softmax at each
position, the finite-difference check and the per-position split of one gradient."""

import json
import random
import re

import numpy as np
import pytest
import reference_microgpt as oracle  # tests/core is on sys.path

from microgpt import CheckpointError, GradientCheck, TrainConfig, Trainer, default_docs
from microgpt.backend import Interrupted
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


# --- the step's detail in its report ------------------------------------------------------


@pytest.fixture(scope="module")
def reference_run(reference_names):
    """The reference run's first 100 steps on numpy, each with its detailed report."""
    t = Trainer(reference_names, TrainConfig(seed=42, num_steps=1000), "numpy")
    reports = []
    for _ in range(100):
        t.step()
        reports.append(t.report(detail=True))
    return t, reports


def test_the_update_lowers_the_loss_of_its_own_document_almost_always(reference_run):
    _, reports = reference_run
    lower = sum(r.loss_after < r.loss for r in reports)
    assert lower >= 90, f"only {lower} of 100 steps lowered their document's loss"


def test_probs_are_the_softmax_at_each_position(reference_run):
    trainer, reports = reference_run
    vocab = trainer.tokenizer.vocab_size
    for r in reports:
        assert r.probs.shape == (r.n, vocab) and not r.probs.flags.writeable
        np.testing.assert_allclose(r.probs.sum(axis=1), 1.0, rtol=0, atol=ATOL)
        assert np.array_equal(r.probs[np.arange(r.n), list(r.tokens[1:])], r.target_probs)
        assert r.position_losses_after.shape == (r.n,)
        assert r.loss_after == pytest.approx(r.position_losses_after.mean(), rel=1e-12)


def test_loss_after_is_the_scalar_engine_s_loss_at_the_updated_params(reference_names):
    t = Trainer(reference_names, TrainConfig(seed=42, num_steps=1000), "numpy")
    scalar = ScalarBackend(t.config, t.layout, t.tokenizer.vocab_size)
    for _ in range(3):
        t.step()
        r = t.report(detail=True)
        other = scalar.forward(t.params, list(r.tokens))
        assert abs(r.loss_after - other.loss) <= ATOL
        np.testing.assert_allclose(r.position_losses_after, other.position_losses, atol=ATOL)


@pytest.mark.parametrize("backend", ["scalar", "numpy"])
def test_loss_after_is_the_oracle_s_next_loss_on_a_one_document_dataset(backend):
    # with one document, step k + 1 trains on the document step k updated for
    docs = ["emma"]
    losses, _ = oracle.run(docs, num_steps=10, stop=3, n_samples=0)
    t = Trainer(docs, TrainConfig(num_steps=10), backend)
    after = []
    for _ in range(2):
        t.step()
        after.append(t.report(detail=True).loss_after)
    if backend == "scalar":
        assert after == losses[1:]
    else:
        np.testing.assert_allclose(after, losses[1:], rtol=0, atol=ATOL)


def test_scalar_and_numpy_details_agree():
    runs = {}
    for backend in ("scalar", "numpy"):
        t = Trainer(default_docs(), TrainConfig(), backend)
        runs[backend] = []
        for _ in range(4):
            t.step()
            runs[backend].append(t.report(detail=True))
    for a, b in zip(runs["scalar"], runs["numpy"]):
        assert a.tokens == b.tokens
        np.testing.assert_allclose(a.probs, b.probs, rtol=0, atol=ATOL)
        assert abs(a.loss_after - b.loss_after) <= ATOL
        np.testing.assert_allclose(a.position_losses_after, b.position_losses_after, atol=ATOL)


def test_a_plain_report_has_no_detail_and_asking_for_it_upgrades_the_cache():
    t = Trainer(default_docs(), SMALL)
    t.step()
    plain = t.report()
    assert (plain.probs, plain.loss_after, plain.position_losses_after) == (None, None, None)
    detailed = t.report(detail=True)
    assert detailed.probs is not None and detailed.loss_after is not None
    assert t.report() is detailed and t.report(detail=True) is detailed
    assert (detailed.step, detailed.loss, detailed.doc) == (plain.step, plain.loss, plain.doc)
    assert detailed.params["wte"] is plain.params["wte"]  # the rest is shared, not rebuilt
    t.step()
    assert t.report().probs is None  # a new step: plain again until asked


def test_no_detail_before_the_first_step():
    t = Trainer(default_docs(), SMALL)
    assert t.report(detail=True) is None
    with pytest.raises(ValueError, match="no step"):
        t.gradient_check("wte", 0, 0)
    with pytest.raises(ValueError, match="no step"):
        t.position_split("wte", 0, 0)


def test_an_interrupted_detail_leaves_the_plain_report():
    t = Trainer(default_docs(), SMALL)
    t.step()
    t.should_stop = lambda: True
    with pytest.raises(Interrupted):
        t.report(detail=True)
    t.should_stop = None
    assert t.report().loss_after is None
    assert t.report(detail=True).loss_after is not None


def test_looking_into_steps_does_not_change_the_run(reference_names, reference_json):
    # fidelity: the same losses, params, random stream and samples as a run never asked
    config = TrainConfig(seed=42, num_steps=1000)
    looked, plain = Trainer(reference_names, config), Trainer(reference_names, config)
    losses = []
    for _ in range(3):
        losses.append(looked.step().loss)
        looked.report(detail=True)
        looked.gradient_check("layer0.attn_wq", 1, 2)
        looked.position_split("wpe", 0, 3)
    assert losses == reference_json["first_losses"][:3]
    assert losses == [plain.step().loss for _ in range(3)]
    assert looked.params.tolist() == plain.params.tolist()
    assert looked.rng.getstate() == plain.rng.getstate()
    assert [s.text for s in looked.sample(3)] == [s.text for s in plain.sample(3)]


# --- the finite-difference check and the per-position split -------------------------------


def largest_grad_cells(report, names):
    """(name, row, col) of the largest |grad| in each matrix."""
    out = []
    for name in names:
        g = np.abs(report.grads[name])
        out.append((name, *map(int, np.unravel_index(np.argmax(g), g.shape))))
    return out


@pytest.fixture(scope="module", params=["scalar", "numpy"])
def stepped(request):
    """A reference-shaped run two steps in, on each backend."""
    t = Trainer(default_docs(), TrainConfig(), request.param)
    t.step(), t.step()
    return t


def test_finite_differences_agree_with_autograd(stepped):
    # h = 1e-5: at the default 1e-4, w + h moves wpe[1, 13] across a ReLU kink in this step
    # (one hidden unit switches on) and the difference is 1.2e-3 off; at 1e-5, 5e-10 (measured)
    r = stepped.report()
    for name, row, col in largest_grad_cells(r, stepped.layout.names):
        c = stepped.gradient_check(name, row, col, h=1e-5)
        assert isinstance(c, GradientCheck)
        assert c.autograd == r.grads[name][row, col] and c.h == 1e-5
        assert abs(c.fd - c.autograd) <= 1e-6 * abs(c.autograd), (name, c)
        # centred on the step's own loss: the params before the update, not after
        assert (c.loss_plus + c.loss_minus) / 2 == pytest.approx(r.loss, abs=1e-7)


def test_a_weight_the_document_never_reads_has_zero_gradient_both_ways(stepped):
    r = stepped.report()
    absent = next(i for i in range(stepped.tokenizer.vocab_size) if i not in r.tokens)
    c = stepped.gradient_check("wte", absent, 5, h=1e-3)
    assert (c.fd, c.autograd, c.h) == (0.0, 0.0, 1e-3)
    assert c.loss_plus == c.loss_minus == r.loss


def test_a_gradient_check_with_the_default_h(stepped):
    # its time is scripts/bench_detail.py's to measure, not a threshold here
    c = stepped.gradient_check("layer0.mlp_fc1", 3, 4)  # the default h = 1e-4
    assert c.h == 1e-4 and c.autograd != 0
    assert abs(c.fd - c.autograd) <= 1e-6 * abs(c.autograd)


def test_the_position_split_sums_to_the_gradient(stepped):
    r = stepped.report()
    cells = largest_grad_cells(r, stepped.layout.names) + [("wpe", 2, 1), ("lm_head", 0, 0)]
    for name, row, col in cells:
        split = stepped.position_split(name, row, col)
        assert split.shape == (r.n,)
        assert abs(split.sum() - r.grads[name][row, col]) <= ATOL, name


def test_a_position_embedding_row_feeds_only_its_own_and_later_positions(stepped):
    # causal attention: wpe[p] is read at position p, and seen from positions >= p only
    r = stepped.report()
    for p in range(r.n):
        split = stepped.position_split("wpe", p, 0)
        assert np.all(split[:p] == 0) and split[p] != 0


BAD_CELLS = [
    (("wtf", 0, 0), "no parameter named 'wtf'"),
    (("layer0.attn_wq", 16, 0), "row must be a whole number in 0..15"),
    (("layer0.attn_wq", -1, 0), "row must"),
    (("wte", 0, 16), "col must be a whole number in 0..15"),
    (("wte", 1.0, 0), "row must"),
    (("wte", True, 0), "row must"),
    (("wte", 0, "1"), "col must"),
]


@pytest.mark.parametrize(("cell", "message"), BAD_CELLS, ids=[str(c) for c, _ in BAD_CELLS])
def test_a_cell_that_does_not_exist_is_a_clear_value_error(cell, message):
    t = Trainer(default_docs(), TrainConfig(), "numpy")
    t.step()
    with pytest.raises(ValueError, match=re.escape(message)):
        t.gradient_check(*cell)
    with pytest.raises(ValueError, match=re.escape(message)):
        t.position_split(*cell)


@pytest.mark.parametrize("h", [0, -1e-4, float("nan"), float("inf"), True, "0.1", None])
def test_h_must_be_a_positive_finite_number(h):
    t = Trainer(default_docs(), TrainConfig(), "numpy")
    t.step()
    with pytest.raises(ValueError, match="h must be a positive finite number"):
        t.gradient_check("wte", 0, 0, h=h)


# --- checkpoints keep the params before the last update ------------------------------------


def read_ckpt(path):
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    return json.loads(arrays.pop("meta").tobytes().decode()), arrays


def write_ckpt(path, meta, arrays):
    np.savez(path, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)


@pytest.mark.parametrize("backend", ["scalar", "numpy"])
def test_a_loaded_run_opens_its_last_step_as_the_saved_one(backend, tmp_path):
    t = Trainer(default_docs(), SMALL, backend)
    t.step(), t.step()
    t.save(tmp_path / "run.npz")
    loaded = Trainer.load(tmp_path / "run.npz")
    a, b = t.report(detail=True), loaded.report(detail=True)
    assert np.array_equal(a.probs, b.probs)  # recomputed from the saved params_before
    assert a.loss_after == b.loss_after
    assert np.array_equal(a.position_losses_after, b.position_losses_after)
    assert t.gradient_check("wpe", 1, 2) == loaded.gradient_check("wpe", 1, 2)
    assert np.array_equal(t.position_split("wte", 3, 1), loaded.position_split("wte", 3, 1))


def test_a_version_2_checkpoint_loads_with_its_detail_partly_unknown(tmp_path):
    t = Trainer(default_docs(), SMALL)
    t.step(), t.step()
    t.save(tmp_path / "run.npz")
    meta, arrays = read_ckpt(tmp_path / "run.npz")
    assert meta["version"] == 3
    del arrays["last_params_before"]
    write_ckpt(tmp_path / "v2.npz", {**meta, "version": 2}, arrays)
    loaded = Trainer.load(tmp_path / "v2.npz")
    r = loaded.report(detail=True)
    assert r.probs is None  # not invented from params - update
    assert r.loss_after == t.report(detail=True).loss_after  # the params after are saved
    for look in (loaded.gradient_check, loaded.position_split):
        with pytest.raises(ValueError, match="not saved in this checkpoint"):
            look("wte", 0, 0)
    assert loaded.step().loss == t.step().loss
    assert loaded.gradient_check("wpe", 0, 0) == t.gradient_check("wpe", 0, 0)


def test_params_before_of_the_wrong_shape_is_refused(tmp_path):
    t = Trainer(default_docs(), SMALL)
    t.step()
    t.save(tmp_path / "run.npz")
    meta, arrays = read_ckpt(tmp_path / "run.npz")
    arrays["last_params_before"] = arrays["last_params_before"][:-1]
    write_ckpt(tmp_path / "bad.npz", meta, arrays)
    with pytest.raises(CheckpointError, match="last_params_before"):
        Trainer.load(tmp_path / "bad.npz")
