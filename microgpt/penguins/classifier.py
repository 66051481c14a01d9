"""Palmer penguins: why a network needs more than one input, on the same Value engine.

Flipper length alone mixes up Adelie and Chinstrap penguins; add bill length and a
softmax regression separates all three species. The table is assets/penguins.csv
(344 penguins, missing values written NA; see README).
"""

import math
import random
from dataclasses import dataclass

import numpy as np

from microgpt.config import TrainConfig
from microgpt.engine import Value
from microgpt.errors import ConfigError
from microgpt.optim import adam_vectorised
from microgpt.trainer import TrainingDiverged, gc_paused

from .data import (
    CATEGORIES,
    FEATURES,
    SHORT,
    SPECIES,
    load_penguins,
    prepare,
)

ACTIVATIONS = ("tanh", "relu")
DEFAULT_LR = {"adam": 0.05, "sgd": 0.5}
MAX_HIDDEN = 16
ADAM = TrainConfig()  # beta1 0.85, beta2 0.99, eps 1e-8: microgpt's Adam, no lr decay here


@dataclass(frozen=True)
class PenguinStep:
    """One full-batch training step, as plain data."""

    step: int  # 1-based number of this step
    loss: float  # mean cross-entropy over the training rows, before this step's update
    train_accuracy: float  # fraction classified right, before the update
    test_accuracy: float
    lr: float
    params: dict[str, np.ndarray]  # after the update (before = params - updates)
    grads: dict[str, np.ndarray]  # d(loss)/d(param), before the update
    updates: dict[str, np.ndarray]  # the change this step applied


@dataclass(frozen=True)
class PenguinExample:
    """One penguin through the current network: its own loss and gradients."""

    row: int
    loss: float  # -log p(true species)
    probs: tuple[float, ...]  # one per SPECIES
    grads: dict[str, np.ndarray]  # d(this penguin's loss)/d(param), not divided by n


@dataclass(frozen=True)
class PenguinGraph:
    """A microgpt.expr program computing one penguin's loss through the current network."""

    row: int
    species: str
    source: str  # inputs as numbers, weights as param(...), the output `loss` last
    loss: float  # what the program computes (the model's loss for this penguin)
    weights: dict[str, tuple[str, tuple[int, ...]]]  # program name -> (param name, index)


class PenguinModel:
    """Species from chosen features: softmax regression (hidden=0) or one hidden layer."""

    def __init__(
        self,
        features,
        hidden: int = 0,
        activation: str = "tanh",
        optimizer: str = "adam",
        lr: float | None = None,
        seed: int = 0,
        split: float = 0.7,
        penguins=None,
    ):
        _check(features, hidden, activation, optimizer, split)
        self.hidden, self.activation, self.optimizer = hidden, activation, optimizer
        self.lr = DEFAULT_LR[optimizer] if lr is None else float(lr)
        self._penguins = load_penguins() if penguins is None else tuple(penguins)
        self.data = prepare(features, split, seed, self._penguins)
        layers = _layers(hidden, len(self.data.inputs))
        self.shapes = {name: shape for name, shape, _ in layers}
        rng = random.Random(seed + 1)  # weights ~ N(0, 1/fan_in), biases 0
        init = [
            rng.gauss(0, fan_in**-0.5) if fan_in else 0.0
            for _, shape, fan_in in layers
            for _ in range(math.prod(shape))
        ]
        self.theta = np.array(init)  # every parameter, flat, in layer order
        self.m, self.v = np.zeros_like(self.theta), np.zeros_like(self.theta)
        self.steps = 0

    features = property(lambda self: self.data.features)

    @property
    def params(self) -> dict[str, np.ndarray]:
        return self._unflatten(self.theta)

    def _unflatten(self, flat) -> dict[str, np.ndarray]:
        out, at = {}, 0
        for name, shape in self.shapes.items():
            n = math.prod(shape)
            out[name] = np.array(flat[at : at + n]).reshape(shape)
            at += n
        return out

    # --- the Value graph ----------------------------------------------------------------

    def _leaves(self):
        """Fresh Value leaves of the current parameters: (flat list, name -> nested lists)."""
        flat = [Value(x) for x in self.theta.tolist()]
        cells = np.empty(len(flat), dtype=object)
        cells[:] = flat
        return flat, {n: a.tolist() for n, a in self._unflatten(cells).items()}

    def _logits(self, P, x) -> list[Value]:
        if self.hidden == 0:
            return [_affine(w, x, b) for w, b in zip(P["W"], P["b"])]
        h = [getattr(_affine(w, x, b), self.activation)() for w, b in zip(P["W1"], P["b1"])]
        return [_affine(w, h, b) for w, b in zip(P["W2"], P["b2"])]

    def step(self) -> PenguinStep:
        """Forward every training penguin, backward the mean loss, update every parameter."""
        try:
            with gc_paused():  # the graph is freed inside: a GC pass after it would walk it all
                loss, right, grads = self._batch_gradients()
        except (ValueError, OverflowError):  # log(0) or exp overflow: the scores ran away
            raise TrainingDiverged(self.steps + 1, math.nan) from None
        if not (math.isfinite(loss) and np.isfinite(grads).all()):
            raise TrainingDiverged(self.steps + 1, loss)
        before = self.theta.copy()
        test_accuracy = self.accuracy("test")
        if self.optimizer == "adam":
            adam_vectorised(self.theta, grads, self.m, self.v, self.steps, self.lr, ADAM)
        else:
            self.theta -= self.lr * grads
        self.steps += 1
        grads, updates = self._unflatten(grads), self._unflatten(self.theta - before)
        train_accuracy = right / len(self.data.train)
        return PenguinStep(
            self.steps, loss, train_accuracy, test_accuracy, self.lr, self.params, grads, updates
        )

    def _batch_gradients(self) -> tuple[float, int, np.ndarray]:
        """(mean training loss, how many it classified right, its gradient as a flat array)."""
        train = list(self.data.train)
        flat, P = self._leaves()
        losses, right = [], 0
        for x, target in zip(self.data.X[train].tolist(), self.data.y[train].tolist()):
            logits = self._logits(P, x)
            right += max(range(len(logits)), key=lambda k: logits[k].data) == target
            losses.append(_cross_entropy(logits, target))
        loss = _sum(losses) * (1 / len(losses))  # the mean, as one more node
        loss.backward()
        return loss.data, right, np.array([p.grad for p in flat])

    def example(self, row: int) -> PenguinExample:
        """The penguin at table row `row` through the Value graph, with its own gradients."""
        i = self._position(row)
        flat, P = self._leaves()
        logits = self._logits(P, self.data.X[i].tolist())
        loss = _cross_entropy(logits, int(self.data.y[i]))
        loss.backward()
        probs = _softmax(np.array([[z.data for z in logits]]))[0]
        grads = self._unflatten(np.array([p.grad for p in flat]))
        return PenguinExample(row, loss.data, tuple(probs.tolist()), grads)

    def _position(self, row: int) -> int:
        if row not in self.data.rows:
            raise ValueError(f"penguin {row} lacks a chosen feature (or is not in the table)")
        return self.data.rows.index(row)

    # --- fast prediction (NumPy; the same math as the Value graph) ------------------------

    def probabilities_from_inputs(self, X: np.ndarray) -> np.ndarray:
        """(n, len(inputs)) standardised inputs -> (n, 3) species probabilities."""
        P = self.params
        if self.hidden == 0:
            return _softmax(X @ P["W"].T + P["b"])
        act = np.tanh if self.activation == "tanh" else lambda a: np.maximum(a, 0)
        return _softmax(act(X @ P["W1"].T + P["b1"]) @ P["W2"].T + P["b2"])

    def probabilities(self, raw_rows) -> np.ndarray:
        """Raw feature values (rows in `features` order, unstandardised) -> (n, 3)."""
        return self.probabilities_from_inputs(self.data.encode(raw_rows))

    def predict(self, raw_rows) -> np.ndarray:
        """(n,) species index of each raw row."""
        return self.probabilities(raw_rows).argmax(axis=1)

    def predict_grid(self, xs, ys) -> np.ndarray:
        """(len(ys), len(xs), 3) probabilities on the grid of two numeric features' raw
        values (row-major: ys down, xs across)."""
        if len(self.features) != 2 or any(f in CATEGORIES for f in self.features):
            raise ValueError("a grid needs exactly two numeric features")
        gx, gy = np.meshgrid(np.asarray(xs, float), np.asarray(ys, float))
        probs = self.probabilities(np.stack([gx.ravel(), gy.ravel()], axis=1))
        return probs.reshape(len(ys), len(xs), len(SPECIES))

    def loss(self, split: str = "train") -> float:
        """Mean cross-entropy over the split with the current parameters (NumPy)."""
        idx = list(self._split(split))
        probs = self.probabilities_from_inputs(self.data.X[idx])
        return float(-np.log(probs[np.arange(len(idx)), self.data.y[idx]]).mean())

    def accuracy(self, split: str = "test") -> float:
        """Fraction of the split's penguins whose most probable species is right."""
        c = self.confusion(split)
        return float(np.trace(c) / c.sum())

    def confusion(self, split: str = "test") -> np.ndarray:
        """(3, 3) counts: row = true species, column = predicted species."""
        idx = list(self._split(split))
        predicted = self.probabilities_from_inputs(self.data.X[idx]).argmax(axis=1)
        counts = np.zeros((len(SPECIES), len(SPECIES)), dtype=int)
        np.add.at(counts, (self.data.y[idx], predicted), 1)
        return counts

    def _split(self, split: str) -> tuple[int, ...]:
        if split not in ("train", "test"):
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        return getattr(self.data, split)

    def penguin_graph(self, row: int) -> PenguinGraph:
        """One penguin's loss as a microgpt.expr program with the current weights as param(...);
        raises expr.ExprError if it needs more than expr.MAX_NODES nodes (a big network)."""
        from microgpt.expr.language import evaluate

        i = self._position(row)
        x = self.data.X[i].tolist()
        target = SPECIES[int(self.data.y[i])]
        _, P = self._leaves()
        top = max(z.data for z in self._logits(P, x))
        params, weights = self.params, {}
        lines = [f"# penguin {row} (line {row + 2} of penguins.csv), species {target}; inputs"]
        lines.append("# are standardised with the training penguins' mean and std")
        for name, value, note in zip(self.data.inputs, x, self._notes(row)):
            lines.append(f"{name} = {value if name in SHORT.values() else int(value)!r}  # {note}")

        def neuron(out: str, w: str, b: str, k: int, ins, act: str = "") -> None:
            for j, name in enumerate(ins):
                weights[f"w_{out}_{name}"] = (w, (k, j))
            weights[f"b_{out}"] = (b, (k,))
            for name in (*(f"w_{out}_{n}" for n in ins), f"b_{out}"):
                lines.append(
                    f"{name} = param({float(params[weights[name][0]][weights[name][1]])!r})"
                )
            s = " + ".join(f"w_{out}_{n} * {n}" for n in ins) + f" + b_{out}"
            lines.append(f"{out} = {act}({s})" if act else f"{out} = {s}")

        if self.hidden == 0:
            for k, s in enumerate(SPECIES):
                neuron(s, "W", "b", k, self.data.inputs)
        else:
            hs = [f"h{j + 1}" for j in range(self.hidden)]
            for j, h in enumerate(hs):
                neuron(h, "W1", "b1", j, self.data.inputs, self.activation)
            for k, s in enumerate(SPECIES):
                neuron(s, "W2", "b2", k, hs)
        lines.append(f"top = {top!r}  # the largest score: subtracted, exp cannot overflow")
        lines += [f"e_{s} = exp({s} - top)" for s in SPECIES]
        lines.append("total = " + " + ".join(f"e_{s}" for s in SPECIES))
        lines += [f"p_{target} = e_{target} / total", f"loss = -log(p_{target})"]
        source = "\n".join(lines) + "\n"
        evaluate(source)  # ExprError here, not in the graph pane, if it is too big
        return PenguinGraph(row, target, source, self.example(row).loss, weights)

    def _notes(self, row: int) -> list[str]:
        """What each input of penguin `row` means, in raw units."""
        p, notes = next(p for p in self._penguins if p.row == row), []
        for f in self.features:
            if f in CATEGORIES:
                notes += [f"{f}: {getattr(p, f)}"] * len(CATEGORIES[f])
            else:
                unit = "g" if f == "body_mass_g" else "mm"
                raw, mean, std = getattr(p, f), self.data.mean[f], self.data.std[f]
                notes.append(f"({raw:g} {unit} - {mean:.5g}) / {std:.5g}")
        return notes


def _check(features, hidden, activation, optimizer, split) -> None:
    unknown = [f for f in features if f not in FEATURES]
    if unknown or not features or len(set(features)) != len(features):
        raise ConfigError(f"features must be distinct names from {', '.join(FEATURES)}")
    if isinstance(hidden, bool) or hidden not in (0, *range(2, MAX_HIDDEN + 1)):
        raise ConfigError(f"hidden must be 0 or 2 to {MAX_HIDDEN} neurons, got {hidden!r}")
    if activation not in ACTIVATIONS:
        raise ConfigError(f"activation must be one of {', '.join(ACTIVATIONS)}")
    if optimizer not in DEFAULT_LR:
        raise ConfigError(f"optimizer must be one of {', '.join(DEFAULT_LR)}")
    if not 0 < split < 1:
        raise ConfigError(f"split must be between 0 and 1, got {split}")


def _layers(hidden: int, d: int) -> list[tuple[str, tuple[int, ...], int]]:
    """(name, shape, fan_in) of each parameter; fan_in 0 for a bias."""
    k = len(SPECIES)
    if hidden == 0:
        return [("W", (k, d), d), ("b", (k,), 0)]
    return [
        ("W1", (hidden, d), d),
        ("b1", (hidden,), 0),
        ("W2", (k, hidden), hidden),
        ("b2", (k,), 0),
    ]


def _affine(w, x, b) -> Value:
    """w[0]*x[0] + w[1]*x[1] + ... + b, summed left to right (as the program writes it)."""
    s = w[0] * x[0]
    for wi, xi in zip(w[1:], x[1:]):
        s = s + wi * xi
    return s + b


def _sum(values):
    total = values[0]
    for v in values[1:]:
        total = total + v
    return total


def _cross_entropy(logits: list[Value], target: int) -> Value:
    """-log softmax(logits)[target], microgpt's way: exp(z - max) / sum."""
    top = max(z.data for z in logits)
    exps = [(z - top).exp() for z in logits]
    return -(exps[target] / _sum(exps)).log()


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)
