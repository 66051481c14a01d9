"""Envelope: what a plot draws of a series that grows by one point a step, at a flat cost.

Consecutive steps are grouped in buckets of `width`; each full bucket keeps its min and max.
When there are 2 * max_buckets buckets, neighbours merge and the width doubles. So a
redraw draws at most ~4 * max_buckets points whether the run has 100 or 1,000,000 steps,
and adding k points costs O(k). Below max_buckets steps every point is drawn as it is.
"""

import numpy as np


class Envelope:
    """Min/max per bucket of consecutive steps, starting at step `first`."""

    def __init__(self, max_buckets: int = 128):
        self.max_buckets = max_buckets
        self.clear()

    def clear(self, first: int = 1) -> None:
        self.first, self.width, self.k = first, 1, 0
        self._lo = np.zeros(2 * self.max_buckets)
        self._hi = np.zeros(2 * self.max_buckets)
        self._rest = np.zeros(0)  # values of the bucket being filled (< width of them)

    @property
    def n(self) -> int:
        """Steps held."""
        return self.k * self.width + len(self._rest)

    def extend(self, values: np.ndarray) -> None:
        values = np.concatenate([self._rest, np.asarray(values, dtype=np.float64)])
        while len(values) >= self.width:
            room = len(self._lo) - self.k
            full = min(len(values) // self.width, room)
            block = values[: full * self.width].reshape(full, self.width)
            with np.errstate(invalid="ignore"):
                self._lo[self.k : self.k + full] = block.min(axis=1)
                self._hi[self.k : self.k + full] = block.max(axis=1)
            self.k += full
            values = values[full * self.width :]
            if self.k == len(self._lo):
                self._merge()
        self._rest = values

    def _merge(self) -> None:
        """Halve the buckets: each pair of neighbours becomes one, twice as wide."""
        half = self.k // 2
        self._lo[:half] = np.fmin(self._lo[0 : 2 * half : 2], self._lo[1 : 2 * half : 2])
        self._hi[:half] = np.fmax(self._hi[0 : 2 * half : 2], self._hi[1 : 2 * half : 2])
        self.k, self.width = half, self.width * 2

    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Points to draw: each bucket's min then max at its middle step, then the rest."""
        k, w = self.k, self.width
        rest_x = self.first + k * w + np.arange(len(self._rest), dtype=np.float64)
        if w == 1:
            x = self.first + np.arange(k, dtype=np.float64)
            return np.concatenate([x, rest_x]), np.concatenate([self._lo[:k], self._rest])
        mid = self.first + np.arange(k) * w + (w - 1) / 2
        x = np.repeat(mid, 2)
        y = np.empty(2 * k)
        y[0::2], y[1::2] = self._lo[:k], self._hi[:k]
        return np.concatenate([x, rest_x]), np.concatenate([y, self._rest])

    def bounds(self) -> tuple[float, float] | None:
        """Smallest and largest finite value held, or None."""
        parts = [self._lo[: self.k], self._hi[: self.k], self._rest]
        values = np.concatenate(parts)
        values = values[np.isfinite(values)]
        return (float(values.min()), float(values.max())) if values.size else None
