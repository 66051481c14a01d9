"""The Palmer penguins table and how it becomes inputs: read, split by species, encoded.

The table is assets/penguins.csv (344 penguins, missing values written NA; see README).
"""

import csv
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from microgpt.data import assets_dir
from microgpt.errors import DatasetError

SPECIES = ("Adelie", "Chinstrap", "Gentoo")  # class k is SPECIES[k]
NUMERIC = ("bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g")
CATEGORIES = {"island": ("Biscoe", "Dream", "Torgersen"), "sex": ("female", "male")}
FEATURES = (*NUMERIC, "island", "sex")
COLUMNS = ("species", "island", *NUMERIC, "sex", "year")  # of penguins.csv
SHORT = dict(zip(NUMERIC, ("bill_length", "bill_depth", "flipper", "body_mass")))


@dataclass(frozen=True)
class Penguin:
    """One row of penguins.csv; None where the file says NA."""

    row: int  # 0-based, header not counted
    species: str
    island: str
    bill_length_mm: float | None
    bill_depth_mm: float | None
    flipper_length_mm: float | None
    body_mass_g: float | None
    sex: str | None
    year: int


def load_penguins(path: Path | None = None) -> tuple[Penguin, ...]:
    """The table, in file order (the bundled asset unless a path is given)."""
    return _load(str(path or assets_dir() / "penguins.csv"))


@lru_cache(maxsize=4)
def _load(path: str) -> tuple[Penguin, ...]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    if not rows or tuple(rows[0]) != COLUMNS:
        raise DatasetError(f"{path}: expected the columns {', '.join(COLUMNS)}")
    out = []
    for i, r in enumerate(rows[1:]):
        species, island, *numbers, sex, year = (None if x == "NA" else x for x in r)
        nums = [None if x is None else float(x) for x in numbers]
        out.append(Penguin(i, species, island, *nums, sex, int(year)))
    return tuple(out)


def count_complete(features, penguins=None) -> int:
    """How many penguins have a value for every chosen feature."""
    penguins = load_penguins() if penguins is None else penguins
    return sum(all(getattr(p, f) is not None for f in features) for p in penguins)


def completeness(features, penguins=None) -> str:
    """'333 of 344 penguins have every chosen measurement' (with sex chosen)."""
    penguins = load_penguins() if penguins is None else penguins
    n = count_complete(features, penguins)
    return f"{n} of {len(penguins)} penguins have every chosen measurement"


def input_names(features) -> tuple[str, ...]:
    """The network's inputs: 'flipper', 'bill_length', ..., 'island_Dream', 'sex_male'."""
    names = []
    for f in features:
        names += [f"{f}_{c}" for c in CATEGORIES[f]] if f in CATEGORIES else [SHORT[f]]
    return tuple(names)


def stratified_split(labels, fraction: float = 0.7, seed: int = 0):
    """(train, test) positions: per species, a seeded shuffle, round(fraction * n) to train."""
    rng = random.Random(seed)
    train, test = [], []
    for k in range(len(SPECIES)):
        idx = [i for i, y in enumerate(labels) if y == k]
        rng.shuffle(idx)
        cut = round(fraction * len(idx))
        train += idx[:cut]
        test += idx[cut:]
    return tuple(sorted(train)), tuple(sorted(test))


@dataclass(frozen=True)
class PenguinData:
    """The complete rows for a feature set, split and standardised with the training rows."""

    features: tuple[str, ...]
    inputs: tuple[str, ...]  # input_names(features): the columns of X
    rows: tuple[int, ...]  # table row of each complete penguin
    dropped: int  # penguins missing a chosen feature
    y: np.ndarray  # (n,) species index
    X: np.ndarray  # (n, len(inputs)) standardised numbers, one-hot categories
    train: tuple[int, ...]  # positions in rows
    test: tuple[int, ...]
    mean: dict[str, float]  # per numeric feature, over the training rows
    std: dict[str, float]  # population std (ddof 0) over the training rows

    def encode(self, raw_rows) -> np.ndarray:
        """Raw feature values (one row per sample, in `features` order; categories as
        their names) -> (n, len(inputs)) network inputs."""
        return encode(self.features, self.mean, self.std, raw_rows)


def encode(features, mean: dict, std: dict, raw_rows) -> np.ndarray:
    """(x - mean) / std per numeric feature, one 0/1 column per category."""
    raw = raw_rows if isinstance(raw_rows, np.ndarray) else list(raw_rows)
    cols = []
    for j, f in enumerate(features):
        column = raw[:, j] if isinstance(raw, np.ndarray) else [r[j] for r in raw]
        if f in CATEGORIES:
            cols += [np.array([x == c for x in column], float) for c in CATEGORIES[f]]
        else:
            cols.append((np.asarray(column, float) - mean[f]) / std[f])
    return np.stack(cols, axis=1)


def prepare(features, split: float = 0.7, seed: int = 0, penguins=None) -> PenguinData:
    """Drop incomplete rows, split them by species, standardise with the training rows."""
    penguins = load_penguins() if penguins is None else penguins
    complete = [p for p in penguins if all(getattr(p, f) is not None for f in features)]
    y = np.array([SPECIES.index(p.species) for p in complete])
    train, test = stratified_split(y.tolist(), split, seed)
    raw = [[getattr(p, f) for f in features] for p in complete]
    numeric = [f for f in features if f not in CATEGORIES]
    values = {f: np.array([getattr(complete[i], f) for i in train]) for f in numeric}
    mean = {f: float(values[f].mean()) for f in numeric}
    std = {f: float(values[f].std()) or 1.0 for f in numeric}  # ddof 0; 1 if all alike
    X = encode(features, mean, std, raw)
    X.setflags(write=False)
    y.setflags(write=False)
    rows = tuple(p.row for p in complete)
    dropped = len(penguins) - len(complete)
    inputs = input_names(features)
    return PenguinData(tuple(features), inputs, rows, dropped, y, X, train, test, mean, std)
