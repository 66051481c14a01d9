"""After the first step the loss and gradient-size plots show something readable: a dot,
a y range around it with short tick labels, and whole steps on the step axis."""

import math

import pytest
from PySide6.QtGui import QImage, QPainter

from microgpt import TrainConfig, Trainer
from microgpt_gui import theme
from microgpt_gui.panes.gradients.pane import GradientsPane
from microgpt_gui.panes.loss.pane import LossPane
from microgpt_gui.run.state import RunState


def drawn_ticks(axis) -> list[str]:
    """The tick texts the axis paints now (pyqtgraph's own draw specs)."""
    image = QImage(8, 8, QImage.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _, _, text in specs[2]] if specs else []


def significant_digits(text: str) -> int:
    digits = text.replace("−", "").replace("-", "").replace(".", "").lstrip("0")
    return len(digits.rstrip("0")) if "." in text else len(digits)


@pytest.fixture
def one_step(qtbot, docs):
    """A RunState fed the first step of a scalar run, and the panes that listen to it."""
    theme.setup_pyqtgraph()
    run = RunState()
    loss, grads = LossPane(run), GradientsPane(run)
    for pane in (loss, grads):
        qtbot.addWidget(pane)
        pane.resize(600, 420)
        pane.show()
        qtbot.waitExposed(pane)
    trainer = Trainer(docs, TrainConfig(num_steps=50), "scalar")
    run.on_run_changed(trainer.info())
    trainer.step()
    points = trainer.history.points(0)
    run.on_ticked(points, trainer.report())
    return run, loss, grads, points


def check_plot(plot_item, values: list[float]) -> None:
    """Every value inside the view with room around it; short y ticks; whole-step x ticks."""
    (x0, x1), (y0, y1) = plot_item.vb.viewRange()
    assert x0 < 1 < x1
    for v in values:
        assert y0 < v < y1
    assert y1 - y0 >= 0.05 * max(abs(v) for v in values)  # not a range of rounding errors
    left = drawn_ticks(plot_item.getAxis("left"))
    assert len(left) >= 2
    assert all(significant_digits(t) <= 4 for t in left), left
    bottom = drawn_ticks(plot_item.getAxis("bottom"))
    assert "1" in bottom
    assert all(float(t) == int(float(t)) for t in bottom), bottom


def test_loss_plot_shows_the_first_step_as_a_dot(one_step):
    run, pane, _, _ = one_step
    loss = float(run.history.loss[0])
    points = pane.first_point.points()
    assert len(points) == 1 and pane.first_point.isVisible()
    assert (points[0].pos().x(), points[0].pos().y()) == (1, loss)
    assert points[0].size() >= 6
    check_plot(pane.plot.getPlotItem(), [loss])
    assert not pane.empty.isVisible()


def test_gradient_size_plot_shows_a_dot_per_matrix(one_step):
    _, _, pane, first = one_step
    norms = pane.norms
    points = norms.first_point.points()
    values = [float(v) for v in first.grad_norms[0]]
    assert len(points) == len(norms.curves) == len(values)  # every matrix and 'all'
    assert [p.pos().x() for p in points] == [1] * len(values)
    assert [p.pos().y() for p in points] == pytest.approx(values, rel=1e-3)  # float16 history
    colours = {p.brush().color().name() for p in points}
    assert len(colours) > 1  # each in its curve's colour
    check_plot(norms.getPlotItem(), [v for v in values if v > 0])
    assert not norms.empty.isVisible()


def test_the_dots_go_when_there_is_a_line(one_step, docs):
    run, loss, grads, _ = one_step
    trainer = Trainer(docs, TrainConfig(num_steps=50), "scalar")
    trainer.step()
    trainer.step()
    run.on_run_changed(trainer.info())  # a run with two steps: lines, no dots
    assert len(loss.first_point.points()) == 0
    assert len(grads.norms.first_point.points()) == 0
    assert not math.isnan(loss.plot.getPlotItem().vb.viewRange()[1][0])
