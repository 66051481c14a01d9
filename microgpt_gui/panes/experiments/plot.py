"""Held-out loss against the swept setting, one curve per shown experiment, baselines as lines."""

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from microgpt.lab import AXES
from microgpt.lab.table import value_text

from ... import theme

# counting, not learning: greys told apart by their dashes, so no baseline shares a colour
# with an experiment's curve (theme.PLOT_PENS; #1 was the bigram's orange)
BASELINE_PENS = {"uniform": "#A0A0A0", "bigram": "#6E6E6E", "trigram": "#3C3C3C"}
BASELINE_DASHES = {"uniform": Qt.DashLine, "bigram": Qt.DashDotLine, "trigram": Qt.DotLine}
EMPTY = "Choose a preset or an axis and its values, then Run"


class ExperimentsPlot(pg.PlotWidget):
    """experiments_plot: curves of final held-out loss; a curve per experiment."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("experiments_plot")  # the keyword would be dropped by pyqtgraph
        self.setBackground("w")
        self.showGrid(x=True, y=True, alpha=0.3)
        self.setLabel("left", "held-out loss")
        self.addLegend(offset=(-10, 10))
        self.curves: dict[int, pg.PlotDataItem] = {}  # experiment id -> curve
        self.baselines: dict[str, pg.InfiniteLine] = {}
        self.axis: str | None = None  # the setting the curves are drawn against
        self.empty = pg.TextItem(EMPTY, color=theme.MUTED, anchor=(0.5, 0.5))
        self.addItem(self.empty)
        self.empty.setPos(0.5, 0.5)

    def show_experiments(self, experiments, current) -> None:
        """Curves of the shown experiments on current's axis; current's baselines as lines.
        Items are updated in place (rebuilding them all took ~40 ms a poll)."""
        wanted = {
            e.id: e
            for e in experiments
            if current is not None and e.shown and e.axis == current.axis
        }
        if current is None or current.axis != self.axis:
            wanted = {} if current is None else wanted
            self._drop(self.curves, keep=())  # a new axis: its own scale and log mode
        self._drop(self.curves, keep=wanted)
        losses = current.baselines.losses() if current and current.baselines else {}
        self._drop(self.baselines, keep=losses)
        self.empty.setVisible(current is None)
        if current is None:
            self.axis = None
            self.getAxis("bottom").setTicks(None)
            self.setLogMode(x=False)
            return
        if current.axis != self.axis:
            self.axis, axis = current.axis, AXES[current.axis]
            self.setLogMode(x=axis.log_x)
            self.setLabel("bottom", axis.label)
        ticks = set()
        for e in wanted.values():
            xs, ys = e.points()
            ticks.update(xs)
            if e.id in self.curves:
                self.curves[e.id].setData(xs, ys)
                continue
            pen = pg.mkPen(theme.PLOT_PENS[e.id % len(theme.PLOT_PENS)], width=2)
            self.curves[e.id] = self.plot(
                xs, ys, pen=pen, symbol="o", symbolBrush=pen.color(), name=e.name
            )
        log_x = AXES[current.axis].log_x
        at = lambda x: math.log10(x) if log_x else x  # noqa: E731
        self.getAxis("bottom").setTicks(
            [[(at(x), value_text(x)) for x in sorted(ticks)]] if ticks else None
        )
        for name, loss in losses.items():
            line = self.baselines.get(name)
            if line is None:
                self._baseline(name, loss)
            elif line.value() != loss:
                line.setValue(loss)
                line.label.setFormat(f"{name} {loss:.3f}")

    def _drop(self, items: dict, keep) -> None:
        """Remove the items whose key is not in keep (from the plot and its legend)."""
        for key in [k for k in items if k not in keep]:
            self.removeItem(items.pop(key))

    def _baseline(self, name: str, loss: float) -> None:
        pen = pg.mkPen(BASELINE_PENS[name], width=1.5, style=BASELINE_DASHES[name])
        below = [(0, 0), (0, 0)] if name == "uniform" else [(0, 1), (0, 1)]  # the top one: inside
        line = pg.InfiniteLine(
            pos=loss, angle=0, pen=pen, label=f"{name} {loss:.3f}",
            labelOpts={"position": 0.02, "color": BASELINE_PENS[name], "anchors": below},
        )  # fmt: skip
        self.addItem(line)
        self.baselines[name] = line

    def y_values(self, experiment_id: int) -> np.ndarray:
        curve = self.curves.get(experiment_id)
        return np.array([]) if curve is None else np.asarray(curve.yData)
