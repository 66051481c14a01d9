"""PenguinsPane: why a network needs more than one input, on the real Palmer penguins.

Choose measurements and a hidden size, train a small classifier (the same Value engine as
the GPT, in a thread of its own), and watch the scatter, the decision regions, the loss,
the accuracies and the confusion matrix. Click a penguin to see its loss as a graph.
"""

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt, QThread, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from microgpt.expr.language import MAX_SOURCE
from microgpt.penguins.data import FEATURES, NUMERIC, SHORT, SPECIES, completeness, load_penguins
from microgpt_gui import theme

from .worker import PenguinWorker

COLOURS = [QColor(c) for c in ("#E69F00", "#56B4E9", "#009E73")]  # Adelie, Chinstrap, Gentoo
TRAIN_STEPS = 150  # one press of Train
DEFAULT_FEATURES = ("flipper_length_mm",)
INTRO = (
    "Can one measurement tell three species apart? Press Train with flipper length alone: "
    "Adelie and Chinstrap penguins have flippers of about the same length, so the model "
    "mixes them up (80% right on penguins it never saw). Then tick bill length, Reset "
    "and Train again: the second input separates them (95%). Click a penguin to see "
    "its loss as a graph in the Computation graph pane."
)
# The GPT's keys, for this pane while it has the focus (click it first)
KEYS = {Qt.Key_Space: "train", Qt.Key_S: "step", Qt.Key_Right: "step", Qt.Key_R: "reset"}


def label_of(feature: str) -> str:
    return SHORT.get(feature, feature).replace("_", " ")


class PenguinsPane(QWidget):
    follow = Signal(str)  # a penguin's loss, as a program for the graph pane

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("penguins_pane")
        self.penguins = load_penguins()
        self.data = None  # PenguinData of the current run
        self.run = 0
        self.losses: list[float] = []
        self.frame = None
        self._strip_top = 1  # the tallest bar of the one-input strip
        self.training = False
        self._run_row: int | None = None  # this run's row in the runs table
        self.built_hidden = 0
        self._clicked: tuple[int, list[int]] = (-1, [])  # the followed penguin, all under it
        self._build_inputs()
        self._build_views()
        self._layout()
        self.thread_ = QThread(self, objectName="penguins_thread")
        self.worker = PenguinWorker()
        self.worker.moveToThread(self.thread_)
        self.thread_.finished.connect(self.worker.deleteLater)
        self.worker.built.connect(self._on_worker_built)
        self.worker.stepped.connect(self._on_worker_stepped)
        self.worker.training_changed.connect(self._on_worker_training_changed)
        self.worker.followed.connect(self._on_worker_followed)
        self.worker.failed.connect(self._on_worker_failed)
        self.thread_.start()
        self.setFocusPolicy(Qt.ClickFocus)  # a click in the pane gives its keys to it
        for w in (self, *self.findChildren(QWidget)):
            w.installEventFilter(self)
        self.reset()

    # --- widgets --------------------------------------------------------------------

    def _build_inputs(self) -> None:
        self.features = QWidget(objectName="penguins_features")
        row = QHBoxLayout(self.features)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(QLabel("inputs:"))
        self.boxes: dict[str, QCheckBox] = {}
        for f in FEATURES:
            box = QCheckBox(label_of(f), objectName=f"penguins_feature_{f}")
            box.setChecked(f in DEFAULT_FEATURES)
            box.toggled.connect(self._on_inputs_changed)
            self.boxes[f] = box
            row.addWidget(box)
        row.addStretch(1)
        self.hidden = QSpinBox(objectName="penguins_hidden", minimum=0, maximum=16, value=0)
        self.hidden.setSpecialValueText("none")
        self.hidden.setKeyboardTracking(False)  # typing 12 is not a 1 (skipped to 2), then 22
        self.hidden.setToolTip(
            "Hidden tanh neurons: none = softmax regression (one neuron per species), "
            "or 2 to 16 neurons between the inputs and the output"
        )
        self.hidden.valueChanged.connect(self._on_hidden_changed)
        self.complete = QLabel(objectName="penguins_complete")
        self.complete.setStyleSheet(f"color: {theme.MUTED.name()}")
        self.train = QPushButton("Train", objectName="penguins_train")
        self.train.setToolTip(
            f"Train {TRAIN_STEPS} steps (full batch, Adam); again to stop (Space)"
        )
        self.train.clicked.connect(self.toggle_training)
        self.step = QPushButton("Step", objectName="penguins_step")
        self.step.setToolTip("One step of gradient descent over every training penguin (S, Right)")
        self.step.clicked.connect(lambda: self._train(1))
        self.reset_button = QPushButton("Reset", objectName="penguins_reset")
        self.reset_button.setToolTip("A new, untrained model with the inputs ticked above (R)")
        self.reset_button.clicked.connect(self.reset)
        self.status = QLabel(objectName="penguins_status", wordWrap=True)  # never widens the pane

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
        self.runs.setMaximumHeight(header + 4 * 22 + 6)  # four runs (lesson 6), then it scrolls
        self.intro = QLabel(INTRO, objectName="penguins_intro", wordWrap=True)
        self.intro.setStyleSheet(f"color: {theme.MUTED.name()}")

    def _layout(self) -> None:
        controls = QHBoxLayout()
        for w in (self.train, self.step, self.reset_button, QLabel("hidden"), self.hidden):
            controls.addWidget(w)
        controls.addWidget(self.status, 1)
        axes = QHBoxLayout()
        for text, w in (("x", self.x_axis), ("y", self.y_axis)):
            axes.addWidget(QLabel(text))
            axes.addWidget(w, 1)
        left = QVBoxLayout()
        left.addLayout(axes)
        left.addWidget(self.scatter, 1)
        left.addWidget(self.key)
        right = QVBoxLayout()
        right.addWidget(self.loss_plot)
        right.addWidget(QLabel("confusion (test penguins)"))
        right.addWidget(self.confusion)
        right.addStretch(1)
        middle = QGridLayout()
        middle.addLayout(left, 0, 0)
        middle.addLayout(right, 0, 1)
        middle.setColumnStretch(0, 3)
        middle.setColumnStretch(1, 2)
        box = QVBoxLayout(self)
        box.setContentsMargins(4, 4, 4, 4)
        box.addWidget(self.features)
        box.addWidget(self.complete)
        box.addLayout(controls)
        box.addWidget(self.intro)
        box.addLayout(middle, 1)
        box.addWidget(QLabel("runs (compare what each input adds)"))
        box.addWidget(self.runs)

    # --- commands -------------------------------------------------------------------

    def chosen(self) -> tuple[str, ...]:
        return tuple(f for f in FEATURES if self.boxes[f].isChecked())

    def reset(self) -> None:
        """A new model with the ticked inputs (nothing ticked: explain, keep the old)."""
        features = self.chosen()
        if not features:
            self.status.setText("Tick at least one input.")
            return
        self.hidden.interpretText()  # a size typed but not yet entered counts
        self.worker.stop_flag = True
        self.built_hidden = self.hidden.value()
        self._send(("build", features, self.built_hidden))

    def toggle_training(self) -> None:
        if self.training:
            self.worker.stop_flag = True
        else:
            self._train(TRAIN_STEPS)

    def _train(self, n: int) -> None:
        """n steps of the model on screen; none while no input is ticked (the model on screen
        has inputs the boxes no longer show)."""
        if not self.chosen():
            self.status.setText("Tick at least one input, then press Reset: nothing was trained.")
            return
        self._send(("train", n))

    def eventFilter(self, watched, event) -> bool:
        """Space, S / Right and R do here what they do for the GPT, while the focus is in
        this pane (except in the hidden-size box, which needs its keys)."""
        kind = event.type()
        if kind in (QEvent.ShortcutOverride, QEvent.KeyPress):
            action = KEYS.get(event.key())
            plain = event.modifiers() in (Qt.NoModifier, Qt.KeypadModifier)
            typing = isinstance(watched, (QAbstractSpinBox, QLineEdit))
            if action and plain and not typing:
                event.accept()  # the window's shortcut for this key stands aside
                if kind == QEvent.KeyPress and not event.isAutoRepeat():
                    button = {"train": self.train, "step": self.step}.get(action)
                    (button or self.reset_button).animateClick()
                return True
        return super().eventFilter(watched, event)

    def _send(self, request) -> None:
        self.worker.requested.emit(request)

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        self.worker.stop_flag = True
        self.thread_.quit()
        return self.thread_.wait(timeout_ms)

    # --- from the controls ----------------------------------------------------------

    def _on_inputs_changed(self, _on=False) -> None:
        features = self.chosen()
        self.complete.setText(completeness(features) if features else "Tick an input.")
        numeric = [f for f in features if f in NUMERIC]
        for box, k in ((self.x_axis, 0), (self.y_axis, 1)):
            box.blockSignals(True)
            box.clear()
            for f in numeric:
                box.addItem(label_of(f), f)
            box.setCurrentIndex(min(k, len(numeric) - 1))
            box.blockSignals(False)
        self.y_axis.setEnabled(len(numeric) >= 2)
        self.status.setText("Press Reset to train a model on these inputs.")

    def _on_hidden_changed(self, value: int) -> None:
        if value == 1:  # one hidden neuron is not offered: none or 2..16
            self.hidden.setValue(2 if self._last_hidden == 0 else 0)
            self.status.setText("One hidden neuron is not offered: none, or 2 to 16.")
            return
        self._last_hidden = value
        self.status.setText("Press Reset to train a model with this many hidden neurons.")

    _last_hidden = 0

    # --- from the worker ------------------------------------------------------------

    def _on_worker_built(self, run: int, data) -> None:
        self.run, self.data, self.losses, self.frame = run, data, [], None
        self.loss_curve.setData([], [])
        self._on_inputs_changed()
        self._run_row = None
        self._draw_scatter()

    def _on_worker_stepped(self, frame) -> None:
        if frame.run != self.run:
            return
        self.frame = frame
        if frame.step:
            self.losses.append(frame.loss)
            self.loss_curve.setData(np.arange(1, len(self.losses) + 1), self.losses)
            self.intro.hide()
        loss = f"loss {frame.loss:.4f} · " if frame.step else ""
        self.status.setText(
            f"step {frame.step} · {loss}train {frame.train_accuracy:.0%} · "
            f"test {frame.test_accuracy:.0%}"
        )
        self._show_confusion(frame.confusion)
        self._show_regions(frame)

    def _on_worker_training_changed(self, on: bool) -> None:
        self.training = on
        self.train.setText("Stop" if on else "Train")
        for w in (self.step, self.reset_button, self.hidden, self.features):
            w.setEnabled(not on)
        if not on and self.frame is not None and self.frame.step:
            self._record_run()

    def _on_worker_followed(self, graph) -> None:
        row, rows = self._clicked
        source = graph.source
        if graph.row == row and len(rows) > 1:  # say so in the program the graph pane shows
            shown = ", ".join(map(str, rows[:6])) + (", ..." if len(rows) > 6 else "")
            note = (
                f"# penguin {row} is one of {len(rows)} penguins under the click ({shown}); "
                "zoom in on the scatter (wheel) to pick another\n"
            )
            source = note + source if len(note + source) <= MAX_SOURCE else source
        self.follow.emit(source)

    def _on_worker_failed(self, message: str) -> None:
        self.status.setText(message)

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

    def _record_run(self) -> None:
        frame = self.frame
        if self._run_row is None:
            self._run_row = self.runs.rowCount()
            self.runs.insertRow(self._run_row)
        hidden = self.built_hidden
        values = (
            ", ".join(label_of(f) for f in self.data.features),
            "none" if hidden == 0 else str(hidden),
            str(frame.step),
            f"{frame.test_accuracy:.1%}",
        )
        for col, text in enumerate(values):
            self.runs.setItem(self._run_row, col, QTableWidgetItem(text))
