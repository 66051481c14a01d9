"""Penguins: the time of one training epoch (every training penguin, forward and backward
through the scalar Value engine, then the update), and of what the pane adds per step.

    python scripts/bench_penguins.py

The issue's target: 4 inputs and 8 hidden units "well under 0.2 s" an epoch.
"""

import numpy as np

from microgpt.bench import median_ms
from microgpt.penguins.classifier import PenguinModel
from microgpt.penguins.data import NUMERIC
from microgpt_gui.panes.penguins.worker import GRID, _extent


def main() -> None:
    cases = [
        (("flipper_length_mm",), 0),
        (("bill_length_mm", "flipper_length_mm"), 0),
        (tuple(NUMERIC), 8),
        (tuple(NUMERIC), 16),
    ]
    for features, hidden in cases:
        model = PenguinModel(features, hidden=hidden)
        model.step()  # warm up
        ms = median_ms(model.step, 9)
        print(f"{len(features)} inputs, hidden {hidden:2d}: one epoch {ms:6.1f} ms (median of 9)")
    model = PenguinModel(("bill_length_mm", "flipper_length_mm"))
    x0, x1, y0, y1 = _extent(model)
    xs, ys = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
    ms = median_ms(lambda: model.predict_grid(xs, ys), 9)
    print(f"decision regions ({GRID}x{GRID} grid, NumPy): {ms:.2f} ms (median of 9)")


if __name__ == "__main__":
    main()
