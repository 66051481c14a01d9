"""SteadyRange: a plot range that follows growing data in coarse steps.

pyqtgraph's auto-range moves the view on every new point; each move resizes the axes and
costs 3-4 extra repaints (measured: 4 paints per setData instead of 1). While training
plays, that was most of the window's redraw time. Here x grows to the next round number
and y only moves when the data leave the range or use less than half of it.
"""

import math

import numpy as np
import pyqtgraph as pg

MIN_X = 10  # the step axis shows at least 0..10, so its first ticks are whole steps
STEPS = (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)  # at most 25% of the width left empty


def nice_ceil(x: float) -> float:
    """The smallest round number (STEPS times a power of ten) that is >= x."""
    if x <= 0:
        return 1.0
    base = 10 ** math.floor(math.log10(x))
    return next(m * base for m in STEPS if m * base >= x)


class SteadyRange:
    """Keeps plot_item's view around the data; stops while the user zooms or pans, and
    resumes when they press pyqtgraph's 'A' (auto-range) button."""

    def __init__(self, plot_item, refit):
        self.item, self.vb, self.refit = plot_item, plot_item.vb, refit
        self.following = True
        self._range: tuple | None = None
        self.vb.disableAutoRange()
        self.vb.sigRangeChangedManually.connect(self._on_view_range_changed_manually)
        plot_item.autoBtn.clicked.connect(self._on_auto_button_clicked)

    def fit(self, x_max: float, ys: list[np.ndarray], log_y: bool = False) -> None:
        """Show x in [0, nice(x_max)] and every finite y, in coarse steps."""
        if not self.following:
            return
        values = np.concatenate([y[np.isfinite(y)] for y in ys]) if ys else np.zeros(0)
        if log_y:
            values = np.log10(values[values > 0])
        if values.size == 0:
            return
        lo, hi = float(values.min()), float(values.max())
        y_range = self._y_range(lo, hi)
        wanted = (0.0, nice_ceil(max(x_max, MIN_X)), *y_range)
        if wanted != self._range:
            self._range = wanted
            self.vb.setRange(xRange=wanted[:2], yRange=wanted[2:], padding=0)

    def _y_range(self, lo: float, hi: float) -> tuple[float, float]:
        """Keep the current y range while it holds the data and they fill half of it."""
        if self._range is not None:
            y0, y1 = self._range[2:]
            if y0 <= lo and hi <= y1 and (hi - lo) >= 0.5 * (y1 - y0):
                return y0, y1
        # headroom, so falling data do not move it at once; a single value (or flat data)
        # gets +-10% of itself, not a range of rounding errors with 12-digit ticks
        size = max(abs(lo), abs(hi))
        pad = 0.15 * (hi - lo) if hi - lo > 0.01 * size else max(0.1 * size, 1e-3)
        return lo - pad, hi + pad

    def forget(self) -> None:
        """A new run: follow the data again from scratch."""
        self._range, self.following = None, True

    def _on_view_range_changed_manually(self, *_) -> None:
        self.following = False

    def _on_auto_button_clicked(self) -> None:
        self.vb.disableAutoRange()
        self.forget()
        self.refit()


class StepAxis(pg.AxisItem):
    """A bottom axis of training steps: ticks only at whole steps, however far one zooms."""

    def __init__(self, **kw):
        super().__init__("bottom", **kw)

    def tickSpacing(self, minVal, maxVal, size):
        levels = super().tickSpacing(minVal, maxVal, size)
        whole = [(spacing, offset) for spacing, offset in levels if spacing >= 1]
        return whole or [(1.0, 0.0)]
