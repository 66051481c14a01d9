"""SteadyRange: the loss and grad-norm plots follow the data in coarse steps."""

import numpy as np
import pyqtgraph as pg
import pytest

from microgpt_gui.panes.steady_range import SteadyRange, nice_ceil


@pytest.mark.parametrize("x", [0.3, 1, 7, 12, 99, 101, 999, 1001, 12345])
def test_nice_ceil_is_round_and_close(x):
    top = nice_ceil(x)
    assert x <= top <= 1.25 * x or x < 1
    mantissa = top / 10 ** np.floor(np.log10(top))
    assert round(mantissa, 6) in {1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}


def test_range_holds_the_data_and_moves_rarely(qtbot):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    steady = SteadyRange(plot.getPlotItem(), refit=lambda: None)
    ys = 3.0 - np.linspace(0, 1, 400) + 0.1 * np.sin(np.arange(400))
    y_changes, last = 0, None
    for n in range(10, 401, 10):
        steady.fit(n, [ys[:n]])
        (x0, x1), (y0, y1) = plot.getPlotItem().vb.viewRange()
        assert x0 <= 0 and x1 >= n
        assert y0 <= ys[:n].min() and y1 >= ys[:n].max()
        assert x1 == nice_ceil(n)
        y_changes += (y0, y1) != last
        last = (y0, y1)
    assert y_changes < 15  # 40 updates of steadily falling data; auto-range would move 40 times


def test_user_zoom_stops_following_until_auto_button(qtbot):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    refits = []
    steady = SteadyRange(plot.getPlotItem(), refit=lambda: refits.append(1))
    steady.fit(100, [np.ones(100)])
    plot.getPlotItem().vb.sigRangeChangedManually.emit([True, True])
    steady.fit(1000, [np.ones(1000)])
    assert plot.getPlotItem().vb.viewRange()[0][1] < 1000
    plot.getPlotItem().autoBtn.clicked.emit(False)
    assert steady.following and refits == [1]


def test_one_value_gets_a_readable_range(qtbot):
    """After the first step: a range around the value, not 12-digit ticks."""
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    steady = SteadyRange(plot.getPlotItem(), refit=lambda: None)
    steady.fit(1, [np.array([3.31809305925])])
    (x0, x1), (y0, y1) = plot.getPlotItem().vb.viewRange()
    assert (x0, x1) == (0, 10)  # whole steps on the axis
    assert y0 < 3.2 and y1 > 3.4 and y1 - y0 < 1
