"""Palmer penguins: the asset, the split, standardisation, the classifier and its programs."""

import csv
import dataclasses
import math
import statistics

import numpy as np
import pytest

from microgpt.data import assets_dir
from microgpt.engine import Value
from microgpt.errors import ConfigError
from microgpt.expr.language import evaluate
from microgpt.penguins.classifier import PenguinModel
from microgpt.penguins.data import COLUMNS, NUMERIC, SPECIES, completeness, load_penguins, prepare

FLIPPER, BILL = "flipper_length_mm", "bill_length_mm"

# --- the asset ---------------------------------------------------------------------------


def test_asset_has_344_penguins_in_the_documented_columns():
    with open(assets_dir() / "penguins.csv", newline="", encoding="utf-8") as f:
        header, *rows = list(csv.reader(f))
    assert tuple(header) == COLUMNS
    assert len(rows) == 344 and all(len(r) == len(COLUMNS) for r in rows)
    assert {r[0] for r in rows} == set(SPECIES)
    assert "" not in {x for r in rows for x in r}  # missing is NA, never empty


def test_two_penguins_lack_every_measurement_and_eleven_lack_sex():
    penguins = load_penguins()
    assert len(penguins) == 344
    no_numbers = [p for p in penguins if all(getattr(p, f) is None for f in NUMERIC)]
    some_missing = [p for p in penguins if any(getattr(p, f) is None for f in NUMERIC)]
    assert len(no_numbers) == 2 and some_missing == no_numbers
    assert sum(p.sex is None for p in penguins) == 11
    assert completeness(["sex"]) == "333 of 344 penguins have every chosen measurement"
    assert completeness([FLIPPER, "island"]).startswith("342 of 344 ")
    assert prepare([FLIPPER, "sex"]).dropped == 11


# --- split and standardisation -----------------------------------------------------------


def test_split_is_stratified_and_seeded():
    data = prepare([FLIPPER, BILL], seed=3)
    assert data.train == prepare([FLIPPER, BILL], seed=3).train
    assert data.train != prepare([FLIPPER, BILL], seed=4).train
    assert sorted(data.train + data.test) == list(range(len(data.rows)))
    for k in range(len(SPECIES)):
        n_train = int(np.sum(data.y[list(data.train)] == k))
        n = int(np.sum(data.y == k))
        assert abs(n_train - 0.7 * n) <= 1 and n - n_train > 0


def test_standardisation_uses_the_training_split_only():
    penguins = load_penguins()
    data = prepare([FLIPPER, "island"], seed=1, penguins=penguins)
    train = [penguins[data.rows[i]].flipper_length_mm for i in data.train]
    assert data.mean[FLIPPER] == pytest.approx(statistics.fmean(train), abs=1e-12)
    assert data.std[FLIPPER] == pytest.approx(statistics.pstdev(train), abs=1e-12)
    assert data.inputs == ("flipper", "island_Biscoe", "island_Dream", "island_Torgersen")
    assert np.all(data.X[:, 1:].sum(axis=1) == 1)  # one-hot
    # a giant test penguin moves nothing; the same giant in training does
    changed = list(penguins)
    for position, moves in ((data.test[0], False), (data.train[0], True)):
        row = data.rows[position]
        changed[row] = dataclasses.replace(penguins[row], flipper_length_mm=1e6)
        other = prepare([FLIPPER, "island"], seed=1, penguins=changed)
        assert (other.mean != data.mean) == moves
        changed[row] = penguins[row]


# --- the claim of the pane ---------------------------------------------------------------


def test_bill_length_beside_flipper_length_lifts_test_accuracy_by_ten_points():
    accuracy = {}
    for features in ([FLIPPER], [FLIPPER, BILL]):
        model = PenguinModel(features, hidden=0, optimizer="adam", lr=0.1, seed=0)
        for _ in range(60):
            model.step()
        accuracy[len(features)] = model.accuracy("test")
    assert accuracy[2] - accuracy[1] >= 0.10


# --- training ----------------------------------------------------------------------------


def test_adam_lowers_the_loss_over_50_steps():
    model = PenguinModel([FLIPPER, BILL], hidden=2, activation="relu", seed=2)
    losses = [model.step().loss for _ in range(50)]
    assert losses[-1] < 0.5 * losses[0]
    assert all(np.isfinite(losses))


@pytest.mark.parametrize("hidden, activation", [(0, "tanh"), (3, "tanh"), (5, "relu")])
def test_step_gradients_equal_finite_differences(hidden, activation):
    model = PenguinModel([BILL, "bill_depth_mm", "island"], hidden, activation, seed=5)
    for _ in range(3):
        model.step()
    theta, h, fd = model.theta.copy(), 1e-6, []
    picks = range(0, len(theta), max(1, len(theta) // 6))
    for j in picks:
        model.theta[j] = theta[j] + h
        up = model.loss("train")
        model.theta[j] = theta[j] - h
        down = model.loss("train")
        model.theta[j] = theta[j]
        fd.append((up - down) / (2 * h))
    before = (model.loss("train"), model.accuracy("train"), model.accuracy("test"))
    step = model.step()
    assert step.step == 4 and step.loss == pytest.approx(before[0], abs=1e-12)
    assert (step.train_accuracy, step.test_accuracy) == before[1:]
    grads = np.concatenate([step.grads[name].ravel() for name in model.shapes])
    np.testing.assert_allclose(grads[list(picks)], fd, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(
        np.concatenate([(step.params[n] - step.updates[n]).ravel() for n in model.shapes]),
        theta,
    )


def test_sgd_step_moves_against_the_gradient():
    model = PenguinModel([FLIPPER], optimizer="sgd", lr=0.3, seed=1)
    step = model.step()
    for name in model.shapes:
        np.testing.assert_allclose(step.updates[name], -0.3 * step.grads[name], atol=1e-15)


def test_batch_gradient_is_the_mean_of_the_per_penguin_gradients():
    model = PenguinModel([FLIPPER, BILL], hidden=2, seed=4)
    model.step()
    examples = [model.example(model.data.rows[i]) for i in model.data.train]
    step = model.step()
    for name in model.shapes:
        mean = sum(e.grads[name] for e in examples) / len(examples)
        np.testing.assert_allclose(step.grads[name], mean, atol=1e-12)
    assert step.loss == pytest.approx(statistics.fmean(e.loss for e in examples), abs=1e-12)


# --- prediction --------------------------------------------------------------------------


def value_probabilities(model, raw_row):
    """An independent forward with the scalar engine, from raw feature values."""
    x = [(v - model.data.mean[f]) / model.data.std[f] for f, v in zip(model.features, raw_row)]
    P = {name: a.tolist() for name, a in model.params.items()}

    def affine(W, b, inputs):
        return [
            sum((Value(w) * xi for w, xi in zip(row, inputs)), Value(bk)) for row, bk in zip(W, b)
        ]

    if model.hidden:
        act = Value.tanh if model.activation == "tanh" else Value.relu
        x = [act(a) for a in affine(P["W1"], P["b1"], x)]
        z = affine(P["W2"], P["b2"], x)
    else:
        z = affine(P["W"], P["b"], x)
    exps = [(zk - max(v.data for v in z)).exp() for zk in z]
    total = sum(exps[1:], exps[0])
    return [(e / total).data for e in exps]


@pytest.mark.parametrize("hidden, activation", [(0, "tanh"), (6, "tanh"), (4, "relu")])
def test_grid_prediction_equals_the_value_forward(hidden, activation):
    model = PenguinModel([BILL, FLIPPER], hidden, activation, seed=3)
    for _ in range(10):
        model.step()
    xs, ys = np.linspace(30, 60, 7), np.linspace(170, 235, 5)
    grid = model.predict_grid(xs, ys)
    assert grid.shape == (5, 7, 3)
    for r, yv in enumerate(ys):
        for c, xv in enumerate(xs):
            np.testing.assert_allclose(grid[r, c], value_probabilities(model, (xv, yv)), atol=1e-12)
    big = model.predict_grid(np.linspace(30, 60, 100), np.linspace(170, 235, 100))
    np.testing.assert_allclose(big.sum(axis=2), 1.0, atol=1e-12)
    assert model.predict([(xs[0], ys[0])])[0] == grid[0, 0].argmax()


def test_table_probabilities_and_confusion_agree_with_the_value_graph():
    model = PenguinModel([BILL, "island", "sex"], hidden=2, seed=6)
    for _ in range(20):
        model.step()
    penguins = load_penguins()
    for i in model.data.test[:10]:
        p = penguins[model.data.rows[i]]
        raw = (p.bill_length_mm, p.island, p.sex)
        np.testing.assert_allclose(
            model.probabilities([raw])[0], model.example(p.row).probs, atol=1e-12
        )
    c = model.confusion("test")
    assert c.shape == (3, 3) and c.sum() == len(model.data.test)
    assert np.trace(c) / c.sum() == model.accuracy("test")
    assert list(c.sum(axis=1)) == [
        int(np.sum(model.data.y[list(model.data.test)] == k)) for k in range(3)
    ]


# --- one penguin as a program ------------------------------------------------------------


@pytest.mark.parametrize(
    "features, hidden, activation",
    [([FLIPPER], 0, "tanh"), ([FLIPPER, BILL], 2, "tanh"), ([BILL, "sex"], 2, "relu")],
)
def test_penguin_program_computes_the_models_loss_and_gradients(features, hidden, activation):
    model = PenguinModel(features, hidden, activation, seed=7)
    for _ in range(15):
        model.step()
    for i in (0, len(model.data.rows) // 2, len(model.data.rows) - 1):
        row = model.data.rows[i]
        graph, example = model.penguin_graph(row), model.example(row)
        program = evaluate(graph.source)
        assert graph.species == SPECIES[model.data.y[i]]
        assert math.isclose(program.output.data, example.loss, abs_tol=1e-12)
        assert math.isclose(graph.loss, example.loss, abs_tol=1e-12)
        leaves = {
            program.steps[j].label: program.nodes[j]
            for j in range(len(program.nodes))
            if program.kind(j) == "weight"
        }
        assert set(leaves) == set(graph.weights) and len(leaves) == len(model.theta)
        for name, (param, index) in graph.weights.items():
            assert abs(leaves[name].grad - example.grads[param][index]) <= 1e-12, name
    assert "flipper = " in graph.source or "bill_length = " in graph.source
    assert len(graph.source.splitlines()) < 45  # readable: one line per weight and neuron


def test_a_penguin_missing_a_chosen_feature_has_no_program():
    model = PenguinModel([FLIPPER, "sex"])
    missing = next(p.row for p in load_penguins() if p.sex is None)
    with pytest.raises(ValueError, match="lacks"):
        model.penguin_graph(missing)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"features": []},
        {"features": ["beak"]},
        {"features": [FLIPPER], "hidden": 1},
        {"features": [FLIPPER], "hidden": 17},
        {"features": [FLIPPER], "activation": "sigmoid"},
        {"features": [FLIPPER], "optimizer": "rmsprop"},
        {"features": [FLIPPER], "split": 1.0},
    ],
)
def test_bad_settings_are_refused_with_a_config_error(kwargs):
    with pytest.raises(ConfigError):
        PenguinModel(**kwargs)
