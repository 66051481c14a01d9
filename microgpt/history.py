"""History: every step's loss, learning rate and gradient norms, in growing numpy arrays.

Memory: a step costs 8 (loss) + 8 (lr) + 2 per gradient norm (float16; one per matrix and
one global): 36 bytes with the default model's 9 matrices, 16 without the norms (the GUI's
copy: its plots keep their own bounded envelopes). Capacity grows by half each time, and
np.zeros pages are only resident once written, so the resident cost stays near the bytes
used. The loss and lr stay float64: they are exported and compared with ==. The norms are
only drawn: float16 keeps 3 significant digits, and a norm above 65504 is kept as inf.
"""

from collections.abc import Iterator

import numpy as np

from .report import StepPoint, StepPoints

NORM_DTYPE = np.float16


class History:
    """A run's per-step series, steps 1..len(self); indexing gives StepPoints."""

    def __init__(self, n_norms: int, capacity: int = 1024, keep_norms: bool = True):
        self.n_norms = n_norms if keep_norms else 0
        self._n = 0
        self._loss = np.zeros(capacity)
        self._lr = np.zeros(capacity)
        self._norms = np.zeros((capacity, self.n_norms), dtype=NORM_DTYPE)

    def __len__(self) -> int:
        return self._n

    def _reserve(self, n: int) -> None:
        cap = len(self._loss)
        if n <= cap:
            return
        cap = max(n, cap + cap // 2)
        for name in ("_loss", "_lr", "_norms"):
            old = getattr(self, name)
            new = np.zeros((cap,) + old.shape[1:], dtype=old.dtype)
            new[: self._n] = old[: self._n]
            setattr(self, name, new)

    def append(self, loss: float, lr: float, norms) -> None:
        self._reserve(self._n + 1)
        i = self._n
        self._loss[i], self._lr[i] = loss, lr
        if self.n_norms:
            with np.errstate(over="ignore"):  # > 65504 is kept as inf
                self._norms[i] = norms
        self._n = i + 1

    def extend(self, points: StepPoints) -> None:
        """Append a run of steps; points.first must be the next step."""
        if points.first != self._n + 1:
            raise ValueError(f"history has {self._n} steps; cannot append from {points.first}")
        k = len(points)
        self._reserve(self._n + k)
        sl = slice(self._n, self._n + k)
        self._loss[sl], self._lr[sl] = points.loss, points.lr
        if self.n_norms:
            with np.errstate(over="ignore"):
                self._norms[sl] = points.grad_norms
        self._n += k

    def truncate(self, n: int) -> None:
        """Keep steps 1..n."""
        self._n = max(0, min(n, self._n))

    # --- reading ---------------------------------------------------------------------

    @property
    def loss(self) -> np.ndarray:
        return self._loss[: self._n]

    @property
    def lr(self) -> np.ndarray:
        return self._lr[: self._n]

    @property
    def grad_norms(self) -> np.ndarray:
        """(steps, n_norms): one column per matrix in layout order, then the global norm."""
        return self._norms[: self._n]

    def points(self, start: int = 0, stop: int | None = None) -> StepPoints:
        """Copies of steps start+1 .. stop (0-based slice bounds), as one StepPoints."""
        stop = self._n if stop is None else min(stop, self._n)
        start = min(max(0, start), stop)
        return StepPoints(
            first=start + 1,
            loss=self._loss[start:stop].copy(),
            lr=self._lr[start:stop].copy(),
            grad_norms=self._norms[start:stop].copy(),
        )

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        if i < 0:
            i += self._n
        if not 0 <= i < self._n:
            raise IndexError("history index out of range")
        norms = tuple(self._norms[i].tolist())
        return StepPoint(i + 1, float(self._loss[i]), float(self._lr[i]), norms)

    def __iter__(self) -> Iterator[StepPoint]:
        return (self[i] for i in range(self._n))

    def __eq__(self, other) -> bool:
        if isinstance(other, History):
            return (
                self._n == other._n
                and np.array_equal(self.loss, other.loss)
                and np.array_equal(self.lr, other.lr)
                and np.array_equal(self.grad_norms, other.grad_norms)
            )
        try:
            return list(self) == list(other)
        except TypeError:
            return NotImplemented

    __hash__ = None

    def nbytes(self) -> int:
        """Bytes per step times steps: what the series hold, not the spare capacity."""
        per_step = self._loss.itemsize + self._lr.itemsize + self._norms.itemsize * self.n_norms
        return per_step * self._n
