"""The Penguins pane (issue 14): inputs, training off the GUI thread, the scatter and its
decision regions, the confusion matrix, the runs table, and following one penguin."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from microgpt.expr import evaluate
from microgpt.penguins import PenguinModel

PAIR = ("bill_length_mm", "flipper_length_mm")


def trained(qtbot, pane, steps: int = 1) -> None:
    """Press Step `steps` times, each time until the pane has drawn that step (a blocker on
    the worker's own signal would return in the worker's thread, before the pane knew)."""
    for _ in range(steps):
        done = len(pane.losses) + 1
        qtbot.waitUntil(pane.step.isEnabled, timeout=10000)
        qtbot.mouseClick(pane.step, Qt.LeftButton)
        qtbot.waitUntil(
            lambda done=done: len(pane.losses) == done and not pane.training, timeout=20000
        )


@pytest.fixture
def win(make_window):
    win = make_window(backend="numpy")
    win.docks["penguins_pane"].raise_()
    return win


def test_defaults_flipper_alone_and_no_hidden_layer(win, qtbot):
    pane = win.penguins
    qtbot.waitUntil(lambda: pane.data is not None, timeout=10000)
    assert pane.chosen() == ("flipper_length_mm",) and pane.hidden.value() == 0
    assert pane.findChild(object, "penguins_features") is pane.features
    assert "342 of 344 penguins have every chosen measurement" == pane.complete.text()
    pane.boxes["sex"].setChecked(True)
    assert pane.complete.text() == "333 of 344 penguins have every chosen measurement"
    # the intro's figures are what one Train (TRAIN_STEPS) gives, flipper alone vs + bill
    from microgpt_gui.panes.penguins import TRAIN_STEPS

    one, two = PenguinModel(("flipper_length_mm",)), PenguinModel(PAIR)
    for _ in range(TRAIN_STEPS):
        a, b = one.step(), two.step()
    assert f"({a.test_accuracy:.0%} right" in pane.intro.text()
    assert f"({b.test_accuracy:.0%})" in pane.intro.text()


def test_step_and_train_run_off_the_gui_thread_and_match_the_core(win, qtbot, monkeypatch):
    from microgpt_gui.panes import penguins

    monkeypatch.setattr(penguins, "TRAIN_STEPS", 100_000)  # Train runs until it is stopped
    pane = win.penguins
    qtbot.waitUntil(lambda: pane.data is not None, timeout=10000)
    trained(qtbot, pane, 3)
    twin = PenguinModel(("flipper_length_mm",))
    losses = [twin.step().loss for _ in range(3)]
    assert pane.losses == losses  # the same engine, the same numbers
    assert f"loss {losses[-1]:.4f}" in pane.status.text()
    assert pane.thread_.isRunning() and pane.worker.thread() is pane.thread_
    counts = [[int(pane.confusion.item(i, j).text()) for j in range(3)] for i in range(3)]
    assert np.array_equal(np.array(counts), twin.confusion("test"))
    qtbot.mouseClick(pane.train, Qt.LeftButton)  # Train ...
    qtbot.waitUntil(lambda: pane.training and len(pane.losses) > 5, timeout=10000)
    assert pane.train.text() == "Stop" and not pane.step.isEnabled()
    qtbot.mouseClick(pane.train, Qt.LeftButton)  # ... and Stop
    qtbot.waitUntil(lambda: not pane.training, timeout=10000)
    assert pane.train.text() == "Train" and pane.runs.rowCount() == 1
    assert len(pane.losses) < 100_000
    assert pane.runs.item(0, 0).text() == "flipper"


def test_two_inputs_draw_decision_regions_and_beat_one(win, qtbot):
    pane = win.penguins
    qtbot.waitUntil(lambda: pane.data is not None and pane.frame is not None, timeout=10000)
    assert pane.frame.grid.shape[0] == 1  # one input: bands on the strip, not a plane
    pane.boxes["bill_length_mm"].setChecked(True)
    qtbot.mouseClick(pane.reset_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: pane.data.features == ("bill_length_mm", "flipper_length_mm"))
    trained(qtbot, pane, 2)
    assert pane.regions.isVisible() and pane.frame.grid is not None
    assert set(np.unique(pane.frame.grid)) <= {0, 1, 2}
    assert [pane.x_axis.currentData(), pane.y_axis.currentData()] == list(pane.data.features)
    labels = [item.text for _, item in pane.legend.items]
    assert any("Adelie (" in text for text in labels)


def test_one_input_shades_the_strip_by_the_species_said_there_so_the_overlap_shows(win, qtbot):
    from microgpt_gui.panes import penguins_worker
    from microgpt_gui.panes.penguins import TRAIN_STEPS

    pane = win.penguins
    qtbot.waitUntil(lambda: pane.data is not None and pane.train.isEnabled(), timeout=10000)
    qtbot.mouseClick(pane.train, Qt.LeftButton)
    qtbot.waitUntil(lambda: pane.runs.rowCount() == 1 and not pane.training, timeout=30000)
    twin = PenguinModel(("flipper_length_mm",))
    for _ in range(TRAIN_STEPS):
        twin.step()
    x0, x1, _, _ = pane.frame.extent
    xs = np.linspace(x0, x1, penguins_worker.GRID)[:, None]
    assert pane.regions.isVisible() and pane.frame.grid.shape == (1, penguins_worker.GRID)
    assert (pane.frame.grid[0] == twin.predict(xs)).all()  # the core's own thresholds
    shade = pane.regions.mapRectToView(pane.regions.boundingRect())
    assert shade.top() < 0 < pane._strip_top < shade.bottom()  # dots and bars, all shaded
    said = np.bincount(pane.frame.grid[0], minlength=3)
    assert said[0] > 5 * said[1]  # Chinstrap gets a sliver where Adelie's flippers end
    chinstrap = pane.frame.confusion[1]
    assert chinstrap[0] > chinstrap[1]  # so most test Chinstraps are called Adelie


def test_hidden_size_skips_one_and_a_model_with_it_builds(win, qtbot):
    pane = win.penguins
    qtbot.waitUntil(lambda: pane.data is not None, timeout=10000)
    pane.hidden.setValue(1)
    assert pane.hidden.value() == 2
    pane.reset()
    qtbot.waitUntil(lambda: pane.run == 2, timeout=10000)
    trained(qtbot, pane, 1)
    assert pane.built_hidden == 2 and pane.losses


def test_following_a_penguin_shows_its_loss_in_the_graph_pane(win, qtbot):
    pane = win.penguins
    qtbot.waitUntil(lambda: pane.data is not None, timeout=10000)
    pane.boxes["bill_length_mm"].setChecked(True)
    pane.reset()
    qtbot.waitUntil(lambda: pane.data.features == ("bill_length_mm", "flipper_length_mm"))
    points = pane.points[0]
    spot = points.points()[0]
    with qtbot.waitSignal(pane.follow, timeout=10000) as blocker:
        pane._on_points_clicked(points, [spot])
    source = blocker.args[0]
    assert win.graph.source() == source and win.graph.graph is not None
    assert win.graph.graph.output.data == pytest.approx(evaluate(source).output.data)
    assert win.graph.graph.nodes[win.graph.view.selected].label == "loss"
    assert f"penguin {spot.data()}" in source


def test_no_input_ticked_keeps_the_model_and_says_so(win, qtbot):
    pane = win.penguins
    qtbot.waitUntil(lambda: pane.data is not None, timeout=10000)
    pane.boxes["flipper_length_mm"].setChecked(False)
    qtbot.mouseClick(pane.reset_button, Qt.LeftButton)
    assert "Tick at least one input" in pane.status.text()
    assert pane.data.features == ("flipper_length_mm",)


def test_one_feature_shows_histograms_and_a_dot_per_penguin_to_follow(win, qtbot):
    pane = win.penguins
    qtbot.waitUntil(lambda: pane.data is not None, timeout=10000)
    bars = [p for p in pane.points if not hasattr(p, "points")]
    dots = [p for p in pane.points if hasattr(p, "points")]
    assert len(bars) == 3 and len(dots) == 3  # a histogram and a row of dots per species
    assert sum(len(d.points()) for d in dots) == len(pane.data.rows)
    assert all(spot.pos().y() < 0 for d in dots for spot in d.points())  # under the bars
    spot = dots[1].points()[0]
    assert pane.penguins[spot.data()].species == "Chinstrap"
    with qtbot.waitSignal(pane.follow, timeout=10000) as blocker:
        pane._on_points_clicked(dots[1], [spot])
    assert f"penguin {spot.data()}" in blocker.args[0]


def test_the_gpts_keys_drive_the_pane_while_it_has_the_focus(win, qtbot):
    pane = win.penguins
    qtbot.waitUntil(lambda: pane.data is not None, timeout=10000)
    gpt_steps = win.run.info.step if win.run.info else 0
    pane.step.setFocus()
    qtbot.waitUntil(pane.step.hasFocus)
    qtbot.keyClick(pane.step, Qt.Key_S)
    qtbot.waitUntil(lambda: len(pane.losses) == 1 and not pane.training, timeout=10000)
    qtbot.keyClick(pane.step, Qt.Key_Right)
    qtbot.waitUntil(lambda: len(pane.losses) == 2 and not pane.training, timeout=10000)
    qtbot.keyClick(pane.step, Qt.Key_R)  # Reset: a new model, no losses yet
    qtbot.waitUntil(lambda: pane.run == 2 and not pane.losses, timeout=10000)
    assert (win.run.info.step if win.run.info else 0) == gpt_steps  # the GPT did not step
    pane.hidden.setFocus()  # the hidden-size box keeps its keys for typing
    qtbot.keyClick(pane.hidden, Qt.Key_R)
    assert pane.run == 2 and pane.hidden.value() == 0
