"""A lesson arranges the window (issue 23): at 1280x800 and 1366x768 its text (unscrolled),
every widget its task uses and the panes its show: names are fully on screen; Back to my
layout and closing the pane give the learner's own layout back exactly. At 1280x800 the
gradients inspector's Check row and its answer are on screen unscrolled."""

import re

import pytest
from PySide6.QtCore import QRect, Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QPushButton

from microgpt import TrainConfig
from microgpt_gui.lessons import events, files

SIZES = [(1280, 800), (1366, 768)]


@pytest.fixture
def win(make_window):
    win = make_window(config=TrainConfig(num_steps=30), backend="numpy")
    win.lessons.driver.ask_reset = lambda: "reset"
    return win


def fully_shown(widget, win) -> bool:
    """Every pixel of `widget` is on screen: its rect lies inside each parent's (a scroll
    area's viewport, a dock, the window), and its dock is not a tab behind another."""
    if not widget.isVisible():
        return False
    rect, child = widget.rect(), widget
    while child is not win:
        parent = child.parentWidget()
        rect = QRect(child.mapToParent(rect.topLeft()), rect.size())
        if not parent.rect().contains(rect):
            return False
        child = parent
    pane = widget
    while pane.parentWidget() is not None and not isinstance(pane.parentWidget(), QDockWidget):
        pane = pane.parentWidget()
    return pane is win or not pane.visibleRegion().isEmpty()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_lesson_shows_its_text_task_widgets_and_panes_without_scrolling(win, qtbot, size):
    win.resize(*size)
    pane = win.lessons
    pane.open()
    for k, lesson in enumerate(pane.lessons):
        pane.go(k)
        if lesson.ask:  # the task is shown once the question is answered; room for both
            pane.findChild(object, "lessons_choice_1").click()
        qtbot.waitUntil(lambda: not pane.scroll.verticalScrollBar().isVisible())  # its fit
        where = f"lesson {k + 1} at {size}"
        assert lesson.show, where
        assert not pane.scroll.verticalScrollBar().isVisible(), where
        for w in (pane.title, pane.text, pane.task, pane.show_me):
            assert fully_shown(w, win), f"{where}: {w.objectName()}"
        if lesson.ask:
            assert fully_shown(pane.question, win), where
        for w in events.task_widgets(lesson.done, win):
            assert fully_shown(w, win), f"{where}: {w.objectName() or w}"
        for name in lesson.show:
            assert fully_shown(win.docks[f"{name}_pane"].widget(), win), f"{where}: {name}"


def test_back_to_my_layout_and_closing_the_pane_restore_the_learners_layout(win, qtbot):
    dock = win.docks["runs_pane"]  # the learner's own arrangement: runs beside the graph,
    win.addDockWidget(Qt.LeftDockWidgetArea, dock, Qt.Vertical)  # no sampling pane
    win.docks["sampling_pane"].close()
    qtbot.waitUntil(lambda: not win.docks["sampling_pane"].isVisible())
    win.layout().activate()  # the docks take their new sizes now, not at the next pass
    mine = win.saveState()
    pane = win.lessons
    pane.open()
    pane.go(1)
    assert not dock.isVisible() and win.saveState() != mine
    pane.go(4)  # a second lesson: the kept layout is still the learner's
    qtbot.mouseClick(pane.my_layout, Qt.LeftButton)
    qtbot.waitUntil(lambda: win.saveState() == mine)  # sizes settle at the next layout pass
    assert win.dockWidgetArea(dock) == Qt.LeftDockWidgetArea and dock.isVisible()
    assert not win.docks["sampling_pane"].isVisible() and not pane.my_layout.isVisible()
    pane.open()
    assert win.saveState() != mine
    win.docks["lessons_pane"].close()
    qtbot.waitUntil(lambda: win.saveState() == mine)


def test_the_loss_plot_is_shown_by_every_lesson_that_says_the_loss_goes_down():
    for lesson in files.load_all():
        text = f"{lesson.title} {lesson.body} {lesson.seen}".lower()
        if re.search(r"loss[^.]*\b(down|fall|falls|fell|lower)", text):
            assert "loss" in lesson.show, lesson.source


def test_the_check_row_and_its_answer_are_fully_visible_at_1280x800(make_window, qtbot):
    win = make_window(config=TrainConfig(num_steps=30), backend="numpy")
    win.resize(1280, 800)
    win.bring_forward("gradients_pane")
    with qtbot.waitSignal(win.run.reported, timeout=10000):
        win.step()
    inspector = win.gradients.inspector
    with qtbot.waitSignal(win.run.answered, timeout=10000):  # the split, asked on a click
        win.gradients.heatmaps["wte"].cell_clicked.emit("wte", 4, 3)
    button = inspector.findChild(QPushButton, "inspector_check")
    with qtbot.waitSignal(win.run.answered, timeout=10000):
        qtbot.mouseClick(button, Qt.LeftButton)
    result = inspector.findChild(QLabel, "inspector_check_result")
    qtbot.waitUntil(lambda: "autograd" in result.text())
    box = inspector.findChild(object, "inspector_check_h")
    for widget in (box, button, result):
        assert fully_shown(widget, win), widget.objectName()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_lesson_6s_runs_table_shows_its_four_runs_unscrolled(win, qtbot, size):
    """Lesson 6 compares flipper alone with each of three second inputs: four rows."""
    win.resize(*size)
    pane = win.lessons
    pane.open()
    pane.go(next(k for k, x in enumerate(pane.lessons) if "second inputs" in x.done.text))
    runs = win.penguins.runs
    qtbot.waitUntil(lambda: fully_shown(runs, win))
    rows = runs.viewport().height() // runs.verticalHeader().defaultSectionSize()
    assert rows >= 4, f"{rows} rows of runs at {size}"


def test_the_loss_legend_is_whole_in_every_lesson_that_shows_the_loss(win, qtbot):
    """Lesson 5's narrow column cut the legend to 'smoothe': the slider gives way first."""
    win.resize(1280, 800)
    pane = win.lessons
    pane.open()
    for k, lesson in enumerate(pane.lessons):
        if "loss" not in lesson.show:
            continue
        pane.go(k)
        if lesson.ask:
            pane.findChild(object, "lessons_choice_1").click()
        qtbot.waitUntil(lambda: not pane.scroll.verticalScrollBar().isVisible())  # its fit
        legend = win.loss.legend
        qtbot.waitUntil(lambda legend=legend: fully_shown(legend, win))
        assert legend.width() >= legend.sizeHint().width(), f"lesson {k + 1}"


def test_the_check_mark_fits_without_scrolling_the_lesson_text(win, qtbot):
    """The lesson dock is sized for the ✓ too (bold, and the longest verdict): lesson 7's text
    scrolled once its ✓ appeared. Each lesson that needs no lab sweep is done with Show me."""
    win.resize(1280, 800)
    pane = win.lessons
    pane.open()
    for k, lesson in enumerate(pane.lessons):
        if lesson.done.kind.startswith("lab") or lesson.done.kind.startswith("penguins"):
            continue  # minutes of training; their ✓ is as long as the others'
        pane.go(k)
        if lesson.ask:  # the wrong choice: the longer verdict
            pane.findChild(object, f"lessons_choice_{(lesson.answer + 1) % 2 + 1}").click()
        qtbot.mouseClick(pane.show_me, Qt.LeftButton)
        qtbot.waitUntil(lambda: pane.done, timeout=60_000)
        bar = pane.scroll.verticalScrollBar()
        qtbot.waitUntil(lambda bar=bar: not bar.isVisible(), timeout=5000)  # once laid out
