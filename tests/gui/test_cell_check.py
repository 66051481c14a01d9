"""The cell inspector's finite-difference check and per-position split, asked of the worker.

The oracle is a second Trainer on the same docs and config, stepped as far as the window's:
its gradient_check and position_split must be what the inspector shows.
"""

import math
import re

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLabel, QPushButton

import microgpt
from microgpt import TrainConfig
from microgpt.report import token_text
from microgpt_gui import theme
from microgpt_gui.run.commands import CheckRequest, SplitRequest

SMALL = TrainConfig(num_steps=50, n_embd=8, n_head=2, block_size=8)
MUTED = theme.MUTED.name()


def oracle(docs, backend: str, steps: int) -> microgpt.Trainer:
    trainer = microgpt.Trainer(docs, SMALL, backend=backend)
    for _ in range(steps):
        trainer.step()
    return trainer


def step(qtbot, win):
    """One Step; its (detailed) report."""
    with qtbot.waitSignal(win.run.reported, timeout=10000) as blocker:
        win.step()
    return blocker.args[0]


def select(qtbot, win, name: str, row: int, col: int):
    """Click name[row, col] (as the heatmap does) and wait for the worker's split."""
    heatmap = win.gradients.heatmaps[name]
    with qtbot.waitSignal(win.run.answered, timeout=10000) as blocker:
        heatmap.cell_clicked.emit(name, row, col)
    assert blocker.args[0].request == SplitRequest(win.latest.step, name, row, col)
    return blocker.args[0]


def check(qtbot, win, h_text: str):
    """Type h, press Check: 'checking…' until the worker's answer."""
    inspector = win.gradients.inspector
    inspector.findChild(QComboBox, "inspector_check_h").setCurrentText(h_text)
    with qtbot.waitSignal(win.run.answered, timeout=10000) as blocker:
        qtbot.mouseClick(inspector.findChild(QPushButton, "inspector_check"), Qt.LeftButton)
        assert result_text(win) == "checking…"
    assert isinstance(blocker.args[0].request, CheckRequest)
    return blocker.args[0]


def result_text(win) -> str:
    return win.gradients.inspector.findChild(QLabel, "inspector_check_result").text()


def split_rows(win) -> list[tuple[QLabel, QLabel]]:
    """The visible (input → target, share) labels, in position order."""
    inspector = win.gradients.inspector
    pairs = inspector.findChildren(QLabel, "inspector_split_pair")
    shares = inspector.findChildren(QLabel, "inspector_split_share")
    return [(p, s) for p, s in zip(pairs, shares) if p.isVisibleTo(inspector)]


def share_value(label: QLabel) -> float:
    return 0.0 if label.text().startswith("0 ") else float(label.text())


def sum_numbers(win) -> tuple[float, float]:
    text = win.gradients.inspector.findChild(QLabel, "inspector_split_sum").text()
    total, grad = re.fullmatch(
        r"sum = (\S+), the gradient of \S+ (\S+) \(difference \S+\)", text
    ).groups()
    return float(total), float(grad)


def busiest(grad_row: np.ndarray) -> int:
    return int(np.argmax(np.abs(grad_row)))


@pytest.mark.parametrize("backend", ["scalar", "numpy"])
def test_check_agrees_with_autograd(make_window, qtbot, docs, backend):
    win = make_window(config=SMALL, backend=backend)
    step(qtbot, win)
    report = step(qtbot, win)
    name, row = "wte", report.tokens[1]
    col = busiest(report.grads[name][row])
    win.gradients.inspector.all_digits.setChecked(True)
    select(qtbot, win, name, row, col)
    answer = check(qtbot, win, "1e-5")
    assert answer.request == CheckRequest(report.step, name, row, col, 1e-5)
    text = result_text(win)
    fd, autograd, gap = re.search(r"= (\S+),\nautograd (\S+)\n\(difference (\S+)\)", text).groups()
    ref = oracle(docs, backend, 2)
    assert ref.report().loss == report.loss  # the oracle trained the same steps
    assert float(fd) == ref.gradient_check(name, row, col, 1e-5).fd
    assert float(autograd) == report.grads[name][row, col] != 0
    assert abs(float(fd) - float(autograd)) <= 1e-5 * abs(float(autograd))
    assert float(gap) == pytest.approx(abs(float(fd) - float(autograd)), rel=0.05)
    assert "smaller h" not in text and "larger h" not in text  # they agree: no excuse given


@pytest.mark.parametrize("backend", ["scalar", "numpy"])
def test_split_rows_sum_to_the_gradient(make_window, qtbot, docs, backend):
    win = make_window(config=SMALL, backend=backend)
    report = step(qtbot, win)
    name = "layer0.attn_wv"
    row, col = 1, busiest(report.grads[name][1])
    win.gradients.inspector.all_digits.setChecked(True)
    answer = select(qtbot, win, name, row, col)
    rows = split_rows(win)
    assert len(rows) == report.n == len(answer.value)
    QApplication.processEvents()  # the posted relayout of the side column
    inspector = win.gradients.inspector
    assert inspector.width() <= inspector.parentWidget().width(), "all digits scroll sideways"
    chars, tokens = report.chars, report.tokens
    for k, (pair, _) in enumerate(rows):
        assert (
            pair.text() == f"{k}  {token_text(tokens[k], chars)}→{token_text(tokens[k + 1], chars)}"
        )
    shares = [share_value(s) for _, s in rows]
    expected = oracle(docs, backend, 1).position_split(name, row, col)
    assert shares == list(expected)
    grad = report.grads[name][row, col]
    assert abs(math.fsum(shares) - grad) <= 1e-12
    total, shown_grad = sum_numbers(win)
    assert total == math.fsum(expected) and shown_grad == grad


@pytest.mark.parametrize("kind", ["wte", "wpe", "attn_wq"])
def test_zero_shares_are_greyed_with_their_reason(make_window, qtbot, docs, kind):
    win = make_window(config=SMALL, backend="numpy")
    report = step(qtbot, win)
    chars, tokens = report.chars, report.tokens
    first = 2  # a character that first comes in as the input of position 2
    row, reason = {
        "wte": (tokens[first], f"'{token_text(tokens[first], chars)}' has not appeared yet"),
        "wpe": (first, f"position {first} comes later"),
        "attn_wq": (0, "position 0 attends only to itself"),
    }[kind]
    assert tokens[first] not in tokens[:first]
    name = kind if kind in ("wte", "wpe") else f"layer0.{kind}"
    col = busiest(report.grads[name][row])
    select(qtbot, win, name, row, col)
    expected = oracle(docs, "numpy", 1).position_split(name, row, col)
    rows = split_rows(win)
    cannot = range(1 if kind == "attn_wq" else first)  # positions that cannot depend on it
    for k, (pair, share) in enumerate(rows):
        greyed = MUTED in share.styleSheet() and MUTED in pair.styleSheet()
        assert greyed == (expected[k] == 0), (k, share.text())
        if k in cannot:
            assert expected[k] == 0 and share.text().startswith(f"0 — {reason}")
        else:
            assert reason not in share.text()
    assert any(expected[k] != 0 for k in range(len(rows)) if k not in cannot)


def test_a_stale_answer_is_ignored(make_window, qtbot):
    win = make_window(config=SMALL, backend="numpy")
    step(qtbot, win)
    inspector = win.gradients.inspector
    inspector.all_digits.setChecked(True)
    old_split = select(qtbot, win, "lm_head", 0, 0)
    old_check = check(qtbot, win, "1e-4")
    assert "autograd" in result_text(win)
    with qtbot.waitSignal(win.run.answered, timeout=10000) as blocker:
        report = step(qtbot, win)  # the same cell, a new step: its split is asked again
    new_split = blocker.args[0]
    assert new_split.request == SplitRequest(report.step, "lm_head", 0, 0)
    assert result_text(win) == ""  # the old check went with its step
    shown = [s.text() for _, s in split_rows(win)]
    assert [share_value(s) for _, s in split_rows(win)] == list(new_split.value)
    win.run.answered.emit(old_split)  # answers that come late, for step 1
    win.run.answered.emit(old_check)
    assert [s.text() for _, s in split_rows(win)] == shown
    assert result_text(win) == ""
    # another cell before the answer came: that answer is not drawn for the new cell
    with qtbot.waitSignal(win.run.answered, timeout=10000) as blocker:
        qtbot.mouseClick(inspector.findChild(QPushButton, "inspector_check"), Qt.LeftButton)
        win.gradients.heatmaps["wpe"].cell_clicked.emit("wpe", 0, 0)
    assert blocker.args[0].request.name == "lm_head"
    assert result_text(win) == ""
    qtbot.waitUntil(lambda: "sum =" in inspector.findChild(QLabel, "inspector_split_sum").text())
    assert sum_numbers(win)[1] == report.grads["wpe"][0, 0]


@pytest.mark.parametrize("typed", ["abc", "0", "-1e-4", "", "2", "nan"])
def test_badly_typed_h_gives_a_message(make_window, qtbot, typed):
    win = make_window(config=SMALL, backend="numpy")
    step(qtbot, win)
    select(qtbot, win, "wte", 0, 0)
    inspector = win.gradients.inspector
    box = inspector.findChild(QComboBox, "inspector_check_h")
    box.lineEdit().clear()
    qtbot.keyClicks(box.lineEdit(), typed)
    with qtbot.assertNotEmitted(inspector.question):
        qtbot.mouseClick(inspector.findChild(QPushButton, "inspector_check"), Qt.LeftButton)
    assert result_text(win).startswith("h must be a number between 0 and 1")
    answer = check(qtbot, win, "1e-3")  # and a good h still works
    assert answer.value is not None and "autograd" in result_text(win)


def test_play_asks_only_when_it_stops(make_window, qtbot):
    win = make_window(config=SMALL, backend="numpy", speed=5)
    step(qtbot, win)
    inspector = win.gradients.inspector
    select(qtbot, win, "wte", 0, 0)
    asked, seen = [], []
    inspector.question.connect(asked.append)
    status = inspector.findChild(QLabel, "inspector_split_status")
    check_button = inspector.findChild(QPushButton, "inspector_check")
    win.run.reported.connect(
        lambda r: seen.append((r.probs is None, status.text(), check_button.isEnabled()))
    )
    with qtbot.waitSignal(win.run.answered, timeout=10000):
        win.play(4)
    intermediate = [s for s in seen if s[0]]
    assert len(intermediate) >= 2  # at 5 steps/s every step is drawn
    for _, text, enabled in intermediate:
        assert text.startswith("Pause") and not enabled
    assert seen[-1][0] is False  # the step where Play stopped came in detail
    assert asked == [SplitRequest(win.latest.step, "wte", 0, 0)]
    assert check_button.isEnabled()
