"""Every widget that the README, a lesson or Show me names can be found by its objectName in a
fully built window (issue 21: pg.PlotWidget(objectName=...) silently dropped the name)."""

import dataclasses
import re
from pathlib import Path

import pyqtgraph as pg
import pytest
from PySide6.QtWidgets import QCheckBox, QDockWidget, QToolButton, QWidget

from microgpt import TrainConfig
from microgpt.penguins.data import FEATURES
from microgpt_gui.lessons import events
from microgpt_gui.lessons.files import PENGUIN_WORDS, LessonError, load_all

ROOT = Path(__file__).resolve().parents[2]
# `snake_case` in backticks is an objectName, unless it is a setting or a penguin column
NAME = re.compile(r"`([a-z][a-z0-9]*(?:_[a-z0-9]+)+)`")
NOT_WIDGETS = {f.name for f in dataclasses.fields(TrainConfig)} | set(FEATURES)
FENCE = re.compile(r"^```.*?^```", re.S | re.M)


def backticked_names(text: str) -> set[str]:
    return set(NAME.findall(FENCE.sub("", text))) - NOT_WIDGETS


def lesson_references(lesson, win) -> set[tuple[type, str]]:
    """(class, objectName) of what a lesson's setup and its Show me moves use."""
    refs = {(QWidget, n) for n in backticked_names(f"{lesson.task}\n{lesson.body}")}
    for key, value in lesson.setup:
        if key == "tab":
            refs.add((QDockWidget, f"{value}_pane"))
        elif key == "penguins":
            for word in value.split(","):
                refs.add((QCheckBox, f"penguins_feature_{PENGUIN_WORDS[word.strip()]}"))
        elif key == "descent lr":
            refs.add((QWidget, "graph_lr"))
    for move in events.show_me(lesson.done, win, set()):
        widget = move.target()
        assert widget is not None, f"{lesson.source}: Show me has a move without a widget"
        action = widget.defaultAction() if isinstance(widget, QToolButton) else None
        if not widget.objectName() and action is not None:
            widget = action  # a toolbar button is found by its action
        assert widget.objectName(), f"{lesson.source}: Show me uses an unnamed {widget}"
        refs.add((type(widget), widget.objectName()))
    return refs


@pytest.fixture
def win(make_window, qtbot):
    win = make_window(backend="numpy")
    qtbot.waitUntil(lambda: bool(win.gradients.findChildren(pg.PlotWidget)), timeout=5000)
    return win


def test_every_pyqtgraph_widget_has_a_name_that_finds_it(win):
    views = win.findChildren(pg.GraphicsView)
    assert len(views) >= 8  # loss, grad norms, heatmaps, graph x2, penguins x2, distribution
    for view in views:
        name = view.objectName()
        assert name, f"a {type(view).__name__} in {view.parent().objectName()} has no name"
        assert win.findChild(pg.GraphicsView, name) is view
    for name in ("graph_function_plot", "graph_descent_plot", "penguins_scatter"):
        assert isinstance(win.findChild(QWidget, name), pg.PlotWidget)


def test_every_name_in_the_readme_and_the_lessons_is_found(win):
    wanted = {(QWidget, n): "README.md" for n in backticked_names((ROOT / "README.md").read_text())}
    lessons = load_all(ROOT / "assets" / "lessons")  # read now: lessons added later count too
    assert lessons
    for lesson in lessons:
        assert not isinstance(lesson, LessonError), str(lesson)
        wanted.update(dict.fromkeys(lesson_references(lesson, win), lesson.source))
    named = {n for _, n in wanted}
    assert {"graph_function_plot", "graph_descent_plot", "penguins_scatter"} <= named
    missing = [
        f"{where}: {name}" for (cls, name), where in wanted.items() if not win.findChild(cls, name)
    ]
    assert not missing, missing
