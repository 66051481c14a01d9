"""The graph pane at the edges of floating point (issue 21, item 8): every plot survives
numbers too large to draw, and every h a learner can type gets a message."""

import sys

import numpy as np
import pytest
from PySide6.QtCore import Qt
from test_graph_pane import click_node, plain

from microgpt_gui.panes.graph.pane import GraphPane
from microgpt_gui.panes.graph.plots import LIMIT


@pytest.fixture
def pane(qtbot):
    pane = GraphPane()
    qtbot.addWidget(pane)
    pane.resize(800, 900)
    pane.show()
    qtbot.waitExposed(pane)
    return pane


def finite_view(plot) -> bool:
    (x0, x1), (y0, y1) = plot.getPlotItem().viewRange()
    return bool(np.isfinite([x0, x1, y0, y1]).all() and x0 < x1 and y0 < y1)


@pytest.mark.parametrize(
    "source, drawn",
    [
        ("x = 1e308\ny = tanh(x)\n", False),  # raised 'Cannot set range [0.0, inf]'
        ("x = -1e308\ny = sigmoid(x)\n", False),
        ("x = 1e299\ny = x * 1e8\n", False),  # x can be drawn, y cannot
        ("x = 3e299\ny = tanh(x)\n", True),
        ("x = 1e-300\ny = x * x\n", True),
        ("x = 1.0\ny = x * 1e305\n", False),
    ],
)
def test_huge_values_are_drawn_or_explained_and_next_walks_on(qtbot, pane, source, drawn):
    assert pane.set_source(source)
    click_node(qtbot, pane.view, 0)
    plot = pane.inspector.function_plot
    slope = plain(pane.inspector.slope)
    assert ("is not drawn" not in slope) == drawn, slope
    assert plot.empty.isVisible() != drawn
    pane.grab()  # paint: pyqtgraph's auto range ran here and raised on every Next
    assert finite_view(plot.widget)
    if drawn:
        assert np.isfinite(plot.tangent.getData()[1]).all()
    qtbot.mouseClick(pane.restart_button, Qt.LeftButton)
    while pane.next_button.isEnabled():
        qtbot.mouseClick(pane.next_button, Qt.LeftButton)
        pane.grab()
    assert pane.steps.at_end and finite_view(plot.widget)


def test_the_nudge_slider_reaches_the_largest_float_not_inf(qtbot, pane):
    assert pane.set_source("x = 1e308\ny = tanh(x)\n")
    click_node(qtbot, pane.view, 0)
    slider = pane.inspector.slider
    assert slider.isEnabled() and slider.value() == 0
    qtbot.keyClick(slider, Qt.Key_End)  # x + 2|x| overflowed to inf: 'too large' error
    assert pane.graph.nodes[0].data == sys.float_info.max
    assert not pane.editor.error.isVisible() or "too large" not in pane.editor.error.text()
    assert not pane.inspector.spin.isEnabled()  # it would show 1,000,000 for 1.8e308
    assert "beyond this box" in pane.inspector.spin.toolTip()
    qtbot.keyClick(slider, Qt.Key_Home)
    assert pane.graph.nodes[0].data == 1e308 - sys.float_info.max  # the span is finite


def test_a_weight_descended_far_keeps_the_slider_and_the_plots(qtbot, pane):
    """w fell to -1e149: the slider's position, round(-1e149 / 2 * 500), overflowed a C int."""
    assert pane.set_source("w = param(1.0)\ny = w * 1e150\n")
    click_node(qtbot, pane.view, 0)
    qtbot.mouseClick(pane.descent.descend, Qt.LeftButton)
    assert pane.graph.nodes[0].data < -1e148
    assert pane.inspector.slider.value() == -pane.inspector.slider.maximum()
    pane.grab()
    assert finite_view(pane.descent.plot.widget)
    assert finite_view(pane.inspector.function_plot.widget)


def test_a_descent_of_values_too_large_to_draw_says_so(qtbot, pane):
    assert pane.set_source("w = param(1e300)\ny = w * 1e7\n")  # y = 1e307, beyond LIMIT
    assert pane.graph.output.data > LIMIT
    qtbot.mouseClick(pane.descent.descend, Qt.LeftButton)
    plot = pane.descent.plot
    assert len(plot.values) == 2 and plot.empty.isVisible()
    assert "Too large to draw" in plot.empty.textItem.toPlainText()
    pane.grab()
    assert finite_view(plot.widget)


@pytest.mark.parametrize(
    "typed, says",
    [
        ("1e-400", "1e-400 is too small for a float"),  # raised ZeroDivisionError
        ("0", "h must be positive"),
        ("-1", "h must be positive"),
        ("nan", "h is not a number (nan)"),
        ("inf", "h cannot be infinite"),
        ("-inf", "h cannot be infinite"),
        ("1e999", "h cannot be infinite"),
        ("2e308", "h cannot be infinite"),
        ("1e308", "h = 1e+308 is too large"),
        ("1e-20", "h = 1e-20 is too small to move x = 2.000 at all"),
        ("abc", "h must be a number"),
        ("", "h must be a number"),
        ("0.001", "autograd says 3.000"),
    ],
)
def test_every_h_typed_gets_a_message(qtbot, pane, typed, says):
    box = pane.inspector.h_box  # y = 3x with x selected
    box.lineEdit().selectAll()
    qtbot.keyClick(box.lineEdit(), Qt.Key_Delete)
    qtbot.keyClicks(box.lineEdit(), typed)
    assert box.currentText() == typed  # nothing typed is eaten silently
    assert says in plain(pane.inspector.check)
