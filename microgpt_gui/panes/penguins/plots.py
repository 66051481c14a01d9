"""PenguinPlots: the penguins pane's views (the scatter with its decision regions and
histograms, the loss, the confusion matrix, the runs table) and how a frame is drawn on them."""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
)

from microgpt.penguins.data import SHORT, SPECIES
from microgpt_gui import theme

COLOURS = [QColor(c) for c in ("#E69F00", "#56B4E9", "#009E73")]  # Adelie, Chinstrap, Gentoo
INTRO = (
    "Can one measurement tell three species apart? Press Train with flipper length alone: "
    "Adelie and Chinstrap penguins have flippers of about the same length, so the model "
    "mixes them up (80% right on penguins it never saw). Then tick bill length, Reset "
    "and Train again: the second input separates them (95%). Click a penguin to see "
    "its loss as a graph in the Computation graph pane."
)


def label_of(feature: str) -> str:
    return SHORT.get(feature, feature).replace("_", " ")


class PenguinPlots:
    """Builds and draws the views; mixed into PenguinsPane (self), which holds the data."""

    def _build_views(self) -> None:
        self.scatter = pg.PlotWidget()
        self.scatter.setObjectName("penguins_scatter")  # PlotWidget(objectName=) drops it
        self.scatter.setMinimumHeight(200)
        item = self.scatter.getPlotItem()
        item.setMenuEnabled(False)
        self.legend = item.addLegend(offset=(-4, 4), labelTextSize="8pt")
        self.legend.setBrush(pg.mkBrush(255, 255, 255, 210))
        self.regions = pg.ImageItem()
        self.regions.setZValue(-10)
        item.addItem(self.regions)
        self.points = []
        self.key = QLabel(
            "dots: one per penguin, filled = training, hollow = test (never trained on) · "
            "shading: the species the model says there · "
            "click one to see its loss as a graph",
            objectName="penguins_key",
            wordWrap=True,
        )
        self.key.setStyleSheet(f"color: {theme.MUTED.name()}")
        self.x_axis = QComboBox(objectName="penguins_x")
        self.y_axis = QComboBox(objectName="penguins_y")
        for box in (self.x_axis, self.y_axis):
            box.currentIndexChanged.connect(self._draw_scatter)
        self.loss_plot = pg.PlotWidget()
        self.loss_plot.setObjectName("penguins_loss")
        self.loss_plot.setFixedHeight(120)
        self.loss_plot.getPlotItem().setLabel("left", "loss", **{"font-size": "8pt"})
        self.loss_plot.getPlotItem().setMenuEnabled(False)
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen(theme.DATA, width=2))
        self.confusion = QTableWidget(3, 3, objectName="penguins_confusion")
        self.confusion.setHorizontalHeaderLabels([f"→ {s[:4]}." for s in SPECIES])
        self.confusion.setVerticalHeaderLabels(list(SPECIES))
        self.confusion.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.confusion.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.confusion.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.confusion.setEditTriggers(QTableWidget.NoEditTriggers)
        self.confusion.setToolTip("Test penguins: row = true species, column = predicted")
        self.confusion.setFixedHeight(self.confusion.horizontalHeader().height() + 3 * 30 + 4)
        for i in range(3):
            self.confusion.setRowHeight(i, 30)
        self.runs = QTableWidget(0, 4, objectName="penguins_runs")
        self.runs.setHorizontalHeaderLabels(["inputs", "hidden", "steps", "test accuracy"])
        self.runs.setEditTriggers(QTableWidget.NoEditTriggers)
        self.runs.horizontalHeader().setStretchLastSection(True)
        self.runs.setWordWrap(False)
        self.runs.setColumnWidth(0, 220)
        self.runs.verticalHeader().setDefaultSectionSize(22)
        header = self.runs.horizontalHeader().sizeHint().height()
        # four runs (lesson 6 compares flipper alone and with each second input), then it
        # scrolls; fixed, as the scatter above took all but 2.5 rows at 1280x800
        self.runs.setFixedHeight(header + 4 * 22 + 6)
        self.intro = QLabel(INTRO, objectName="penguins_intro", wordWrap=True)
        self.intro.setStyleSheet(f"color: {theme.MUTED.name()}")

    # --- drawing --------------------------------------------------------------------

    def _draw_scatter(self, *_) -> None:
        item = self.scatter.getPlotItem()
        for p in self.points:
            item.removeItem(p)
        self.points = []
        self.legend.clear()
        if self.data is None:
            return
        fx, fy = self.x_axis.currentData(), self.y_axis.currentData()
        if fx is None:
            item.setLabel("bottom", "island / sex only: nothing to plot")
            return
        rows = [self.penguins[r] for r in self.data.rows]
        test = set(self.data.test)
        strip = fy is None or fy == fx
        if strip:
            top = self._strip_top = self._draw_histograms(fx, rows)
        for k, species in enumerate(SPECIES):
            mine = [(i, p) for i, p in enumerate(rows) if p.species == species]
            if strip:  # one dot per penguin in a row of its species, under the bars
                jitter = np.random.default_rng(k).uniform(-0.035, 0.035, len(mine)) * top
                ys = [-top * (0.12 + 0.11 * k) + j for j in jitter]
            else:
                ys = [getattr(p, fy) for _, p in mine]
            spots = [
                {
                    "pos": (getattr(p, fx), y),
                    "data": p.row,
                    "brush": pg.mkBrush(COLOURS[k]) if i not in test else pg.mkBrush(None),
                    "pen": pg.mkPen(COLOURS[k].darker(140), width=1.5),
                }
                for (i, p), y in zip(mine, ys)
            ]
            points = pg.ScatterPlotItem(
                spots=spots,
                size=7 if strip else 8,
                hoverable=True,
                tip=self._tip,
                brush=pg.mkBrush(COLOURS[k]),  # what the legend shows
                pen=pg.mkPen(COLOURS[k].darker(140)),
            )
            points.sigClicked.connect(self._on_points_clicked)
            item.addItem(points)
            self.points.append(points)
            if not strip:
                self.legend.addItem(points, f"{species} ({len(mine)})")
        item.setLabel("bottom", label_of(fx))
        item.setLabel("left", "penguins per bar" if strip else label_of(fy))
        item.enableAutoRange()

    def _draw_histograms(self, feature: str, rows) -> int:
        """One feature: a histogram per species, so the overlap shows. The tallest bar."""
        values = [getattr(p, feature) for p in rows]
        edges = np.linspace(min(values), max(values), 26)
        top = 1
        for k, species in enumerate(SPECIES):
            mine = [getattr(p, feature) for p in rows if p.species == species]
            counts, _ = np.histogram(mine, bins=edges)
            top = max(top, int(counts.max(initial=0)))
            bars = pg.BarGraphItem(
                x0=edges[:-1],
                x1=edges[1:],
                height=counts,
                brush=pg.mkBrush(COLOURS[k].red(), COLOURS[k].green(), COLOURS[k].blue(), 130),
                pen=pg.mkPen(COLOURS[k].darker(140)),
            )
            self.scatter.getPlotItem().addItem(bars)
            self.points.append(bars)
            self.legend.addItem(bars, f"{species} ({len(mine)})")
        return top

    def _tip(self, x=None, y=None, data=None) -> str:
        """A dot's tooltip: which penguin, its chosen measurements, and what a click does."""
        p = self.penguins[int(data)]
        values = ", ".join(f"{label_of(f)} {getattr(p, f)}" for f in self.data.features)
        return f"penguin {p.row}: {p.species}, {values}. Click: its loss as a graph"

    def _on_points_clicked(self, _item, spots, event) -> None:
        """Follow the topmost penguin under the click. pyqtgraph hands the clicked item's
        spots there as a numpy array, topmost first; dots of other species may lie there too."""
        if len(spots) == 0:
            return
        rows = self.rows_at(event.scenePos())
        row = int(spots[0].data())
        self._clicked = (row, rows)
        p = self.penguins[row]
        others = f", 1 of {len(rows)} under the cursor" if len(rows) > 1 else ""
        self.status.setText(f"Penguin {row} ({p.species}){others}: its loss is in the graph pane.")
        self._send(("follow", row))

    def rows_at(self, scene_pos) -> list[int]:
        """Every penguin whose dot is at a scene position, topmost first."""
        dots = [p for p in self.points if isinstance(p, pg.ScatterPlotItem)]
        return [
            int(spot.data())
            for item in reversed(dots)  # the last species added is drawn on top
            for spot in item.pointsAt(item.mapFromScene(scene_pos))
        ]

    def _show_regions(self, frame) -> None:
        """Tint each place by the species the model says there: the plane for two inputs,
        bands across the strip for one (their edges are its thresholds)."""
        features, fy = self.data.features, self.y_axis.currentData()
        one = frame.grid is not None and frame.grid.shape[0] == 1
        on = frame.grid is not None and self.x_axis.currentData() == features[0]
        on = on and (fy in (None, features[0]) if one else fy == features[1])
        self.regions.setVisible(on)
        if not on:
            return
        tints = np.array([[c.red(), c.green(), c.blue(), 60] for c in COLOURS], np.uint8)
        self.regions.setImage(tints[frame.grid], autoLevels=False)
        x0, x1, y0, y1 = frame.extent
        if one:  # the strip's y: from under the dot rows to over the tallest bar
            y0, y1 = -self._strip_top * 0.5, self._strip_top * 1.05
        self.regions.setRect(QRectF(x0, y0, x1 - x0, y1 - y0))

    def _show_confusion(self, counts) -> None:
        top = max(int(counts.max()), 1)
        for i in range(3):
            for j in range(3):
                cell = QTableWidgetItem(str(int(counts[i, j])))
                cell.setTextAlignment(Qt.AlignCenter)
                share = counts[i, j] / top
                good = theme.GOOD if i == j else theme.BAD
                alpha = int(30 + 150 * share) if counts[i, j] else 0  # none: no colour
                cell.setBackground(QColor(good.red(), good.green(), good.blue(), alpha))
                self.confusion.setItem(i, j, cell)
