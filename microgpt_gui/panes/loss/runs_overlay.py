"""RunsOverlay: the loss pane's time travel. Other runs' smoothed curves in their own
colours with a legend, the current run's recorded future (after going back) as a faint
line, a hover readout of every shown run, and "Go to step k" by a click on a point of the
plot or from its context menu."""

import html
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel

from microgpt.runs import RunRecord, TimelineInfo
from microgpt_gui.panes.envelope import Envelope
from microgpt_gui.panes.runs.pane import run_colour

from .pane import RAW_COLOUR, SMOOTH_COLOUR, LossPane, Smoothed

CLICK_PX = 12  # a click this close (vertically) to a drawn point of its step goes there


def lr_text(lr: float) -> str:
    return f"lr {lr:g}"


def swatch(colour: str, text: str) -> str:
    """A run's name after a line in its colour (rich text; the name escaped)."""
    return f"<span style='color:{colour}'><b>━━</b></span>&nbsp;{html.escape(text)}"


class RunsOverlay(QObject):
    """Draws the shown runs over a LossPane and turns clicks on it into goto_requested."""

    goto_requested = Signal(int)

    def __init__(self, pane: LossPane):
        super().__init__(pane)
        self.pane, self.run = pane, pane.run
        self.runs: tuple[RunRecord, ...] = ()  # the kept runs shown
        self._smoothed: dict[int, np.ndarray] = {}  # run id -> smoothed loss
        self.curves: list[pg.PlotDataItem] = []
        self._future = np.zeros(0)  # the current run's recorded loss up to its furthest step
        item = pane.plot.getPlotItem()
        self.ghost = item.plot(pen=pg.mkPen(RAW_COLOUR, width=1, style=Qt.DotLine))
        self.ghost.setOpacity(0.6)
        self._ghost_step, self._ghost_shown = -1, False
        self.legend = QLabel(objectName="loss_runs_legend", textFormat=Qt.RichText)
        self.legend.setWordWrap(True)
        self.legend.setToolTip("The runs drawn, in their colours (the Runs pane chooses them)")
        self.legend.hide()
        pane.layout().insertWidget(2, self.legend)
        self.hover_step = 0  # the step under the mouse, for the context menu
        self.goto_action = QAction("Go to step …", pane.plot, objectName="loss_goto_step")
        self.goto_action.setEnabled(False)
        self.goto_action.triggered.connect(self._on_goto_action_triggered)
        menu = item.vb.menu
        menu.insertAction(menu.actions()[0] if menu.actions() else None, self.goto_action)
        menu.insertSeparator(menu.actions()[1])
        pane.plot.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)
        pane.plot.scene().sigMouseClicked.connect(self._on_scene_mouse_clicked)
        pane.extra_readout = self.readout
        pane.extra_range = self.data_range
        pane.log_y.toggled.connect(self._redraw)
        pane.smoothing.valueChanged.connect(self._on_smoothing_changed)
        self.run.timeline_changed.connect(self._on_run_timeline_changed)
        self.run.drawn.connect(self._on_run_drawn)

    # --- what to draw ---------------------------------------------------------------------

    def show_runs(self, runs) -> None:
        """Draw these kept runs (RunRecords) beside the current one."""
        self.runs = tuple(runs)
        self._smooth()
        self._redraw()

    def _on_run_timeline_changed(self, info: TimelineInfo) -> None:
        self._future = info.runs[0].loss
        self._redraw_ghost()
        self.pane.redraw()

    def data_range(self) -> tuple[int, list]:
        """The last step and the values of the curves drawn here (for the pane's range)."""
        curves = [c for c in (self.ghost, *self.curves) if c.yData is not None]
        x_max = max([len(self._future), *(len(r.loss) for r in self.runs)])
        return x_max, [np.asarray(c.yData) for c in curves]

    def _on_smoothing_changed(self, _value) -> None:
        self._smooth()
        self._redraw()

    def _smooth(self) -> None:
        w = self.pane.smoothed.weight
        self._smoothed = {r.id: Smoothed(w).extend(r.loss).copy() for r in self.runs}

    def _redraw(self) -> None:
        item = self.pane.plot.getPlotItem()
        for curve in self.curves:
            item.removeItem(curve)
        self.curves = []
        for r in self.runs:
            env = Envelope()
            env.extend(self._smoothed[r.id])
            pen = pg.mkPen(run_colour(r), width=2)
            curve = item.plot(*env.xy(), pen=pen, name=r.name)
            curve.setZValue(-1)  # under the current run's curves: where they part shows
            self.curves.append(curve)
        self._redraw_ghost()
        self._legend()
        self.pane.redraw()

    def _on_run_drawn(self, step: int) -> None:
        if step != self._ghost_step and (len(self._future) > step or self._ghost_shown):
            self._redraw_ghost()

    def _redraw_ghost(self) -> None:
        """The current run's recorded steps after this one: where Step goes next."""
        k = self._ghost_step = self.run.step
        was, self._ghost_shown = self._ghost_shown, len(self._future) > k
        if was != self._ghost_shown:
            self._legend()
        if not self._ghost_shown:
            self.ghost.setData([], [])
            return
        env = Envelope()
        env.clear(first=k + 1)
        env.extend(self._future[k:])
        x, y = env.xy()
        self.ghost.setData(x, y)

    def _legend(self) -> None:
        """The runs' names in their colours, after the pane's own legend."""
        current = self.run.timeline.runs[0] if self.run.timeline else None
        shown = (bool(self.runs) or self._ghost_shown) and current is not None
        self.legend.setVisible(shown)
        if not shown:
            return
        parts = [
            swatch(SMOOTH_COLOUR, f"{current.name} (current, {lr_text(current.learning_rate)})")
        ]
        if self._ghost_shown:
            ahead = f"<span style='color:{RAW_COLOUR}'>┈┈</span>&nbsp;its recorded steps ahead"
            parts.append(ahead)
        for r in self.runs:
            parts.append(swatch(run_colour(r), f"{r.name} ({lr_text(r.learning_rate)})"))
        self.legend.setText(" &nbsp;&nbsp; ".join(parts))

    # --- reading and going ------------------------------------------------------------------

    @property
    def legend_shown(self) -> bool:
        return not self.legend.isHidden()

    def readout(self, step: int) -> str:
        """What every shown run's smoothed loss is at this step (for the pane's readout)."""
        parts = []
        if self.run.step < step <= len(self._future):
            parts.append(f"recorded {self._future[step - 1]:.4f}")
        for r in self.runs:
            values = self._smoothed[r.id]
            value = f"{values[step - 1]:.4f}" if step <= len(values) else "–"
            parts.append(f"{r.name} smoothed {value}")
        return "  ·  ".join(parts)

    def step_at(self, scene_pos) -> int | None:
        """The step under a scene position, within the steps one can go to; None outside."""
        vb = self.pane.plot.getPlotItem().vb
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        step = round(vb.mapSceneToView(scene_pos).x())
        return min(max(step, self.run.first), self.run.furthest)

    def _on_scene_mouse_moved(self, pos) -> None:
        step = self.step_at(pos)
        if step is not None:
            self.hover_step = step
            self.goto_action.setText(f"Go to step {step}")
            self.goto_action.setEnabled(True)

    def _on_scene_mouse_clicked(self, event) -> None:
        if event.button() != Qt.LeftButton or event.double():
            return
        step = self.step_at(event.scenePos())
        if step is not None and self._near_a_point(step, event.scenePos()):
            event.accept()
            self.goto_requested.emit(step)

    def _near_a_point(self, step: int, scene_pos) -> bool:
        """Is the click within CLICK_PX (vertically) of the current run's point at step?"""
        h, ys = self.run.history, []
        if 1 <= step <= len(h):
            ys += [float(h.loss[step - 1]), float(self.pane.smoothed.values[step - 1])]
        if 1 <= step <= len(self._future):
            ys.append(float(self._future[step - 1]))
        if step == 0:
            ys.append(self.pane.uniform)  # step 0 has no loss: its point is the start
        vb = self.pane.plot.getPlotItem().vb
        log = self.pane.log_y.isChecked()
        for y in ys:
            y = math.log10(y) if log and y > 0 else y
            point = vb.mapViewToScene(pg.Point(step, y))
            if abs(point.y() - scene_pos.y()) <= CLICK_PX:
                return True
        return False

    def _on_goto_action_triggered(self) -> None:
        self.goto_requested.emit(self.hover_step)
