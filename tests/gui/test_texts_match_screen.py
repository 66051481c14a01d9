"""Texts that say what the screen shows (issue 21, items 5, 6 and 14): one name per
parameter, the pace and the rate of Play, colours and their words, phase notes, the update
view, the loss after the update, empty samples, the room of the cards, run names as text."""

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel
from test_panes_plain_text import rendered

from microgpt import TrainConfig
from microgpt.report import cell_name

CONFIG = TrainConfig(num_steps=50)


def stepped(make_window, qtbot, steps=1, **kw):
    """A window whose run has taken `steps` steps and shows the last one."""
    win = make_window(config=kw.pop("config", CONFIG), backend=kw.pop("backend", "numpy"), **kw)
    win.play(steps)
    qtbot.waitUntil(lambda: win.latest is not None and win.latest.step == steps, timeout=20000)
    qtbot.waitUntil(lambda: not win.run.playing, timeout=5000)
    return win


def click_cell(qtbot, pane, name: str, row: int, col: int) -> None:
    """Hover then click the centre of name[row, col] through the heatmap's viewport."""
    heatmap = pane.heatmaps[name]
    pane.scroll.ensureWidgetVisible(heatmap)
    qtbot.waitUntil(lambda: heatmap.plot.getPlotItem().getViewBox().width() > 0)
    view = heatmap.plot
    pos = view.mapFromScene(heatmap.cell_center(row, col))
    qtbot.mouseMove(view.viewport(), pos)
    with qtbot.waitSignal(heatmap.cell_clicked):
        qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=pos)


def test_a_parameter_has_one_name_in_the_inspector_the_trace_and_tooltips(make_window, qtbot):
    win = stepped(make_window, qtbot)
    report, pane = win.latest, win.gradients
    row = report.tokens[1]  # the name's first char: lm_head['x'][11]
    spec = pane.specs["lm_head"]
    name = cell_name(spec, row, 11, report.chars)
    assert name == f"lm_head['{report.chars[row]}'][11]"
    click_cell(qtbot, pane, "lm_head", row, 11)
    inspector = pane.inspector
    assert rendered(inspector.title.text(), inspector.title.textFormat()).startswith(name)
    assert rendered(pane.heatmaps["lm_head"].plot.toolTip()).startswith(f"{name} = ")
    split_sum = inspector.findChild(QLabel, "inspector_split_sum")
    qtbot.waitUntil(lambda: name in split_sum.text(), timeout=10000)
    with qtbot.waitSignal(win.run.traced, timeout=10000):
        qtbot.mouseClick(inspector.trace, Qt.LeftButton)
    title = win.findChild(QLabel, "graph_trace_title")
    qtbot.waitUntil(lambda: title.text().startswith(f"Trace of {name}, step 1"), timeout=5000)
    assert win.graph.trace.view.shown[win.graph.trace.view.root].name == name


def achieved(win) -> float:
    """The steps/s figure the status bar says Play achieved."""
    text = win.status_text.text()
    return float(text.split(" steps/s achieved")[0].rsplit("· ", 1)[1])


def test_the_status_bar_names_the_pace_set_and_the_rate_achieved(make_window, qtbot):
    win = make_window(config=TrainConfig(num_steps=1000), backend="numpy", speed=50)
    status = win.status_text
    assert "pace 50/s set" in status.text() and "achieved" not in status.text()
    win.findChild(QAction, "action_play").trigger()
    qtbot.waitUntil(lambda: win.run.step >= 25 and "achieved" in status.text(), timeout=20000)
    playing = achieved(win)
    with qtbot.waitSignal(win.run.playing_changed, timeout=10000):
        win.findChild(QAction, "action_play").trigger()
    # a paced Play cannot go faster than its pace (the engine alone does ~2000 steps/s)
    assert 0 < playing <= 60 and 0 < achieved(win) <= 60
    assert "pace 50/s set" in status.text()
