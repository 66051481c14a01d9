"""Your own name through the model (issue 23): the example_input box of the Current example
pane reads a name with the current weights in the worker, shows its cards, attention and
mean loss beside the training names', and leaves the run exactly as it was.

The oracle is a second Trainer on the same docs and config, stepped as far as the window's."""

import re

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

import microgpt
from microgpt import TrainConfig
from microgpt.reading import read_text
from microgpt_gui.panes.example.name_input import MAX_INPUT
from microgpt_gui.run.commands import ReadAnswer

CONFIG = TrainConfig(num_steps=50)
WAIT = 10000


def oracle(docs, steps: int) -> microgpt.Trainer:
    trainer = microgpt.Trainer(docs, CONFIG, backend="numpy")
    for _ in range(steps):
        trainer.step()
    return trainer


def step(qtbot, win):
    with qtbot.waitSignal(win.run.reported, timeout=WAIT) as blocker:
        win.step()
    return blocker.args[0]


def type_and_enter(qtbot, win, text: str) -> ReadAnswer:
    """Type text in example_input, press Enter; the worker's answer."""
    box = win.example.findChild(object, "example_input")
    box.clear()
    if text.isascii():
        qtbot.keyClicks(box, text)
    else:  # QTest has no key for 'ë': typed as an input method would
        box.insert(text)
    with qtbot.waitSignal(win.run.answered, timeout=WAIT) as blocker:
        qtbot.keyClick(box, Qt.Key_Return)
    return blocker.args[0]


@pytest.fixture
def win(make_window):
    return make_window(config=CONFIG, backend="numpy")


def test_a_name_shows_its_cards_attention_and_how_surprising_it_is(win, qtbot, docs):
    step(qtbot, win)
    step(qtbot, win)
    answer = type_and_enter(qtbot, win, "emma")
    expected = read_text(oracle(docs, 2), "emma")
    pane = win.example
    cells = pane.strip.cells
    assert [(c[0], c[1]) for c in cells] == [
        ("BOS", "e"),
        ("e", "m"),
        ("m", "m"),
        ("m", "a"),
        ("a", "BOS"),
    ]
    np.testing.assert_allclose([c[2] for c in cells], expected.target_probs, rtol=1e-12)
    assert answer.reading.step == 2 and "step 2" in pane.title.text()
    share = f"{expected.more_surprising_than:.0%}"
    assert f"{expected.loss:.4f}" in pane.mean.text() and f"<b>{share}</b>" in pane.mean.text()
    assert f"of the {len(docs)} training names" in pane.mean.text()
    assert pane.attention.grid.isVisible()
    np.testing.assert_allclose(pane.attention._weights, expected.attention, rtol=1e-12)
    qtbot.mouseClick(pane.strip, Qt.LeftButton, pos=pane.strip.rect().topLeft() + QPoint(20, 20))
    assert pane.distribution.position == 0 and "'e'" in pane.distribution.text.text()
    back = pane.findChild(object, "example_back")
    assert back.isVisible()
    qtbot.mouseClick(back, Qt.LeftButton)
    assert pane.report is win.latest and not back.isVisible()
    assert len(pane.strip.cells) == win.latest.n and "trained on" in pane.title.text()


def test_reading_leaves_the_run_untouched(win, qtbot, docs):
    step(qtbot, win)
    type_and_enter(qtbot, win, "olivia")
    type_and_enter(qtbot, win, "zz")
    report = step(qtbot, win)  # the next step: after the reads as if they never happened
    twin = oracle(docs, 2)
    expected = twin.report()
    assert report.step == 2 and report.loss == expected.loss
    for name in expected.params:
        assert np.array_equal(report.params[name], expected.params[name]), name
        assert np.array_equal(report.adam_m[name], expected.adam_m[name]), name
        assert np.array_equal(report.adam_v[name], expected.adam_v[name]), name
    with qtbot.waitSignal(win.run.sampled, timeout=WAIT) as blocker:
        win.sampling.generate.click()  # no seed: the run's own random stream
    assert [s.text for s in blocker.args[0]] == [s.text for s in twin.sample(20, 0.5)]
    # the step shown: the training example again, and a word on how to read the name
    pane = win.example
    assert pane.report is report and "Enter" in pane.name_input.message.text()


def test_an_empty_box_says_what_to_do_and_shows_the_training_example(win, qtbot):
    report = step(qtbot, win)
    type_and_enter(qtbot, win, "ada")
    box = win.example.findChild(object, "example_input")
    box.clear()  # clearing the box is the way back
    assert win.example.report is report
    qtbot.keyClick(box, Qt.Key_Return)
    message = win.example.findChild(object, "example_input_message")
    assert message.isVisible() and "Type a name" in message.text()
    assert win.example.report is report


def test_characters_outside_the_vocabulary_are_named_and_nothing_is_lost(win, qtbot):
    report = step(qtbot, win)
    answer = type_and_enter(qtbot, win, "Zoë 2")
    assert answer.reading is None
    message = win.example.findChild(object, "example_input_message")
    for named in ("'Z'", "'ë'", "'2'", "U+0020"):
        assert named in message.text()
    assert message.isVisible() and message.textFormat() == Qt.PlainText
    assert win.example.report is report  # the training example's cards stay


def test_a_1mb_paste_is_cut_to_the_box_and_read_without_freezing(win, qtbot):
    step(qtbot, win)
    box = win.example.findChild(object, "example_input")
    QApplication.clipboard().setText("anna" * 250_000)
    box.setFocus()
    qtbot.keyClick(box, Qt.Key_V, Qt.ControlModifier)
    assert box.text() == ("anna" * 250_000)[:MAX_INPUT]
    with qtbot.waitSignal(win.run.answered, timeout=WAIT) as blocker:
        qtbot.keyClick(box, Qt.Key_Return)
    reading = blocker.args[0].reading
    block = CONFIG.block_size
    assert len(reading.doc) == block and reading.n == block
    assert re.search(f"first {block} characters", win.example.name_input.message.text())
