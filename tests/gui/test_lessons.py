"""The Lessons pane (issue 16): every lesson completed through the real widgets, by hand and
with Show me, each checked by its ✓; Help → Lessons (F2); the first launch opens it once;
a bad lesson file is a message in the pane; a lesson never resets a run without asking."""

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from microgpt import TrainConfig
from microgpt.penguins.data import NUMERIC
from microgpt_gui.lessons import files, show_me
from microgpt_gui.panes.lessons.pane import LessonsPane
from microgpt_gui.window import settings

CONFIG = TrainConfig(num_steps=30)  # lesson 8 trains to the end of the run
WAIT = 30000


@pytest.fixture
def win(make_window, monkeypatch):
    from microgpt_gui.panes.graph import descent as graph_descent
    from microgpt_gui.panes.penguins import pane as penguins

    monkeypatch.setattr(show_me, "HIGHLIGHT_MS", 10)
    monkeypatch.setattr(show_me, "POLL_MS", 5)
    monkeypatch.setattr(graph_descent, "TRAIN_INTERVAL_MS", 10)  # Train 20 in 0.2 s
    monkeypatch.setattr(penguins, "TRAIN_STEPS", 3)  # a press of Train: a row in the runs table
    win = make_window(config=CONFIG, backend="numpy", speed=None)
    win.lessons.driver.ask_reset = lambda: "reset"
    return win


def click(qtbot, widget, pos=None) -> None:
    assert widget.isVisible() and widget.isEnabled(), widget.objectName()
    qtbot.mouseClick(widget, Qt.LeftButton, pos=widget.rect().center() if pos is None else pos)


def tool(win, name):
    return win.toolbar.widgetForAction(win.actions_[name])


def start(qtbot, win, k: int, right: bool = True) -> LessonsPane:
    """Open lesson k (1-based) as a learner does: with Next from the one before; answer its
    question, if it asks one, rightly or wrongly."""
    pane = win.lessons
    if pane.index == k - 2:
        click(qtbot, pane.next)
    else:
        pane.go(k - 1)
    assert pane.index == k - 1 and not pane.done
    assert pane.title.text().startswith(f"{k}. ")
    predict(qtbot, pane, right)
    return pane


def predict(qtbot, pane, right: bool) -> None:
    """Pick the right choice, or the first wrong one; only then the task shows."""
    lesson = pane.lesson
    if not lesson.ask:
        assert not pane.question.isVisibleTo(pane) and pane.task.isVisibleTo(pane)
        return
    assert pane.question.isVisibleTo(pane) and lesson.ask in pane.question.label.text()
    assert not pane.task.isVisibleTo(pane) and not pane.show_me.isVisibleTo(pane)
    k = lesson.answer if right else next(i for i in range(9) if i != lesson.answer)
    button = pane.findChild(object, f"lessons_choice_{k + 1}")
    click(qtbot, button, QPoint(8, button.height() // 2))  # on its round indicator
    assert pane.task.isVisibleTo(pane) and pane.show_me.isVisibleTo(pane)
    other = pane.findChild(object, f"lessons_choice_{(k + 1) % len(lesson.choices) + 1}")
    assert not other.isEnabled()  # one prediction: it cannot be changed after the fact


def verdict(pane, right: bool) -> str:
    lesson = pane.lesson
    if not lesson.ask:
        return ""
    picked = (
        lesson.choices[lesson.answer]
        if right
        else next(c for i, c in enumerate(lesson.choices) if i != lesson.answer)
    )
    if right:
        return f"You predicted “{picked}”: right. "
    return f"You predicted “{picked}”; it was “{lesson.choices[lesson.answer]}”. "


def surprised_card(qtbot, win) -> int:
    strip = win.example.strip
    qtbot.waitUntil(lambda: bool(strip.cells) and strip.shown == len(strip.cells), timeout=WAIT)
    losses = [cell[3] for cell in strip.cells]
    return losses.index(max(losses))


def do_lesson_by_hand(qtbot, win, k: int) -> None:
    graph, pane = win.graph, win.lessons
    if k == 1:
        click(qtbot, tool(win, "step"))
        target = surprised_card(qtbot, win)
        strip = win.example.strip
        for k in ((target + 1) % len(strip.cells), target):  # another card first: not done
            x = next(x for x in range(strip.width()) if strip.cell_at(x) == k)
            click(qtbot, strip, QPoint(x, strip.height() // 2))
            assert pane.done == (k == target)
    elif k == 2:
        assert graph.graph.nodes[graph.view.selected].label == "x"
        spin = graph.inspector.spin
        for value in ("2.5", "3"):  # by 0.5 first: not done
            spin.selectAll()
            qtbot.keyClicks(spin, value)
            assert pane.done == (value == "3")
    elif k == 3:
        click(qtbot, graph.restart_button)
        while not pane.done:
            click(qtbot, graph.next_button)
    elif k == 4:
        click(qtbot, graph.descent.descend)
    elif k == 5:
        assert graph.descent.count.value() == 20
        click(qtbot, graph.descent.train)
    elif k == 6:
        penguins = win.penguins
        qtbot.waitUntil(lambda: penguins.data is not None and not penguins.training)
        boxes = {f: penguins.findChild(object, f"penguins_feature_{f}") for f in NUMERIC}
        for second in (None, "bill_length_mm", "bill_depth_mm", "body_mass_g"):
            assert not pane.done
            if second:
                for f, box in boxes.items():
                    if box.isChecked() != (f in ("flipper_length_mm", second)):
                        click(qtbot, box)
                click(qtbot, penguins.reset_button)
            rows = penguins.runs.rowCount()
            click(qtbot, penguins.train)
            qtbot.waitUntil(
                lambda rows=rows: penguins.runs.rowCount() == rows + 1 and not penguins.training,
                timeout=WAIT,
            )
    elif k == 7:
        for _ in range(4):
            qtbot.waitUntil(lambda: not win.playing, timeout=WAIT)
            phase = win.run.phase
            click(qtbot, tool(win, "step_phase"))
            qtbot.waitUntil(lambda phase=phase: win.run.phase != phase, timeout=WAIT)
    elif k == 8:
        qtbot.waitUntil(lambda: win.run.step == 0, timeout=WAIT)  # the lesson reset the run
        assert win.sampling.temperature.value() == 1.0  # step 0 drawn from the model's own p
        with qtbot.waitSignal(win.run.sampled, timeout=WAIT):
            click(qtbot, win.sampling.generate)
        assert not pane.done
        click(qtbot, tool(win, "play"))
        qtbot.waitUntil(lambda: win.run.finished and not win.playing, timeout=WAIT)
        with qtbot.waitSignal(win.run.sampled, timeout=WAIT):
            click(qtbot, win.sampling.generate)
        assert not pane.done  # the xq prefix is part of the task
        win.sampling.prefix.clear()
        qtbot.keyClicks(win.sampling.prefix, "xq")
        click(qtbot, win.sampling.generate)
    elif k == 9:
        qtbot.waitUntil(lambda: win.run.step == 0, timeout=WAIT)  # the lesson reset the run
        box = win.example.findChild(object, "example_input")
        qtbot.keyClicks(box, "ada")
        with qtbot.waitSignal(win.example.read_shown, timeout=WAIT):
            qtbot.keyClick(box, Qt.Key_Return)
        assert not pane.done
        click(qtbot, tool(win, "play"))
        qtbot.waitUntil(lambda: win.run.finished and not win.playing, timeout=WAIT)
        click(qtbot, win.example.findChild(object, "example_read"))
    elif k == 10:
        example = win.example
        bar = example.tabs.tabBar()
        click(qtbot, bar, bar.tabRect(example.tabs.indexOf(example.attention)).center())
        grid = example.attention.grid
        weights = grid._w[0, -1]  # head 1, the last row
        best = int(np.argmax(weights))
        for j in (best - 1 if best else best + 1, best):  # another cell of the row first
            click(qtbot, grid, grid.cell_rect(0, len(weights) - 1, j).center().toPoint())
            assert pane.done == (j == best)
        assert f"{weights[best]:.2f}" in example.attention.detail.text()


def in_front(widget) -> bool:
    """On screen: a dock tab behind another stays isVisible() but shows nothing."""
    return not widget.visibleRegion().isEmpty()


def test_help_lessons_f2_opens_the_pane_and_the_first_launch_opens_it_once(win, qtbot):
    pane, action = win.lessons, win.findChild(object, "action_lessons")
    help_menu = next(m for m in win.menuBar().actions() if m.text() == "&Help").menu()
    assert action in help_menu.actions() and action.shortcut().toString() == "F2"
    assert not in_front(pane) and in_front(win.loss)  # a tab behind the loss, until asked for
    action.trigger()
    qtbot.waitUntil(lambda: in_front(pane))
    assert pane.title.text() == "1. What is the network trying to do?"
    click(qtbot, pane.my_layout)  # the learner's layout back: the lessons behind the loss
    qtbot.waitUntil(lambda: not in_front(pane))
    pane.open_on_first_launch(settings.first_lessons_launch)  # new settings: the first launch
    qtbot.waitUntil(lambda: in_front(pane))
    click(qtbot, pane.my_layout)
    pane.open_on_first_launch(settings.first_lessons_launch)  # remembered: not again
    qtbot.waitUntil(lambda: in_front(win.loss))
    assert not in_front(pane)


def test_a_lesson_that_needs_a_new_run_saves_the_old_one_first_if_asked(
    win, qtbot, monkeypatch, tmp_path
):
    qtbot.waitUntil(lambda: win.run.step == 0)
    with qtbot.waitSignal(win.run.drawn, timeout=WAIT, check_params_cb=lambda s: s == 1):
        click(qtbot, tool(win, "step"))
    pane, kept = win.lessons, tmp_path / "kept.npz"
    pane.driver.ask_reset = lambda: "save"
    monkeypatch.setattr(win.dialogs, "ask_save_path", lambda *_: None)  # Save dialog cancelled
    pane.open()
    pane.go(7)
    assert pane.note.text().startswith("Your run is kept") and win.run.step == 1
    monkeypatch.setattr(win.dialogs, "ask_save_path", lambda *_: str(kept))
    pane.go(7)
    qtbot.waitUntil(lambda: kept.exists() and win.run.step == 0, timeout=WAIT)
    assert not pane.note.isVisibleTo(pane)


def test_every_lesson_done_by_hand_through_the_real_widgets(win, qtbot):
    win.lessons.open()
    assert sum(bool(x.ask) for x in win.lessons.lessons) >= 6
    for k in range(1, 11):
        pane = start(qtbot, win, k)
        do_lesson_by_hand(qtbot, win, k)
        qtbot.waitUntil(lambda pane=pane: pane.done, timeout=WAIT)
        assert pane.tick.text() == "✓ " + verdict(pane, True) + pane.lesson.seen
        assert pane.list.itemText(k - 1).endswith("✓")


def test_every_lesson_done_with_show_me_and_a_run_is_never_reset_unasked(win, qtbot, monkeypatch):
    outlined = []
    cover = show_me.Outline.cover
    monkeypatch.setattr(show_me.Outline, "cover", lambda s, w: (outlined.append(w), cover(s, w)))
    win.lessons.open()
    for k in range(1, 11):
        if k == 8:  # the run has steps: the learner is asked first, and may keep it
            win.lessons.driver.ask_reset = lambda: "cancel"
            start(qtbot, win, k, right=False)
            assert win.run.step > 0 and win.lessons.note.text().startswith("Your run is kept")
            win.lessons.driver.ask_reset = lambda: "reset"
        pane = start(qtbot, win, k, right=False) if k != 8 else win.lessons
        outlined.clear()
        click(qtbot, pane.show_me)
        qtbot.waitUntil(lambda pane=pane: pane.done, timeout=WAIT)
        assert pane.tick.text() == "✓ " + verdict(pane, False) + pane.lesson.seen
        assert outlined, f"lesson {k}: Show me highlighted nothing"
        expected = {
            1: win.example.strip,
            2: win.graph.inspector.spin,
            3: win.graph.next_button,
            4: win.graph.descent.descend,
            5: win.graph.descent.train,
            6: win.penguins.train,
            7: tool(win, "step_phase"),
            8: win.sampling.generate,
            9: win.example.findChild(object, "example_read"),
            10: win.example.attention.grid,
        }[k]
        assert expected in outlined


def test_a_bad_lesson_file_is_a_message_in_the_pane_not_a_crash(qtbot, tmp_path):
    good = (files.lessons_dir() / "02-what-is-a-derivative.md").read_text(encoding="utf-8")
    (tmp_path / "01-good.md").write_text(good, encoding="utf-8")
    (tmp_path / "02-bad.md").write_text(good.replace("tab: graph", "tab: <b>kitchen</b>"))
    pane = LessonsPane(files.load_all(tmp_path))
    qtbot.addWidget(pane)
    pane.show()
    assert pane.list.itemText(1) == "⚠ 02-bad.md: cannot be shown"
    click(qtbot, pane.next)
    assert "02-bad.md" in pane.title.text()
    assert "line 8: no tab &#x27;&lt;b&gt;kitchen&lt;/b&gt;&#x27;" in pane.text.text()  # escaped
    assert not pane.show_me.isEnabled() and not pane.task.isVisible()
