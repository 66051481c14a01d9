"""Time travel in the window: Step back, the timeline slider, the loss plot's clicks and
context menu, branching with a new learning rate, the runs list and its CSV."""

import csv

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QSlider, QTreeWidget

from microgpt import TrainConfig

CONFIG = TrainConfig(num_steps=80)


def trained(make_window, qtbot, steps: int):
    """A numpy window that has trained `steps` steps; its losses and last report."""
    win = make_window(config=CONFIG, backend="numpy")
    win.play(steps)
    qtbot.waitUntil(lambda: win.run.step == steps and not win.run.playing, timeout=10000)
    qtbot.waitUntil(lambda: win.latest is not None and win.latest.step == steps, timeout=5000)
    return win, win.run.history.loss.tolist(), win.latest


def wait_at(win, qtbot, step: int) -> None:
    """Until the run and its report are at `step` (after a go-to)."""
    qtbot.waitUntil(
        lambda: win.run.step == step and win.latest is not None and win.latest.step == step,
        timeout=10000,
    )


def scene_point(win, step: int, y: float):
    return win.loss.plot.getPlotItem().vb.mapViewToScene(pg.Point(step, y))


def test_step_back_shows_the_step_before_and_steps_on_exactly(make_window, qtbot):
    win, losses, last = trained(make_window, qtbot, 20)
    back = win.findChild(QAction, "action_step_back")
    keys = {k.toString() for k in back.shortcuts()}
    assert keys == {QKeySequence("Shift+Left").toString(), QKeySequence("Backspace").toString()}
    back.trigger()
    wait_at(win, qtbot, 19)
    assert win.run.history.loss.tolist() == losses[:19]
    assert win.latest.loss == losses[18]
    qtbot.keyClick(win, Qt.Key_Backspace)
    wait_at(win, qtbot, 18)
    win.step()
    wait_at(win, qtbot, 19)
    win.step()
    wait_at(win, qtbot, 20)
    assert win.run.history.loss.tolist() == losses
    for field in ("params", "adam_m", "adam_v", "grads"):
        for name, a in getattr(last, field).items():
            assert np.array_equal(getattr(win.latest, field)[name], a), (field, name)
    prefix = win.sampling.prefix  # Backspace in a text field edits the text
    win.docks["sampling_pane"].raise_()
    qtbot.keyClicks(prefix, "ab")
    qtbot.keyClick(prefix, Qt.Key_Backspace)
    assert prefix.text() == "a"


def test_the_timeline_goes_to_a_step_and_a_new_lr_there_branches(
    make_window, qtbot, tmp_path, monkeypatch
):
    win, losses, _ = trained(make_window, qtbot, 40)
    slider = win.findChild(QSlider, "timeline")
    assert (slider.minimum(), slider.maximum(), slider.value()) == (0, 40, 40)
    slider.setValue(10)
    wait_at(win, qtbot, 10)
    assert win.run.history.loss.tolist() == losses[:10]
    assert slider.maximum() == 40 and "step 10 of 40" in win.time_travel.bar.label.text()
    win.toolbar.lr_box.setValue(0.05)
    runs = win.findChild(QTreeWidget, "runs_list")
    qtbot.waitUntil(lambda: runs.topLevelItemCount() == 2, timeout=5000)
    current, old = runs.topLevelItem(0), runs.topLevelItem(1)
    assert (current.text(0), old.text(0), old.text(1)) == ("run 2", "run 1", "40")
    assert "0.05 from step 10" in current.text(4) and old.checkState(0) == Qt.Checked
    assert slider.maximum() == 10  # the old future is run 1's now
    win.play(20)
    qtbot.waitUntil(lambda: win.run.step == 30 and not win.run.playing, timeout=10000)
    assert win.run.history.loss.tolist()[:10] == losses[:10]
    assert win.run.history.loss.tolist()[10:] != losses[10:30]
    overlay = win.time_travel.overlay
    assert len(overlay.curves) == 1 and "run 1 (lr 0.01)" in overlay.legend.text()
    win.loss.plot.scene().sigMouseMoved.emit(scene_point(win, 25, 2.5))
    assert "run 1 " in win.loss.readout.text() and "step 25" in win.loss.readout.text()

    monkeypatch.setattr(win.dialogs, "ask_save_path", lambda *a: str(tmp_path / "runs.csv"))
    win.actions_["export_runs_csv"].trigger()
    with open(tmp_path / "runs.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [float(r["loss"]) for r in rows if r["run"] == "run 1"] == losses
    assert len([r for r in rows if r["run"] == "run 2"]) == 30

    old = runs.topLevelItem(1)
    old.setCheckState(0, Qt.Unchecked)
    assert overlay.curves == [] and not overlay.legend_shown
    old.setText(0, "slow lr")
    qtbot.waitUntil(lambda: win.run.timeline.runs[1].name == "slow lr", timeout=5000)
    runs.topLevelItem(0).setText(0, "<b>fast</b>")  # names are shown as plain text
    qtbot.waitUntil(lambda: "<b>fast</b>" in win.time_travel.bar.label.text(), timeout=5000)
    assert win.time_travel.bar.label.textFormat() == Qt.PlainText
    runs.setCurrentItem(runs.topLevelItem(1))
    win.runs.delete.click()
    qtbot.waitUntil(lambda: runs.topLevelItemCount() == 1, timeout=5000)


def test_the_loss_plot_goes_to_a_clicked_point_and_from_its_menu(make_window, qtbot):
    win, losses, _ = trained(make_window, qtbot, 30)
    win.loss.plot.scene().sigMouseMoved.emit(scene_point(win, 12, losses[11]))
    action = win.time_travel.overlay.goto_action
    assert action.text() == "Go to step 12"
    assert action in win.loss.plot.getPlotItem().vb.menu.actions()
    action.trigger()
    wait_at(win, qtbot, 12)
    ghost = win.time_travel.overlay.ghost
    qtbot.waitUntil(lambda: ghost.xData is not None and len(ghost.xData) == 18, timeout=5000)
    # a click on the recorded future (the faint line) goes there
    view = win.loss.plot
    pos = view.mapFromScene(scene_point(win, 25, losses[24]))
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=pos)
    wait_at(win, qtbot, 25)
    assert win.run.history.loss.tolist() == losses[:25]


def test_a_long_scalar_replay_shows_progress_and_can_be_cancelled(make_window, qtbot):
    win = make_window(config=TrainConfig(num_steps=40), backend="scalar")
    win.play(17)  # snapshots at steps 0 and 16: going to 15 replays 15 scalar steps
    qtbot.waitUntil(lambda: win.run.step == 17 and not win.run.playing, timeout=30000)
    losses = win.run.history.loss.tolist()
    win.time_travel.go_to(15)
    qtbot.waitUntil(win.progress.isVisible, timeout=10000)
    assert win.cancel.isVisible() and win.progress.maximum() == 15
    finished = lambda done, total: total == 0  # noqa: E731  (not a progress report)
    with qtbot.waitSignal(win.run.replay_progress, timeout=10000, check_params_cb=finished):
        win.cancel.click()
    qtbot.waitUntil(lambda: not win.progress.isVisible(), timeout=5000)
    assert win.run.step == 17 and win.run.history.loss.tolist() == losses
    win.step()  # the run goes on from where it was, as recorded before
    qtbot.waitUntil(lambda: win.run.step == 18, timeout=10000)
