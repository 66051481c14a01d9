"""Time travel: going back is exact on both backends, branches keep the old run, memory."""

import csv

import numpy as np
import pytest

from microgpt import TrainConfig, Trainer, default_docs
from microgpt.backend import Interrupted
from microgpt.runs import write_runs_csv
from microgpt.timeline import SNAPSHOT_BUDGET, Timeline, planned

NUMPY = TrainConfig(num_steps=200)  # the default model
SCALAR = TrainConfig(n_embd=8, n_head=2, block_size=8, num_steps=40)


@pytest.fixture(scope="module")
def docs():
    return default_docs()


def record(tl: Timeline, steps: int) -> tuple[list[float], list[np.ndarray]]:
    """Train `steps` steps; every loss and the params after each step."""
    losses, params = [], []
    for _ in range(steps):
        losses.append(tl.step().loss)
        params.append(tl.trainer.params.copy())
    return losses, params


def assert_replays(tl: Timeline, k: int, losses, params) -> None:
    """After goto(k): the state of step k, then stepping on gives the same bits."""
    t = tl.trainer
    tl.goto(k)
    assert t.step_count == k
    assert t.history.loss.tolist() == losses[:k]
    if k:
        assert np.array_equal(t.params, params[k - 1])
        assert t.report().loss == losses[k - 1]
    for s in range(k, len(losses)):
        assert tl.step().loss == losses[s]
        assert np.array_equal(t.params, params[s])


@pytest.mark.parametrize("backend, config, steps", [("numpy", NUMPY, 100), ("scalar", SCALAR, 14)])
def test_goto_then_forward_is_bit_exact(docs, backend, config, steps):
    tl = Timeline(Trainer(docs, config, backend), interval=4)
    losses, params = record(tl, steps)
    report = tl.trainer.report()
    for k in (steps - 5, 0, 1, 5, 8):  # between snapshots, the start, on a snapshot
        assert_replays(tl, k, losses, params)
    again = tl.trainer.report()  # the whole report of the last step, Adam and |grad| too
    for field in ("params", "grads", "adam_m", "adam_v", "updates", "mean_abs_grads"):
        for name, a in getattr(report, field).items():
            assert np.array_equal(getattr(again, field)[name], a), (field, name)


def test_goto_matches_a_fresh_run_of_k_steps(docs):
    tl = Timeline(Trainer(docs, NUMPY, "numpy"))
    record(tl, 60)
    tl.goto(23)
    fresh = Timeline(Trainer(docs, NUMPY, "numpy"))
    record(fresh, 23)
    a, b = tl.trainer, fresh.trainer
    for x, y in ((a.params, b.params), (a.m, b.m), (a.v, b.v), (a.mean_abs, b.mean_abs)):
        assert np.array_equal(x, y)
    assert a.rng.getstate() == b.rng.getstate()


def test_step_back_goes_one_step_back(docs):
    tl = Timeline(Trainer(docs, NUMPY, "numpy"))
    losses, params = record(tl, 20)
    assert tl.step_back()
    assert tl.trainer.step_count == 19 and tl.trainer.report().loss == losses[18]
    assert np.array_equal(tl.trainer.params, params[18])
    tl.goto(0)
    assert not tl.step_back() and tl.trainer.report() is None


def test_settings_changed_at_the_tip_are_replayed(docs):
    tl = Timeline(Trainer(docs, NUMPY, "numpy"))
    record(tl, 10)
    assert not tl.set_learning_rate(0.03)  # at the furthest step: no branch
    record(tl, 10)
    assert not tl.set_backend("scalar")
    tail, _ = record(tl, 2)
    tl.set_backend("numpy")
    losses = tl.trainer.history.loss.tolist()
    assert tail == losses[20:]
    tl.goto(4)
    assert tl.trainer.config.learning_rate == 0.01 and tl.trainer.backend.name == "numpy"
    for s in range(4, 22):
        assert tl.step().loss == losses[s]
        if s == 20:
            assert tl.trainer.backend.name == "scalar"
    assert tl.trainer.config.learning_rate == 0.03 and tl.trainer.backend.name == "numpy"
    assert len(tl.kept) == 0


def test_samples_after_a_return_match(docs):
    tl = Timeline(Trainer(docs, NUMPY, "numpy"))
    t = tl.trainer

    def draw():
        names = [s.text for s in t.sample(5)]
        tl.sampled()
        return names

    record(tl, 10)
    first, second = draw(), draw()
    record(tl, 10)
    at_20 = draw()
    tl.goto(10)
    assert draw() == first  # what sampling first drew at step 10
    assert draw() == second  # and then
    record(tl, 10)
    assert draw() == at_20
    tl.goto(15)
    record(tl, 5)
    assert draw() == at_20
    assert [s.text for s in t.sample(3, seed=7)] == [s.text for s in t.sample(3, seed=7)]


def test_a_new_learning_rate_in_the_past_branches_and_keeps_the_old_run(docs):
    tl = Timeline(Trainer(docs, NUMPY, "numpy"))
    losses, _ = record(tl, 40)
    tl.goto(15)
    assert tl.set_learning_rate(0.05)
    (old,) = tl.kept
    assert old.name == "run 1" and old.loss.tolist() == losses and old.steps == 40
    assert "lr 0.01" in old.settings
    assert tl.name == "run 2" and tl.origin == "from run 1 at step 15"
    assert tl.furthest == 15
    new, _ = record(tl, 5)
    assert new != losses[15:20]
    assert tl.trainer.history.loss.tolist()[:15] == losses[:15]
    assert "0.05 from step 15" in tl.describe()
    tl.goto(3)  # the branch has the old run's past
    assert tl.trainer.history.loss.tolist() == losses[:3]
    assert [s.loss for s in [tl.step() for _ in range(17)]] == losses[3:15] + new
    info = tl.info()
    assert [r.name for r in info.runs] == ["run 2", "run 1"] and info.runs[0].current


def test_a_backend_switch_in_the_past_branches(docs):
    tl = Timeline(Trainer(docs, SCALAR, "numpy"))
    losses, _ = record(tl, 12)
    tl.goto(6)
    assert tl.set_backend("scalar")
    assert tl.kept[0].loss.tolist() == losses and tl.furthest == 6
    assert not tl.set_backend("scalar")


def test_sampling_after_a_return_then_branching_goes_on_from_those_samples(docs):
    tl = Timeline(Trainer(docs, NUMPY, "numpy"))
    record(tl, 20)
    tl.goto(10)
    tl.trainer.sample(2)
    tl.sampled()
    state = tl.trainer.rng.getstate()
    tl.set_learning_rate(0.02)
    tl.step()
    assert tl.trainer.rng.getstate() == state
    tl.goto(11)
    assert tl.trainer.rng.getstate() == state


def test_restart_keeps_the_run_when_asked(docs):
    tl = Timeline(Trainer(docs, NUMPY, "numpy"))
    record(tl, 5)
    tl.restart(Trainer(docs, NUMPY, "numpy"), keep=False)
    assert tl.kept == [] and tl.furthest == 0
    record(tl, 5)
    tl.restart(Trainer(docs, NUMPY, "numpy"), keep=True)
    assert [r.name for r in tl.kept] == ["run 2"] and tl.name == "run 3"


def test_rename_delete_and_csv(docs, tmp_path):
    tl = Timeline(Trainer(docs, NUMPY, "numpy"))
    losses, _ = record(tl, 6)
    tl.goto(2)
    tl.set_learning_rate(0.02)
    record(tl, 1)
    tl.rename(1, "  slow,  one ")
    tl.rename(tl.id, "fast")
    with pytest.raises(ValueError):
        tl.rename(1, "  ")
    with pytest.raises(ValueError):
        tl.delete(tl.id)
    runs = tl.info().runs
    assert [r.name for r in runs] == ["fast", "slow, one"]
    path = tmp_path / "runs.csv"
    write_runs_csv(path, runs)
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["step", "run", "loss"] and len(rows) == 1 + 3 + 6
    assert rows[4] == ["1", "slow, one", repr(losses[0])]
    assert [float(r[2]) for r in rows[4:]] == losses
    tl.delete(1)
    assert tl.kept == []


def test_a_cancelled_goto_changes_nothing(docs):
    tl = Timeline(Trainer(docs, SCALAR, "numpy"), interval=8)
    record(tl, 20)
    t = tl.trainer
    tl.goto(18)
    params, report = t.params.copy(), t.report()
    asked, progress = [], []

    def stop():
        asked.append(1)
        return len(asked) > 3

    with pytest.raises(Interrupted):
        tl.goto(15, should_stop=stop, progress=lambda done, total: progress.append((done, total)))
    assert progress == [(1, 7), (2, 7), (3, 7)]
    assert t.step_count == 18 and np.array_equal(t.params, params)
    assert t.report().loss == report.loss and len(t.history) == 18
    assert np.array_equal(t.report().grads["wte"], report.grads["wte"])
    assert tl.step().loss == tl.record.loss[18]


def test_a_loaded_checkpoint_is_the_first_step(docs, tmp_path):
    t = Trainer(docs, NUMPY, "numpy")
    for _ in range(7):
        t.step()
    t.save(tmp_path / "run.npz")
    tl = Timeline(Trainer.load(tmp_path / "run.npz"))
    losses, _ = record(tl, 10)
    tl.goto(7)
    assert tl.trainer.report().step == 7 and len(tl.trainer.history) == 7
    assert [tl.step().loss for _ in range(10)] == losses
    with pytest.raises(ValueError):
        tl.goto(6)


def test_the_policy_keeps_a_run_within_its_budget(docs):
    size = Trainer(docs, NUMPY, "numpy").layout.size
    snapshot = 4 * 8 * size
    budget = 10 * snapshot
    tl = Timeline(Trainer(docs, NUMPY, "numpy"), budget=budget, interval=4)
    record(tl, 150)
    assert (tl.interval, len(tl.snapshots)) == planned(150, snapshot, budget, 4)
    assert tl.nbytes() <= budget and tl.interval == 32
    assert all(s.step % 32 == 0 for s in tl.snapshots)
    # a 100,000-step numpy run of the default model
    interval, count = planned(100_000, snapshot)
    assert count * snapshot <= SNAPSHOT_BUDGET < 64 * 10**6
    assert interval == 512 and count == 196
    history = 100_000 * (8 + 8 + 2 * 10)  # the trainer's, which is the record too
    assert count * snapshot + history <= 64 * 10**6


def one_copy(tl: Timeline) -> bool:
    """The record and the trainer's history share their arrays (36 bytes a step, not 72)."""
    h, r = tl.trainer.history, tl.record
    return all(np.shares_memory(a, b) for a, b in ((h.loss, r.loss), (h.grad_norms, r.grad_norms)))


def test_the_history_is_kept_once_at_the_furthest_step(docs):
    tl = Timeline(Trainer(docs, NUMPY, "numpy"), interval=4)
    losses, _ = record(tl, 30)
    assert one_copy(tl)
    tl.goto(10)  # the past: the trainer's history is steps 1..10, the record 1..30
    assert tl.trainer.history.loss.tolist() == losses[:10] and len(tl.record) == 30
    assert not one_copy(tl)
    record(tl, 20)  # back at the furthest step: one copy again
    assert one_copy(tl) and tl.record.loss.tolist() == losses
    tl.goto(12)
    tl.set_learning_rate(0.02)  # a branch at step 12: the record is cut there
    assert one_copy(tl) and tl.record.loss.tolist() == losses[:12]
    new, _ = record(tl, 5)
    assert one_copy(tl) and tl.record.loss.tolist() == losses[:12] + new
    assert tl.current_record().loss.tolist() == losses[:12] + new
    assert tl.kept[-1].loss.tolist() == losses


def test_a_run_repeats_a_fresh_one_only_with_the_same_settings_throughout(docs):
    tl = Timeline(Trainer(docs, NUMPY, "numpy"))
    record(tl, 3)
    assert tl.repeats(NUMPY, "numpy")
    assert not tl.repeats(TrainConfig(num_steps=200, seed=1), "numpy")
    assert not tl.repeats(NUMPY, "scalar")
    tl.set_learning_rate(0.02)
    tl.set_learning_rate(0.01)  # back to the start's lr, but a change was recorded
    record(tl, 1)
    assert not tl.repeats(NUMPY, "numpy")


@pytest.mark.slow
def test_the_default_model_on_the_scalar_engine_replays_exactly(docs):
    """The teaching engine with the reference model: 40 steps, back to 23, on again."""
    tl = Timeline(Trainer(docs, TrainConfig(num_steps=40), "scalar"))
    losses, params = record(tl, 40)
    assert_replays(tl, 23, losses, params)
