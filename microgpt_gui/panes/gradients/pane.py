"""GradientsPane: a heatmap per parameter matrix, a cell inspector, and the grad-norm history."""

import numpy as np
from PySide6.QtCore import QEvent, QPoint, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from microgpt import RunInfo, StepPoints, StepReport
from microgpt_gui import theme
from microgpt_gui.panes import on_screen
from microgpt_gui.run.state import RunState

from .heatmap import MIN_WIDTH_PX, MatrixHeatmap
from .inspector import ParamInspector
from .norms import GradNormsPlot

# key, combo text, hint under the controls
VIEWS = (
    (
        "grad",
        "gradient",
        "Red: the loss grows if this number grows; blue: it shrinks. "
        "Outlined: rows this example used.",
    ),
    (
        "value",
        "value (after the step)",
        "The model's numbers themselves after this step: red positive, blue negative.",
    ),
    (
        "update",
        "update (this step's change)",
        "How much this step moved each number: red up, blue down. Outlined: the rows it "
        "moved. Rows this example did not use move too, carried by Adam's momentum m; rows "
        "never used yet have m = 0 and stay still.",
    ),
    (
        "mean_abs",
        "average size of the gradient",
        "Size of the gradient averaged over the last "
        "~10 steps: bright cells are pushed hard and often.",
    ),
)
EMPTY_TEXT = (
    "Press Step (S) or Play (Space) to train.\n\nAfter each step, the gradient of "
    "every one of the model's {count} numbers appears here, one heatmap per matrix "
    "({names}). Red: the loss would grow if that number grew; blue: it would shrink; "
    "white: no effect. Click a cell to see how Adam moved it."
)


class HeatmapGrid(QWidget):
    """Heatmaps in as many columns as fit; a wide matrix takes a whole row."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setSpacing(4)
        self.maps: list[MatrixHeatmap] = []
        self._columns = 0

    def set_maps(self, maps: list[MatrixHeatmap]) -> None:
        for old in self.maps:
            self.grid.removeWidget(old)
            old.deleteLater()
        self.maps, self._columns = maps, 0
        self._relayout()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._relayout()

    def _relayout(self) -> None:
        columns = max(1, self.width() // (MIN_WIDTH_PX + 40))
        if columns == self._columns:
            return
        self._columns = columns
        for w in self.maps:
            self.grid.removeWidget(w)
        row, col = 0, 0
        for w in self.maps:
            rows, cols = w.shape
            span = columns if cols > 2 * rows else 1
            if col + span > columns:
                row, col = row + 1, 0
            self.grid.addWidget(w, row, col, 1, span, Qt.AlignTop)
            row, col = (row + 1, 0) if col + span >= columns else (row, col + span)
        self.grid.setRowStretch(row + 1, 1)


class GradientsPane(QWidget):
    """Renders the run's reports: heatmaps (setImage), inspector, grad-norm history.

    While hidden (another tab in front) it only remembers the latest report, and draws it
    when shown.
    """

    def __init__(self, run: RunState, parent=None):
        super().__init__(parent)
        self.report: StepReport | None = None
        self.info: RunInfo | None = None
        self.heatmaps: dict[str, MatrixHeatmap] = {}
        self.specs = {}
        self._built: tuple | None = None  # (specs, chars) the heatmaps were built for
        self.selected: tuple[str, int, int] | None = None
        self._stale = False  # a report arrived while hidden
        self.run = run
        self._held: StepPoints | None = None  # grad norms held back until 'backward'
        self._chosen_view: int | None = None  # the learner's view, while a phase shows another
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(self._build_controls())
        layout.addWidget(self.hint)
        layout.addWidget(self._build_body(), 1)
        run.reset.connect(self._on_run_reset)
        run.advanced.connect(self._on_run_advanced)
        run.reported.connect(self._on_run_reported)
        run.answered.connect(self.inspector.show_answer)
        run.phase_changed.connect(self._on_run_phase_changed)

    def _build_body(self) -> QSplitter:
        """(heatmaps or the empty text | inspector) above the grad-norm history."""
        self.empty = QLabel(
            EMPTY_TEXT.format(count="all", names="wte, wpe, lm_head, …"),
            objectName="gradients_empty",
            wordWrap=True,
            alignment=Qt.AlignCenter,
        )
        self.grid = HeatmapGrid()
        self.scroll = QScrollArea(objectName="gradients_scroll", widgetResizable=True)
        self.scroll.setWidget(self.grid)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        # The empty text floats over the (blank) heatmaps instead of replacing them, so the
        # first report only repaints: swapping pages relaid out 9 plots (a ~70 ms stall).
        self.empty.setParent(self.scroll)
        self.empty.setStyleSheet(
            f"color: {theme.MUTED.name()}; padding: 12px; background: rgba(255,255,255,235);"
            "border: 1px solid #cccccc; border-radius: 6px"
        )
        self.scroll.installEventFilter(self)
        self.inspector = ParamInspector()
        side = QScrollArea(widgetResizable=True, minimumWidth=280)  # the check reads in few lines
        side.setWidget(self.inspector)
        top = QSplitter(Qt.Horizontal, childrenCollapsible=False)
        top.addWidget(self.scroll)
        top.addWidget(side)
        top.setStretchFactor(0, 1)
        self.norms = GradNormsPlot()
        self.norms.setMinimumHeight(110)
        self.splitter = QSplitter(Qt.Vertical, childrenCollapsible=False)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.norms)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([350, 150])
        return self.splitter

    def _build_controls(self) -> QHBoxLayout:
        self.view = QComboBox(objectName="gradients_view")
        for key, text, _ in VIEWS:
            self.view.addItem(text, key)
        self.view.setToolTip("What the colours show")
        self.view.currentIndexChanged.connect(self._on_view_changed)
        self.shared = QCheckBox("one scale for all", objectName="gradients_shared_scale")
        self.shared.setToolTip(
            "Off: each matrix has its own colour scale (see its colour bar).\n"
            "On: one scale for every matrix, so they can be compared."
        )
        self.shared.toggled.connect(self._on_shared_toggled)
        self.goto = QComboBox(objectName="gradients_goto")
        self.goto.setToolTip("Scroll to a matrix")
        self.goto.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.goto.activated.connect(self._on_goto_activated)
        self.goto.setEnabled(False)
        self.hint = QLabel(VIEWS[0][2], objectName="gradients_hint", wordWrap=True)
        self.hint.setStyleSheet(f"color: {theme.MUTED.name()}")
        row = QHBoxLayout()
        for w in (QLabel("show"), self.view, self.shared, QLabel("go to"), self.goto):
            row.addWidget(w)
        row.addStretch(1)
        return row

    @property
    def view_key(self) -> str:
        return self.view.currentData()

    # --- the run ---------------------------------------------------------------------

    def _on_run_reset(self, info: RunInfo) -> None:
        """A new, reset or loaded run: one heatmap per matrix, grad-norm history restored."""
        self.info, self.report, self.selected, self._stale = info, None, None, False
        self.inspector.clear()
        if (info.specs, tuple(info.chars)) != self._built:
            self._build_heatmaps(info.specs, info.chars)
        for heatmap in self.heatmaps.values():
            heatmap.set_selected(None)
            heatmap.set_outlined_rows(())
        self._blank()
        self.scroll.verticalScrollBar().setValue(0)
        self.goto.setCurrentIndex(0)
        self.empty.setText(EMPTY_TEXT.format(count=f"{info.param_count:,}", names=self._names()))
        self.empty.show()
        self.empty.raise_()
        self.norms.reset(info.specs, info.config.n_layer, info.history)

    def _names(self) -> str:
        return ", ".join(list(self.heatmaps)[:3]) + ", …"

    def _build_heatmaps(self, specs, chars) -> None:
        """One MatrixHeatmap per matrix (only when the run's shape changes, never per report)."""
        self._built = (specs, tuple(chars))
        maps = [MatrixHeatmap(spec, chars) for spec in specs]
        for m in maps:
            m.cell_clicked.connect(self._on_heatmap_cell_clicked)
            m.cell_double_clicked.connect(self.inspector.trace_requested)
        self.heatmaps = {m.name: m for m in maps}
        if maps:
            maps[0].plot.installEventFilter(self)  # the empty text keeps under its title
        self.specs = {spec.name: spec for spec in specs}
        self.grid.set_maps(maps)
        self._apply_colormap()
        self.goto.clear()
        self.goto.addItems([f"{s.name}  {s.shape[0]}×{s.shape[1]}" for s in specs])
        self.goto.setEnabled(bool(specs))

    def _on_run_advanced(self, points: StepPoints) -> None:
        if self.run.phase == "loss":  # a step shown phase by phase: its norms come backward
            self._held = points
            return
        self.norms.extend(points)

    def _on_run_phase_changed(self, phase: str, report) -> None:
        """backward: this step's gradients (the grad view, rows used outlined) and its
        grad-norm point; update: the update view; after: the learner's own view again."""
        if self._held is not None and phase != "loss":
            self.norms.extend(self._held)
            self._held = None
        if phase in ("forward", "loss") and report is not None:
            before = f"step {report.step - 1}'s" if report.step > 1 else "no step's"
            self.hint.setText(
                f"Step {report.step}'s gradients come in its backward phase (Shift+S); "
                f"these are {before}."
            )
        else:
            self.hint.setText(VIEWS[self.view.currentIndex()][2])
        if phase in ("backward", "update"):
            if self._chosen_view is None:
                self._chosen_view = self.view.currentIndex()
            self.view.setCurrentIndex(self.view.findData("grad" if phase == "backward" else phase))
        elif phase == "" and self._chosen_view is not None:
            self.view.setCurrentIndex(self._chosen_view)
            self._chosen_view = None

    def _on_run_reported(self, report: StepReport) -> None:
        self.report = report
        if not on_screen(self):
            self._stale = True
            return
        self._show_report()

    def _show_report(self) -> None:
        """Refresh every heatmap in place (setImage) and the inspected cell."""
        self._stale = False
        self._refresh()
        self.empty.hide()
        if self.selected is not None:
            name, row, col = self.selected
            self.inspector.show_cell(self.report, self.specs[name], row, col)

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self._stale:  # the tab came forward: draw what it missed, next turn
            QTimer.singleShot(0, self, self._catch_up)

    def _catch_up(self) -> None:
        if self._stale and self.report is not None:
            self._show_report()

    def eventFilter(self, obj, event) -> bool:
        moved = event.type() in (QEvent.Resize, QEvent.Move)
        if moved and (obj is self.scroll or (self.grid.maps and obj is self.grid.maps[0].plot)):
            self._place_empty()
        return False

    def _place_empty(self) -> None:
        """The empty text over the first heatmap's plot, under its title (which it names)."""
        top = 8
        if self.grid.maps:
            top += self.grid.maps[0].plot.mapTo(self.scroll, QPoint(0, 0)).y()
        width = self.scroll.width() - 24
        self.empty.setGeometry(8, top, width, self.empty.heightForWidth(width))

    # --- drawing ---------------------------------------------------------------------

    def _blank(self) -> None:
        """Zeros in every heatmap: the shapes and labels show before the first step."""
        for heatmap in self.heatmaps.values():
            heatmap.forget_scale()
            heatmap.set_image(np.zeros(heatmap.shape), 1.0)  # white, with a readable colour bar

    def matrix(self, name: str) -> np.ndarray:
        """The array the current view shows for one matrix."""
        r, key = self.report, self.view_key
        views = {"grad": r.grads, "value": r.params, "update": r.updates}
        return (views.get(key) or r.mean_abs_grads)[name]

    def _refresh(self) -> None:
        if self.report is None or not self.heatmaps:
            return
        data = {name: self.matrix(name) for name in self.heatmaps}
        limits = {name: float(np.abs(a).max()) for name, a in data.items()}
        shared = max(limits.values())
        for name, heatmap in self.heatmaps.items():
            limit = shared if self.shared.isChecked() else limits[name]
            heatmap.set_image(data[name], limit if limit > 0 else 1e-12)
        for name, rows in self._outlined().items():
            self.heatmaps[name].set_outlined_rows(rows)

    def _outlined(self) -> dict:
        """name -> rows to outline: those the update moved in the update view, else the
        embedding rows the example used."""
        r = self.report
        if self.view_key == "update":
            return {name: np.flatnonzero(r.updates[name].any(axis=1)) for name in self.heatmaps}
        used = {"wte": set(r.tokens[: r.n]), "wpe": range(r.n)}
        return {name: used.get(name, ()) for name in self.heatmaps}

    def _apply_colormap(self) -> None:
        sequential = self.view_key == "mean_abs"  # magnitudes: 0 .. max, not centred at 0
        cmap = theme.sequential_colormap() if sequential else theme.diverging_colormap()
        for heatmap in self.heatmaps.values():
            heatmap.set_colormap(cmap, sequential)

    # --- events ----------------------------------------------------------------------

    def _on_view_changed(self, index: int) -> None:
        self.hint.setText(VIEWS[index][2])
        self._apply_colormap()
        self._refresh()

    def _on_shared_toggled(self, _on: bool) -> None:
        self._refresh()

    def _on_goto_activated(self, index: int) -> None:
        names = list(self.heatmaps)
        if 0 <= index < len(names):
            self.scroll.verticalScrollBar().setValue(self.heatmaps[names[index]].y())

    def _on_heatmap_cell_clicked(self, name: str, row: int, col: int) -> None:
        self.selected = (name, row, col)
        for other in self.heatmaps.values():
            other.set_selected((row, col) if other.name == name else None)
        if self.report is not None:
            self.inspector.show_cell(self.report, self.specs[name], row, col)
