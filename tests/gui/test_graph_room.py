"""Room in the graph pane (issue 23): at 1280x800 and 1366x768, in every lesson that shows the
graph, each preset's numbers are >= 9 px tall and its output box is in the view; every preset
but the two widest is seen whole, without scroll bars. A big graph borrows height from the
editor and inspector below it, and gives it back."""

import pytest
from PySide6.QtCore import QPoint, Qt

from microgpt import TrainConfig
from microgpt.expr.presets import PRESETS
from microgpt_gui.panes.graph.items import FIT_TEXT_PX, text_px
from microgpt_gui.panes.graph.pane import GraphPane

SIZES = [(1280, 800), (1366, 768)]
# at 9 px numbers these need ~980 and ~910 px of view width (scene 1310 and 1221 px wide);
# the graph column gets ~750-830 px beside the lesson text: they show their output end
TOO_WIDE = {"two-layer MLP", "softmax cross-entropy"}


@pytest.fixture
def win(make_window):
    win = make_window(config=TrainConfig(num_steps=30), backend="numpy")
    win.lessons.driver.ask_reset = lambda: "reset"
    return win


def digit_px(view) -> float:
    """How tall the number text is on screen: its ascent times the view's zoom."""
    return text_px("number") * view.transform().m11()


def check_preset(qtbot, view, where: str, whole: bool) -> None:
    def settled():  # the fit and the view's scroll bars are laid out a turn after the build
        out = view.mapFromScene(view.boxes[-1].sceneBoundingRect()).boundingRect()
        assert view.viewport().rect().contains(out), where
        if whole:
            shown = view.mapFromScene(view.sceneRect()).boundingRect()
            assert view.viewport().rect().adjusted(-1, -1, 1, 1).contains(shown), where
            assert not view.horizontalScrollBar().isVisible(), where
            assert not view.verticalScrollBar().isVisible(), where

    qtbot.waitUntil(settled, timeout=3000)
    assert digit_px(view) >= FIT_TEXT_PX - 1e-6, where


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_preset_is_legible_in_every_graph_lesson(win, qtbot, size):
    win.resize(*size)
    pane, graph = win.lessons, win.graph
    pane.open()
    graph_lessons = [k for k, lesson in enumerate(pane.lessons) if "graph" in lesson.show]
    assert len(graph_lessons) >= 3
    for k in graph_lessons:
        pane.go(k)
        if pane.lessons[k].ask:
            pane.findChild(object, "lessons_choice_1").click()
        own = graph.editor.presets.currentText()  # the lesson's own preset, checked first
        for name in [own, *(n for n, _ in PRESETS if n != own)]:
            graph.load_preset(name)
            where = f"lesson {k + 1}, {name!r} at {size}"
            check_preset(qtbot, graph.view, where, whole=name not in TOO_WIDE)


def test_a_big_graph_borrows_height_from_below_and_gives_it_back(qtbot):
    pane = GraphPane(preset="y = 3x", select=None)
    qtbot.addWidget(pane)
    pane.resize(760, 680)  # the graph column of a lesson at 1280x800
    pane.show()
    qtbot.waitExposed(pane)
    split, view = pane.findChild(object, "graph_split"), pane.view
    before = split.sizes()
    pane.load_preset("two-layer MLP")  # 306 px tall: ~233 px of view at 9 px numbers
    qtbot.waitUntil(lambda: view.height() >= view.wanted_height())
    assert split.sizes()[1] < before[1]
    pane.load_preset("y = 3x")
    qtbot.waitUntil(lambda: split.sizes() == before)
    pane.load_preset("two-layer MLP")
    qtbot.waitUntil(lambda: split.sizes() != before)
    handle = split.handle(1)  # the learner drags the handle: the room is theirs now
    qtbot.mousePress(handle, Qt.LeftButton, pos=QPoint(5, 2))
    qtbot.mouseMove(handle, QPoint(5, 40))
    qtbot.mouseRelease(handle, Qt.LeftButton, pos=QPoint(5, 40))
    dragged = split.sizes()
    assert dragged != before
    pane.load_preset("y = 3x")
    assert split.sizes() == dragged
