"""Nothing the panes draw at 1280x800 is clipped, shrunk away, covered or mis-scaled."""

import numpy as np
import pytest
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QFontMetricsF, QImage, QPainter
from PySide6.QtWidgets import QApplication

from microgpt import TrainConfig, Trainer
from microgpt.model import ParamLayout
from microgpt.report import Sample
from microgpt_gui import theme
from microgpt_gui.panes.example.attention import LABEL_PT, AttentionGrid
from microgpt_gui.panes.gradients.heatmap import MatrixHeatmap
from microgpt_gui.panes.loss.pane import LossPane
from microgpt_gui.panes.sampling.probs_chart import COL_W, ProbsChart
from microgpt_gui.run.state import RunState


def draw_specs(axis):
    """(rect, flags, text) of every tick label the axis paints now."""
    image = QImage(8, 8, QImage.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return specs[2] if specs else []


@pytest.fixture
def trained_loss_pane(qtbot, docs):
    """A LossPane fed 300 numpy steps through its RunState (the lr falls 0.01 -> 0.007)."""
    theme.setup_pyqtgraph()
    run = RunState()
    pane = LossPane(run)
    qtbot.addWidget(pane)
    pane.resize(590, 290)
    pane.show()
    qtbot.waitExposed(pane)
    trainer = Trainer(docs, TrainConfig(num_steps=1000), "numpy")
    run.on_run_changed(trainer.info())
    for _ in range(300):
        trainer.step()
    run.on_ticked(trainer.history.points(0), trainer.report())
    return pane, trainer.history.points(0).lr


def right_ticks(pane) -> list[float]:
    """The learning-rate axis's tick values, as the numbers they stand for."""
    axis = pane.plot.getPlotItem().getAxis("right")
    texts = [t for _, _, t in draw_specs(axis)]
    return [float(t.replace("−", "-")) / axis.autoSIPrefixScale for t in texts]  # '7' (x0.001)


@pytest.mark.parametrize("order", [("log_y", "show_lr"), ("show_lr", "log_y")])
def test_learning_rate_axis_reads_the_lr_with_log_y(trained_loss_pane, order):
    pane, lr = trained_loss_pane
    for name in order:
        getattr(pane, name).setChecked(True)
    QApplication.processEvents()
    ticks = right_ticks(pane)
    assert len(ticks) >= 2, ticks  # not a single '1'
    for t in ticks:
        assert lr.min() * 0.8 <= t <= lr.max() * 1.2, ticks
    (low, high) = pane.lr_view.viewRange()[1]
    assert low <= lr.min() and lr.max() <= high <= 2 * lr.max()  # the lr curve is in view
    left = pane.plot.getPlotItem().getAxis("left")
    assert left.logMode  # the loss axis is the one in log scale
    pane.log_y.setChecked(False)
    QApplication.processEvents()
    assert all(lr.min() * 0.8 <= t <= lr.max() * 1.2 for t in right_ticks(pane))


def test_loss_legend_sits_outside_the_plot(trained_loss_pane):
    pane, _ = trained_loss_pane
    item = pane.plot.getPlotItem()
    assert item.legend is None  # nothing floats over the curves or the uniform-guess line
    text = pane.legend.text()
    assert "per step" in text and "smoothed" in text
    assert theme.PLOT_PENS[0] in text and theme.PLOT_PENS[4] in text  # in the curves' colours
    assert pane.legend.isVisible()
    plot_rect = pane.plot.geometry()
    legend_rect = pane.legend.geometry().translated(pane.legend.parentWidget().pos())
    assert not legend_rect.intersects(plot_rect.translated(pane.plot.parentWidget().pos()))


def attention_grid(qtbot, n: int) -> AttentionGrid:
    """A grid of 4 heads over n positions at its size in the 1280x800 window."""
    grid = AttentionGrid()
    qtbot.addWidget(grid)
    grid.resize(580, 170)
    labels = ["BOS", *"abcdefghijklmnopqrstuvwxyz"[: n - 1]]
    weights = np.tril(np.full((4, n, n), 0.5))
    grid.set_weights(weights, labels)
    return grid


@pytest.mark.parametrize("n", [7, 16])
def test_attention_labels_stay_readable(qtbot, n):
    grid = attention_grid(qtbot, n)
    font = grid.label_font()
    assert font.pointSizeF() >= LABEL_PT
    fm = QFontMetricsF(font)
    labels = grid.labels(0)[1:]  # without the head's title
    rows = [(r, t) for r, align, t in labels if align & Qt.AlignVCenter]
    cols = [(r, t) for r, align, t in labels if align & Qt.AlignBottom]
    assert rows[0][1] == "BOS" and cols[0][1] == "BOS"
    assert len(rows) >= n / 2 and len(cols) >= n / 2  # at worst every other one
    if n <= 8:
        assert len(rows) == len(cols) == n
    for group in (rows, cols):
        for (a, _), (b, _) in zip(group, group[1:]):
            assert not a.intersects(b)
    for rect, text in rows + cols:
        assert rect.width() >= fm.horizontalAdvance(text) - 0.5  # not squeezed
        assert QRectF(grid.rect()).contains(rect), text


def test_heatmap_row_labels_are_inside_the_plot(qtbot):
    """The top row's label (here '␣', a space) is drawn whole, inside the widget."""
    theme.setup_pyqtgraph()
    chars = tuple(" abcdefghijklmnopqrstuvwxyz")
    spec = ParamLayout.build(TrainConfig(), len(chars) + 1).specs[0]
    heatmap = MatrixHeatmap(spec, chars)
    qtbot.addWidget(heatmap)
    heatmap.resize(420, 440)
    heatmap.show()
    qtbot.waitExposed(heatmap)
    axis = heatmap.plot.getPlotItem().getAxis("left")
    qtbot.waitUntil(lambda: len(draw_specs(axis)) > 0)
    specs = draw_specs(axis)
    assert specs[0][2] == "␣" and specs[-1][2] == "BOS"
    widget = heatmap.plot.rect()
    for rect, _, text in specs:
        drawn = heatmap.plot.mapFromScene(axis.mapRectToScene(rect)).boundingRect()
        assert widget.contains(drawn), (text, drawn, widget)


def sample(n_positions: int, vocab: int = 27) -> Sample:
    rng = np.random.default_rng(0)
    probs = rng.dirichlet(np.ones(vocab), size=n_positions)
    tokens = tuple(int(t) for t in rng.integers(0, vocab - 1, size=n_positions))
    return Sample("x" * n_positions, "", tokens, probs, False, tuple("abcdefghijklmnopqrstuvwxyz"))


def test_probs_chart_wraps_its_columns_into_the_width(qtbot):
    chart = ProbsChart()
    qtbot.addWidget(chart)
    s = sample(12)
    chart.show_sample(s, s.chars)
    assert chart.positions == 12
    one_row = chart.heightForWidth(8 + 12 * COL_W) - 8  # all twelve side by side
    for width in (260, 370, 600):
        rows = -(-12 // ((width - 8) // COL_W))  # ceil(12 / columns that fit)
        assert rows > 1 and chart.heightForWidth(width) == rows * one_row + 8
    assert chart.minimumSizeHint().width() <= COL_W + 8  # never forces a wide pane


def test_sampling_pane_uses_its_width_at_1280x800(make_window, qtbot):
    win = make_window(backend="numpy")
    win.resize(1280, 800)
    with qtbot.waitSignal(win.run.sampled, timeout=10000):
        win.generate()
    pane = win.sampling
    qtbot.waitUntil(lambda: pane.chart.positions > 0)
    QApplication.processEvents()
    chart, viewport = pane.chart, pane.chart.parentWidget()
    assert chart.width() <= viewport.width()  # no sideways scrolling
    rects = chart.column_rects()
    assert len(rects) == chart.positions
    assert len({r.y() for r in rects[:3]}) == 1  # three positions side by side, then wrapped
    for rect in rects:
        assert QRectF(chart.rect()).contains(rect)  # every column is inside the chart
        assert rect.width() >= COL_W  # and as wide as its bars need
    for box in (pane.seed, pane.prefix):
        text_width = QFontMetricsF(box.font()).horizontalAdvance(box.placeholderText())
        assert text_width <= box.contentsRect().width() - 8, box.objectName()  # ~4 px margins
