"""The scale lab's core: split, held-out loss, counting baselines, runs and sweeps."""

import concurrent.futures as cf
import math
import os
import pickle
import subprocess
import sys
import time
from collections import Counter

import numpy as np
import pytest

from microgpt import TrainConfig, Trainer
from microgpt.fast import NumpyBackend
from microgpt.lab import Split, Sweep, compute_baselines, held_out_loss, make_split
from microgpt.lab.baselines import NgramModel
from microgpt.lab.channel import RunCancelled
from microgpt.lab.runner import RunSpec, specs_for_axis, train_run
from microgpt.model import ParamLayout, init_params

NAMES = [
    "anna", "bob", "carla", "dave", "eve", "fred", "gina", "hal", "ida", "jon", "kim",
    "lea", "max", "nora", "otto", "pia", "quinn", "rosa", "sam", "tom", "uma", "vera",
]  # fmt: skip
TINY = TrainConfig(n_embd=4, n_head=2, num_steps=40, seed=3)


def test_split_is_seeded_and_disjoint_and_leaves_the_docs_alone():
    docs = NAMES + ["anna"]  # a repeat may not land on both sides
    before = list(docs)
    split = make_split(docs, n_held_out=5)
    assert docs == before
    assert not set(split.train) & set(split.held_out)
    assert set(split.train) | set(split.held_out) == set(NAMES)
    assert len(split.held_out) == 5
    assert make_split(docs, n_held_out=5) == split
    assert make_split(docs, n_held_out=5, seed=7) != split
    with pytest.raises(ValueError, match="cannot hold out"):
        make_split(["a", "b"], n_held_out=2)


def test_main_run_still_trains_on_every_name():
    docs = list(NAMES)
    make_split(docs, n_held_out=5)
    assert sorted(Trainer(docs, TINY, "numpy").docs) == sorted(NAMES)


def test_baselines_match_a_direct_count():
    split = Split(train=("ab", "abb", "ba"), held_out=("bab", "a"))
    k, V = 0.5, 3  # chars a, b and BOS
    b = compute_baselines(split, k=k, n_samples=3)
    assert b.uniform == math.log(V)

    def direct(order):  # '^' pads and ends a name; count (context, next) by hand
        pairs = Counter()
        for d in split.train:
            s = "^" * (order - 1) + d + "^"
            pairs.update((s[i - order + 1 : i], s[i]) for i in range(order - 1, len(s)))
        totals = Counter()
        for (ctx, _), c in pairs.items():
            totals[ctx] += c
        losses = []
        for d in split.held_out:
            s = "^" * (order - 1) + d + "^"
            for i in range(order - 1, len(s)):
                ctx = s[i - order + 1 : i]
                losses.append(-math.log((pairs[ctx, s[i]] + k) / (totals[ctx] + k * V)))
        return sum(losses) / len(losses)

    assert b.bigram == pytest.approx(direct(2), rel=1e-12)
    assert b.trigram == pytest.approx(direct(3), rel=1e-12)
    assert b.bigram != b.trigram
    assert len(b.bigram_samples) == 3 and all(set(s) <= {"a", "b"} for s in b.bigram_samples)


def test_ngram_probabilities_sum_to_one_and_unseen_context_is_uniform():
    split = make_split(NAMES, n_held_out=5)
    m = NgramModel(3, split.train, split)
    assert m.probs((split.tokenizer.bos, 0)).sum() == pytest.approx(1.0)
    v = split.tokenizer.vocab_size
    assert np.allclose(m.probs((99, 99)), 1 / v)


def _direct_losses(cfg, split, params, doc):
    """Each position from its own forward pass over at most block_size tokens before it."""
    v = split.tokenizer.vocab_size
    backend = NumpyBackend(cfg, ParamLayout.build(cfg, v), v)
    t = split.tokens(doc)
    return [
        backend.forward(params, t[max(0, i - cfg.block_size + 1) : i + 2]).position_losses[-1]
        for i in range(len(t) - 1)
    ]


@pytest.mark.parametrize("block_size", [2, 16])
def test_held_out_loss_is_the_mean_over_every_position(block_size):
    import random

    split = make_split(NAMES, n_held_out=4)
    cfg = TrainConfig(n_embd=4, n_head=2, block_size=block_size)
    layout = ParamLayout.build(cfg, split.tokenizer.vocab_size)
    params = init_params(layout, random.Random(0), 0.5)
    losses = [x for d in split.held_out for x in _direct_losses(cfg, split, params, d)]
    assert len(losses) == sum(len(d) + 1 for d in split.held_out)
    assert held_out_loss(params, cfg, split) == pytest.approx(np.mean(losses), rel=1e-12)


def test_a_run_returns_plain_data_and_repeats_exactly():
    split = make_split(NAMES, n_held_out=4)
    spec = RunSpec(TINY, n_train=10, eval_every=10, n_samples=10)
    a, b = train_run(spec, split), train_run(spec, split)
    assert a.steps == (10, 20, 30, 40)
    assert a.params == ParamLayout.build(TINY, split.tokenizer.vocab_size).size
    assert len(a.samples) == 10 and set(a.kinds) <= {"train", "held-out", "new"}
    assert a.held_out_loss[-1] < math.log(split.tokenizer.vocab_size)
    for field in ("train_loss", "held_out_loss", "samples", "kinds"):
        assert getattr(a, field) == getattr(b, field)
    again = pickle.loads(pickle.dumps((spec, split, a)))  # what crosses to a worker and back
    assert again == (spec, split, a)


def test_specs_for_axis_change_one_setting():
    specs = specs_for_axis("n_embd", [2, 8], TrainConfig(), n_train=100)
    assert [(s.config.n_embd, s.config.n_head, s.value) for s in specs] == [(2, 2, 2), (8, 4, 8)]
    assert [s.n_train for s in specs_for_axis("names", [5, 9], TINY, 1)] == [5, 9]
    with pytest.raises(ValueError, match="axis"):
        specs_for_axis("colour", [1], TINY, 1)


def _sweep_numbers(executor):
    split = make_split(NAMES, n_held_out=4)
    specs = specs_for_axis("n_embd", [2, 4, 8], TINY, n_train=12)
    with Sweep(specs, split, executor) as sweep:
        results = sorted(sweep.as_completed(timeout=120), key=lambda r: r.index)
    return [(r.spec, r.held_out_loss, r.train_loss, r.samples) for r in results]


def test_a_fixed_seed_sweep_repeats_exactly_on_threads_and_processes():
    with cf.ThreadPoolExecutor(2) as pool:
        threads = _sweep_numbers(pool)
        assert _sweep_numbers(pool) == threads
    assert [s.config.n_embd for s, *_ in threads] == [2, 4, 8]
    assert _sweep_numbers(None) == threads  # the default: a process pool


def _wait_until(condition, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_a_cancelled_sweep_stops_its_workers(kind):
    split = make_split(NAMES, n_held_out=4)
    long = TrainConfig(n_embd=4, n_head=2, num_steps=1_000_000)
    specs = [RunSpec(long, 10), RunSpec(long, 12), RunSpec(long, 14)]  # 3 runs, 2 workers
    executor = cf.ThreadPoolExecutor(2) if kind == "threads" else None
    sweep = Sweep(specs, split, executor, max_workers=2)
    _wait_until(lambda: sum(p > 0 for p in sweep.progress()) == 2)
    sweep.cancel()
    done, running = cf.wait(sweep.futures, timeout=30)
    assert not running
    for f in sweep.futures:
        assert f.cancelled() or isinstance(f.exception(), RunCancelled)
    assert max(sweep.progress()) < 1 and sweep.poll() == []
    sweep.close()
    if executor:
        executor.shutdown()


def test_the_lab_imports_no_qt():
    probe = (
        "import pkgutil, importlib, sys, microgpt.lab as lab\n"
        "for m in pkgutil.iter_modules(lab.__path__):\n"
        "    importlib.import_module('microgpt.lab.' + m.name)\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('PySide6', 'pyqtgraph')))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_a_sweep_closed_without_waiting_still_stops_its_runs():
    split = make_split(NAMES, n_held_out=4)
    long = TrainConfig(n_embd=4, n_head=2, num_steps=1_000_000)
    with cf.ThreadPoolExecutor(1) as pool:
        sweep = Sweep([RunSpec(long, 10)], split, pool)
        channel = sweep.channel  # holds no reference to the sweep
        _wait_until(lambda: channel.progress(0) > 0)
        sweep.cancel()
        sweep.close(wait=False)
        future, folder = sweep.futures[0], sweep.channel.folder
        del sweep  # the pane forgets it; the run must still find its stop file
        done, _ = cf.wait([future], timeout=30)
        assert done and isinstance(future.exception(), RunCancelled)
    _wait_until(lambda: not os.path.exists(folder))  # removed once the run ended
