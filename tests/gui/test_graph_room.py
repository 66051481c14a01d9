"""Room in the graph pane (issue 23): at 1280x800 and 1366x768, in every lesson that shows the
graph, each preset's numbers are >= 9 px tall and each preset is seen whole, its output box
in the view, without scroll bars. A big graph borrows height from the editor and inspector
below it, and gives it back."""

from collections import Counter

import pytest
from PySide6.QtCore import QPoint, Qt

from microgpt import TrainConfig
from microgpt.expr.presets import PRESETS
from microgpt_gui.panes.graph.items import FIT_TEXT_PX, text_px
from microgpt_gui.panes.graph.pane import GraphPane

SIZES = [(1280, 800), (1366, 768)]


@pytest.fixture
def win(make_window):
    win = make_window(config=TrainConfig(num_steps=30), backend="numpy")
    win.lessons.driver.ask_reset = lambda: "reset"
    return win


def digit_px(view) -> float:
    """How tall the number text is on screen: its ascent times the view's zoom."""
    return text_px("number") * view.transform().m11()


def check_preset(qtbot, view, where: str) -> None:
    def settled():  # the fit and the view's scroll bars are laid out a turn after the build
        out = view.mapFromScene(view.boxes[-1].sceneBoundingRect()).boundingRect()
        assert view.viewport().rect().contains(out), where
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
            check_preset(qtbot, graph.view, where)


def test_a_big_graph_borrows_height_from_below_and_gives_it_back(qtbot):
    pane = GraphPane(preset="y = 3x", select=None)
    qtbot.addWidget(pane)
    pane.resize(760, 680)  # the graph column of a lesson at 1280x800
    pane.show()
    qtbot.waitExposed(pane)
    split, view = pane.findChild(object, "graph_split"), pane.view
    before = split.sizes()
    pane.load_preset("two-layer MLP")  # 302 px tall: ~230 px of view at 9 px numbers
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


def test_boxes_stack_narrow_and_a_crowded_column_lies_flat(qtbot):
    pane = GraphPane(preset="two-layer MLP", select=None)
    qtbot.addWidget(pane)
    boxes = pane.view.boxes
    column = Counter(round(b.x()) for b in boxes)
    crowded = [b for b in boxes if column[round(b.x())] >= 5]  # w11..w22, x1, x2
    assert len(crowded) == 6 and all(b.flat for b in crowded)
    stacked = [b for b in boxes if b not in crowded]
    assert stacked and not any(b.flat for b in stacked)
    for b in stacked:  # the label above the numbers: as wide as the wider of the two
        assert b.boundingRect().width() - 8 == max(b.label_w, b.number_w)
        assert b.boundingRect().height() - 8 > crowded[0].boundingRect().height() - 8
    for b in crowded:  # the label beside them: lower, wider
        assert b.boundingRect().width() - 8 >= b.label_w + b.number_w
