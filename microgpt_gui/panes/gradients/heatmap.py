"""MatrixHeatmap: one parameter matrix as a pyqtgraph heatmap with a colour bar, row labels,
outlined rows and a clickable cell."""

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QPainterPath
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QApplication,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from microgpt.model import ParamSpec
from microgpt.report import cell_name
from microgpt_gui import theme
from microgpt_gui.panes.steady_range import nice_ceil
from microgpt_gui.text import plain_tooltip, token_text

LABELLED_ROW_PX = 13  # a row with a char / position label needs a line of small text
PLAIN_ROW_PX = 9
MIN_BODY_PX, MAX_BODY_PX = 90, 420
CHROME_PX = 40  # bottom axis + its label
MIN_WIDTH_PX = 300
# rows the example used: black stands out on blue-white-red, white on dark viridis
OUTLINE, OUTLINE_ON_DARK = "#000000", "#FFFFFF"


def row_labels(spec: ParamSpec, chars) -> list[str]:
    """Tick text per row: chars + 'BOS' for wte / lm_head, else the index (positions, ...)."""
    if spec.rows_are_tokens:
        return [token_text(i, chars) for i in range(spec.shape[0])]
    return [str(i) for i in range(spec.shape[0])]


def body_height(spec: ParamSpec) -> int:
    """Pixel height of the image area: labelled rows get room for their text."""
    rows = spec.shape[0]
    row_px = LABELLED_ROW_PX if spec.kind in ("wte", "wpe", "lm_head") else PLAIN_ROW_PX
    return int(min(MAX_BODY_PX, max(MIN_BODY_PX, rows * row_px)))


def thinned(labels: list[str], pixels: float, min_px: float) -> list[tuple[float, str]]:
    """Ticks at cell centres (i + 0.5), every k-th so that labels are at least min_px apart."""
    k = max(1, math.ceil(min_px / max(pixels / max(len(labels), 1), 1e-9)))
    return [(i + 0.5, text) for i, text in enumerate(labels) if i % k == 0]


class StillPlot(pg.PlotWidget):
    """A PlotWidget without zoom whose wheel scrolls the surrounding scroll area."""

    def wheelEvent(self, ev) -> None:
        area = self.parentWidget()
        while area is not None and not isinstance(area, QAbstractScrollArea):
            area = area.parentWidget()
        if area is None:
            ev.ignore()
        else:  # what QAbstractScrollArea does with a wheel over its own viewport
            QApplication.sendEvent(area.verticalScrollBar(), ev)


class MatrixHeatmap(QWidget):
    """One (rows, cols) matrix under a wrapped title; row 0 at the top; emits cell_clicked."""

    cell_clicked = Signal(str, int, int)
    cell_double_clicked = Signal(str, int, int)

    def __init__(self, spec: ParamSpec, chars, parent=None):
        super().__init__(parent)
        self.spec, self.name, self.shape = spec, spec.name, tuple(spec.shape)
        self.chars = tuple(chars)
        self._sequential = False  # True: levels (0, limit) for magnitudes
        self._top: float | None = None  # the colour scale's end, a round number
        self.setMinimumWidth(MIN_WIDTH_PX)
        rows, cols = self.shape
        self.setObjectName(f"heatmap_{spec.name}")
        self.title = QLabel(
            f"<b>{spec.name}</b> &nbsp;{rows} × {cols} &nbsp;"
            f"<span style='color:{theme.MUTED.name()}'>{spec.about}</span>",
            wordWrap=True,
        )
        self.plot = StillPlot()
        self.plot.setObjectName(f"heatmap_{spec.name}_plot")
        self.plot.setFixedHeight(body_height(spec) + CHROME_PX)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.title)
        layout.addWidget(self.plot)
        self._labels = row_labels(spec, chars)
        self._build_plot(spec.row_axis, spec.col_axis)
        self._build_overlays()
        self.plot.scene().sigMouseClicked.connect(self._on_scene_clicked)
        self.plot.scene().sigMouseMoved.connect(self._on_scene_mouse_moved)

    def _build_plot(self, row_kind: str, col_kind: str) -> None:
        """ImageItem (x = col, y = row) with a ColorBarItem on its right."""
        item, (rows, cols) = self.plot.getPlotItem(), self.shape
        item.setMenuEnabled(False)
        item.hideButtons()
        self._setup_axes(item, row_kind, col_kind)
        vb = item.getViewBox()
        vb.setMouseEnabled(x=False, y=False)
        vb.invertY(True)  # row 0 at the top, as a matrix is written
        vb.setRange(xRange=(0, cols), yRange=(0, rows), padding=0)
        vb.sigResized.connect(self._on_view_resized)
        self.image = pg.ImageItem(np.zeros(self.shape))
        item.addItem(self.image)
        self.bar = pg.ColorBarItem(
            values=(-1, 1),
            colorMap=theme.diverging_colormap(),
            interactive=False,
            width=14,
            colorMapMenu=False,
        )
        self.bar.setImageItem(self.image, insert_in=item)
        self.bar.axis.setWidth(52)
        self.bar.axis.enableAutoSIPrefix(False)  # its label would be re-set on every change

    def _build_overlays(self) -> None:
        """Outline of the rows the example used, and a marker on the clicked cell."""
        item = self.plot.getPlotItem()
        self.outline = QGraphicsPathItem()
        self.outline.setPen(pg.mkPen(OUTLINE, width=2.5, cosmetic=True))
        self.outline.setZValue(10)
        item.addItem(self.outline, ignoreBounds=True)
        self.marker = QGraphicsRectItem()
        self.marker.setPen(pg.mkPen(theme.HIGHLIGHT, width=3, cosmetic=True))
        self.marker.setZValue(11)
        self.marker.hide()
        item.addItem(self.marker, ignoreBounds=True)

    def _setup_axes(self, item, row_kind: str, col_kind: str) -> None:
        small = {"font-size": "8pt", "color": theme.MUTED.name()}
        left, bottom = item.getAxis("left"), item.getAxis("bottom")
        left.setLabel(row_kind, **small)
        bottom.setLabel(col_kind, **small)
        left.setWidth(52)
        for axis in (left, bottom):
            axis.setStyle(tickLength=0, tickTextOffset=3)

    # --- updates -----------------------------------------------------------------------

    def set_image(self, data: np.ndarray, limit: float) -> None:
        """Show data with levels (-top, top), or (0, top) for a colormap that starts at 0,
        where top is a round number >= limit that stays put while limit is above top / 2:
        colours keep their meaning from one step to the next, and the colour bar's axis is
        not laid out again every frame."""
        top = self._top
        if top is None or limit > top or limit < top / 2:
            top = nice_ceil(limit)
        self.image.setImage(data, autoLevels=False)
        if top != self._top:
            self._top = top
            self.bar.setLevels((0.0 if self._sequential else -top, top))

    def forget_scale(self) -> None:
        """A new run: the next image chooses its colour scale afresh."""
        self._top = None

    def set_colormap(self, cmap: pg.ColorMap, sequential: bool) -> None:
        self._sequential, self._top = sequential, None
        self.bar.setColorMap(cmap)
        colour = OUTLINE_ON_DARK if sequential else OUTLINE
        self.outline.setPen(pg.mkPen(colour, width=2.5, cosmetic=True))

    def set_outlined_rows(self, rows) -> None:
        """Outline each run of consecutive rows (the rows the example used)."""
        path, cols = QPainterPath(), self.shape[1]
        for start, stop in runs(sorted(rows)):
            path.addRect(QRectF(0, start, cols, stop - start))
        self.outline.setPath(path)

    def set_selected(self, cell: tuple[int, int] | None) -> None:
        self.marker.setVisible(cell is not None)
        if cell is not None:
            self.marker.setRect(QRectF(cell[1], cell[0], 1, 1))

    def image_data(self) -> np.ndarray:
        return self.image.image

    def row_label(self, row: int) -> str:
        return self._labels[row]

    def cell_center(self, row: int, col: int) -> QPointF:
        """Scene position of a cell's centre (image x = col, y = row, untransformed in the view)."""
        vb = self.plot.getPlotItem().getViewBox()
        return vb.mapViewToScene(QPointF(col + 0.5, row + 0.5))  # brings the view matrix up to date

    # --- events ------------------------------------------------------------------------

    def _on_view_resized(self) -> None:
        item = self.plot.getPlotItem()
        vb, cols = item.getViewBox(), self.shape[1]
        h, w = vb.height(), vb.width()
        item.getAxis("left").setTicks([thinned(self._labels, h, 11), []])
        cols_text = [str(i) for i in range(cols)]
        item.getAxis("bottom").setTicks([thinned(cols_text, w, 18), []])

    def cell_at(self, scene_pos) -> tuple[int, int] | None:
        """(row, col) under a scene position, or None outside the image."""
        p = self.plot.getPlotItem().getViewBox().mapSceneToView(scene_pos)
        row, col = math.floor(p.y()), math.floor(p.x())
        return (row, col) if 0 <= row < self.shape[0] and 0 <= col < self.shape[1] else None

    def _on_scene_mouse_moved(self, pos) -> None:
        cell = self.cell_at(pos)
        if cell is None:
            self.plot.setToolTip("")
            return
        value = float(self.image.image[cell]) + 0.0  # -0.0 -> 0.0
        name = cell_name(self.spec, *cell, self.chars)
        self.plot.setToolTip(plain_tooltip(f"{name} = {value:.4g}\nclick for its numbers"))

    def _on_scene_clicked(self, ev) -> None:
        if ev.button() != Qt.LeftButton:
            return
        cell = self.cell_at(ev.scenePos())
        if cell is not None:
            row, col = cell
            ev.accept()
            self.cell_clicked.emit(self.name, row, col)
            if ev.double():
                self.cell_double_clicked.emit(self.name, row, col)


def runs(sorted_rows) -> list[tuple[int, int]]:
    """[0, 1, 2, 5] -> [(0, 3), (5, 6)]: half-open runs of consecutive rows."""
    out: list[tuple[int, int]] = []
    for r in sorted_rows:
        if out and out[-1][1] == r:
            out[-1] = (out[-1][0], r + 1)
        else:
            out.append((r, r + 1))
    return out
