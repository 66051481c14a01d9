"""Lessons 11 and 12 (the scale lab): one done by hand through the lab's widgets, one with
Show me; each checked by its ✓. The lab runs on a process pool with 30-step presets."""

import concurrent.futures as cf
import multiprocessing
from dataclasses import replace

import pytest
from PySide6.QtCore import Qt
from test_lessons import predict, verdict

from microgpt import TrainConfig
from microgpt_gui.panes.experiments import form

WAIT = 120_000


def spawned_pool() -> cf.Executor:
    """Worker processes, not threads: a thread of the GUI process that triggers the cyclic GC
    can free Qt objects off the GUI thread (a thread pool here crashed once in paintEvent)."""
    return cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"))


@pytest.fixture
def win(make_window, monkeypatch):
    monkeypatch.setattr(form, "PRESETS", tuple(replace(p, steps=30) for p in form.PRESETS))
    win = make_window(config=TrainConfig(num_steps=30), backend="numpy", speed=None)
    pool = spawned_pool()
    win.panes["experiments_pane"].executor = pool
    yield win
    win.panes["experiments_pane"].cancel()
    pool.shutdown(wait=True)


def open_lesson(win, number: str):
    pane = win.lessons
    pane.open()
    pane.go(next(i for i, x in enumerate(pane.lessons) if x.source.startswith(number)))
    assert not pane.done
    return pane


def test_lesson_11_by_hand_and_12_with_show_me(win, qtbot):
    lab = win.panes["experiments_pane"]
    pane = open_lesson(win, "11-")
    assert pane.lesson.done.text == "lab swept block_size"
    predict(qtbot, pane, right=True)
    assert not win.docks["experiments_pane"].visibleRegion().isEmpty()  # the lab is in front
    presets = [p.name for p in form.PRESETS]
    lab.form.preset.setCurrentIndex(presets.index("Width, all names"))
    with qtbot.waitSignal(lab.experiment_finished, timeout=WAIT):
        qtbot.mouseClick(lab.run_button, Qt.LeftButton)
    assert not pane.done  # a width sweep is not the context sweep
    lab.form.preset.setCurrentIndex(presets.index("Context (block_size)"))
    with qtbot.waitSignal(lab.experiment_finished, timeout=WAIT):
        qtbot.mouseClick(lab.run_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: pane.done, timeout=WAIT)
    assert pane.tick.text() == "✓ " + verdict(pane, right=True) + pane.lesson.seen

    pane = open_lesson(win, "12-")
    assert pane.lesson.done.text == "lab swept n_embd on few and many names"
    predict(qtbot, pane, right=False)
    assert not pane.done  # one width sweep (on all names) is not enough
    qtbot.mouseClick(pane.show_me, Qt.LeftButton)
    qtbot.waitUntil(lambda: pane.done, timeout=WAIT)
    assert pane.tick.text() == "✓ " + verdict(pane, right=False) + pane.lesson.seen
    sizes = {e.specs[0].n_train for e in lab.experiments if e.axis == "n_embd"}
    assert 100 in sizes and len(sizes) == 2
