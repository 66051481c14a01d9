"""The Penguins pane (issue 14): inputs, training off the GUI thread, the scatter and its
decision regions, the confusion matrix, the runs table, and following one penguin."""

import numpy as np
import pytest
from PySide6.QtCore import Qt

from microgpt.expr.language import evaluate
from microgpt.penguins.classifier import PenguinModel

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


def dots(pane) -> list:
    return [p for p in pane.points if hasattr(p, "points")]


def pixel(pane, item, spot):
    """The pixel of the scatter's viewport at `spot`'s centre."""
    return pane.scatter.mapFromScene(item.mapToScene(spot.pos()))


def under(pane, item, spot) -> list[int]:
    """The penguins whose dots lie under that pixel, of every species, topmost first (the
    last species drawn is on top; pointsAt lists an item's topmost first)."""
    scene = pane.scatter.mapToScene(pixel(pane, item, spot))
    rows = [[int(s.data()) for s in d.pointsAt(d.mapFromScene(scene))] for d in dots(pane)]
    return [r for species in reversed(rows) for r in species]


def click_dot(qtbot, pane, item, spot) -> str:
    """A real left click on the scatter at `spot`'s pixel; the program the pane follows."""
    with qtbot.waitSignal(pane.follow, timeout=10000) as blocker:
        qtbot.mouseClick(pane.scatter.viewport(), Qt.LeftButton, pos=pixel(pane, item, spot))
    return blocker.args[0]


def crowded(pane, at_least: int):
    """A dot with at least that many penguins under its centre."""
    for item in dots(pane):
        for spot in item.points():
            if len(under(pane, item, spot)) >= at_least:
                return item, spot
    raise AssertionError(f"no {at_least} dots overlap")


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
    from microgpt_gui.panes.penguins.pane import TRAIN_STEPS

    one, two = PenguinModel(("flipper_length_mm",)), PenguinModel(PAIR)
    for _ in range(TRAIN_STEPS):
        a, b = one.step(), two.step()
    assert f"({a.test_accuracy:.0%} right" in pane.intro.text()
    assert f"({b.test_accuracy:.0%})" in pane.intro.text()


def test_step_and_train_run_off_the_gui_thread_and_match_the_core(win, qtbot, monkeypatch):
    from microgpt_gui.panes.penguins import pane as penguins

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
    from microgpt_gui.panes.penguins import worker as penguins_worker
    from microgpt_gui.panes.penguins.pane import TRAIN_STEPS

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
    lone = next((d, s) for d in dots(pane) for s in d.points() if len(under(pane, d, s)) == 1)
    source = click_dot(qtbot, pane, *lone)
    spot = lone[1]
    assert " penguins under the click" not in source
    assert f"Penguin {spot.data()} (" in pane.status.text()
    assert "under the cursor" not in pane.status.text()
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
    rows_of = dots(pane)
    assert len(bars) == 3 and len(rows_of) == 3  # a histogram and a row of dots per species
    assert sum(len(d.points()) for d in rows_of) == len(pane.data.rows)
    assert all(spot.pos().y() < 0 for d in rows_of for spot in d.points())  # under the bars
    spot = rows_of[1].points()[0]
    assert pane.penguins[spot.data()].species == "Chinstrap"
    rows = under(pane, rows_of[1], spot)
    source = click_dot(qtbot, pane, rows_of[1], spot)
    assert f"penguin {rows[0]} " in source and pane.penguins[rows[0]].species == "Chinstrap"


@pytest.mark.parametrize("inputs", [(), ("bill_length_mm",)])
def test_a_click_on_overlapping_dots_follows_one_and_says_how_many(win, qtbot, inputs):
    """pyqtgraph hands the clicked spots as a numpy array (`if spots:` raised on two or more);
    the topmost is followed, and the status and the program say how many were there."""
    pane = win.penguins
    qtbot.waitUntil(lambda: pane.data is not None, timeout=10000)
    for f in inputs:
        pane.boxes[f].setChecked(True)
        qtbot.mouseClick(pane.reset_button, Qt.LeftButton)
        qtbot.waitUntil(lambda f=f: f in pane.data.features, timeout=10000)
    # the model's first frame draws the decision regions, which widens the scatter's auto
    # range at the next paint: a pixel taken before that missed its dot (seen under load)
    qtbot.waitUntil(lambda: pane.frame is not None and pane.frame.run == pane.run, timeout=10000)
    pane.scatter.viewport().repaint()
    item, spot = crowded(pane, 2)
    rows = under(pane, item, spot)
    narrowest = pane.minimumSizeHint().width()
    source = click_dot(qtbot, pane, item, spot)
    assert pane.minimumSizeHint().width() <= narrowest  # the status wraps, never widens it
    assert source.startswith(f"# penguin {rows[0]} is one of {len(rows)} penguins under the")
    assert f"\n# penguin {rows[0]} (line" in source  # the program of the topmost one
    assert f"Penguin {rows[0]} (" in pane.status.text()
    assert f"1 of {len(rows)} under the cursor" in pane.status.text()
    assert win.graph.source() == source and win.graph.graph.output.label == "loss"


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


def test_the_hidden_size_can_be_typed_from_10_to_16(win, qtbot):
    """Typing 12 went 1 -> skipped to 2 -> 22 -> 16 (the skip of 1 acted on each keystroke)."""
    pane = win.penguins
    qtbot.waitUntil(lambda: pane.data is not None, timeout=10000)
    for typed, run in (("12", 2), ("16", 3)):
        pane.hidden.lineEdit().selectAll()
        qtbot.keyClicks(pane.hidden, typed)
        qtbot.mouseClick(pane.reset_button, Qt.LeftButton)  # not entered: Reset takes it
        qtbot.waitUntil(lambda run=run: pane.run == run, timeout=10000)
        assert pane.hidden.value() == int(typed) and pane.built_hidden == int(typed)
    trained(qtbot, pane, 1)
    assert pane.losses and np.isfinite(pane.losses[-1])
    pane.hidden.lineEdit().selectAll()
    qtbot.keyClicks(pane.hidden, "1")
    qtbot.keyClick(pane.hidden, Qt.Key_Return)
    assert pane.hidden.value() in (0, 2) and "One hidden neuron is not offered" in (
        pane.status.text()
    )


@pytest.mark.parametrize("button", ["train", "step"])
def test_train_or_step_with_no_input_ticked_says_so_and_trains_nothing(win, qtbot, button):
    pane = win.penguins
    qtbot.waitUntil(lambda: pane.data is not None, timeout=10000)
    pane.boxes["flipper_length_mm"].setChecked(False)
    qtbot.mouseClick(getattr(pane, button), Qt.LeftButton)
    assert pane.status.text().startswith("Tick at least one input")
    pane.boxes["flipper_length_mm"].setChecked(True)
    trained(qtbot, pane, 1)  # the worker's queue is in order: a Train sent above came first
    assert len(pane.losses) == 1
