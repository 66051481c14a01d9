"""Envelope: what a plot draws of a series that grows by one point a step, at a flat cost.

Consecutive steps are grouped in buckets of `width`; each bucket keeps its min and max.
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
        # the bucket being filled: its min, max and count (< width). Not its values: the
        # width grows with the run (steps / 256 to steps / 128), and so would they.
        self._part_lo, self._part_hi, self._part_n = 0.0, 0.0, 0

    @property
    def n(self) -> int:
        """Steps held."""
        return self.k * self.width + self._part_n

    def extend(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=np.float64)
        while len(values):
            if self._part_n or len(values) < self.width:
                take = min(self.width - self._part_n, len(values))
                self._fill_part(values[:take])
                values = values[take:]
            else:
                full = min(len(values) // self.width, len(self._lo) - self.k)
                block = values[: full * self.width].reshape(full, self.width)
                values = values[full * self.width :]  # before _push: a merge doubles width
                with np.errstate(invalid="ignore"):
                    self._push(block.min(axis=1), block.max(axis=1))

    def _fill_part(self, values: np.ndarray) -> None:
        """Add values to the bucket being filled; push it once it is full."""
        with np.errstate(invalid="ignore"):  # a nan makes the bucket nan, as in extend
            lo, hi = values.min(), values.max()
            if self._part_n:
                lo, hi = np.minimum(lo, self._part_lo), np.maximum(hi, self._part_hi)
        self._part_lo, self._part_hi = float(lo), float(hi)
        self._part_n += len(values)
        if self._part_n == self.width:
            self._part_n = 0
            self._push(np.array([self._part_lo]), np.array([self._part_hi]))

    def _push(self, lo: np.ndarray, hi: np.ndarray) -> None:
        """Full buckets at the end; merge when there is no room for more."""
        self._lo[self.k : self.k + len(lo)] = lo
        self._hi[self.k : self.k + len(hi)] = hi
        self.k += len(lo)
        if self.k == len(self._lo):
            self._merge()

    def _merge(self) -> None:
        """Halve the buckets: each pair of neighbours becomes one, twice as wide."""
        half = self.k // 2
        self._lo[:half] = np.fmin(self._lo[0 : 2 * half : 2], self._lo[1 : 2 * half : 2])
        self._hi[:half] = np.fmax(self._hi[0 : 2 * half : 2], self._hi[1 : 2 * half : 2])
        self.k, self.width = half, self.width * 2

    def xy(self) -> tuple[np.ndarray, np.ndarray]:
        """Points to draw: each bucket's min then max at its middle step (one point per
        step while the width is 1), then the bucket being filled, at the middle of its steps."""
        k, w, m = self.k, self.width, self._part_n
        if w == 1:
            return self.first + np.arange(k, dtype=np.float64), self._lo[:k].copy()
        mid = self.first + np.arange(k + (m > 0)) * w + (w - 1) / 2
        if m:
            mid[-1] = self.first + k * w + (m - 1) / 2
        y = np.empty(2 * len(mid))
        y[0 : 2 * k : 2], y[1 : 2 * k : 2] = self._lo[:k], self._hi[:k]
        if m:
            y[-2:] = self._part_lo, self._part_hi
        return np.repeat(mid, 2), y

    def bounds(self) -> tuple[float, float] | None:
        """Smallest and largest finite value held, or None."""
        part = [self._part_lo, self._part_hi] if self._part_n else []
        values = np.concatenate([self._lo[: self.k], self._hi[: self.k], part])
        values = values[np.isfinite(values)]
        return (float(values.min()), float(values.max())) if values.size else None
