"""One GPT step, opened up (issue 12): phase stepping through action_step_phase, the full
prediction at a position, and the loss of the same name after the update."""

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from microgpt import TrainConfig, Trainer
from microgpt.report import token_text

CONFIG = TrainConfig(num_steps=50)


def phase_step(qtbot, win, phase: str) -> None:
    """Press Shift+S and wait until the run shows `phase`."""
    with qtbot.waitSignal(
        win.run.phase_changed, timeout=10000, check_params_cb=lambda p, r: p == phase
    ):
        qtbot.keyClick(win, Qt.Key_S, Qt.ShiftModifier)


@pytest.mark.parametrize("backend", ["numpy", "scalar"])
def test_the_four_phases_show_one_step_in_order(make_window, qtbot, docs, backend):
    win = make_window(config=CONFIG, backend=backend)
    direct = Trainer(docs, CONFIG, backend)
    direct.step()
    expected = direct.report(detail=True)
    grads_pane, example, loss_pane = win.gradients, win.example, win.loss
    chosen = grads_pane.view.findData("value")
    grads_pane.view.setCurrentIndex(chosen)  # the learner's own view, restored at the end
    raw = loss_pane.envelopes["raw"]

    phase_step(qtbot, win, "forward")
    assert win.run.step == 1 and "step 1 · forward" in win.status_text.text()
    assert "loss –" in win.status_text.text()  # not computed yet, as shown
    qtbot.waitUntil(lambda: example.strip.shown == expected.n, timeout=5000)  # cell by cell
    assert not example.strip.with_loss and "No loss yet" in example.mean.text()
    guesses = [token_text(int(np.argmax(row)), expected.chars) for row in expected.probs]
    assert example.strip.guesses == guesses
    assert [c[2] for c in example.strip.cells] == list(expected.target_probs)
    assert raw.n == 0 and grads_pane.norms.n == 0  # no loss point, no gradients yet
    assert grads_pane.report is None and "come in its backward phase" in grads_pane.hint.text()

    phase_step(qtbot, win, "loss")
    assert example.strip.with_loss
    mean = example.mean.text()
    assert f"Mean of the {expected.n} losses" in mean and f"{expected.loss:.4f}" in mean
    assert (
        "step 1 · loss" in win.status_text.text()
        and f"{expected.loss:.4f}" in win.status_text.text()
    )

    phase_step(qtbot, win, "backward")
    assert grads_pane.report is not None and grads_pane.report.step == 1
    assert grads_pane.view_key == "grad" and "Backward" in example.mean.text()
    assert grads_pane.norms.n == 1
    assert not grads_pane.heatmaps["wte"].outline.path().isEmpty()  # the rows used
    assert "step 1 · backward" in win.status_text.text()

    phase_step(qtbot, win, "update")
    assert grads_pane.view_key == "update"
    after = example.after.text()
    assert after == (
        f"After this update, '{expected.doc}' costs {expected.loss:.3f} → "
        f"{expected.loss_after:.3f} (lower: the step helped)."
    )
    assert expected.loss_after < expected.loss

    phase_step(qtbot, win, "")
    assert grads_pane.view.currentIndex() == chosen
    assert win.status_text.text().startswith("step 1 / 50")
    assert win.run.latest.step == 1 and win.run.latest.loss == expected.loss


def test_step_completes_the_phases_left_and_play_works_after(make_window, qtbot):
    win = make_window(config=CONFIG, backend="numpy")
    phase_step(qtbot, win, "forward")
    with qtbot.waitSignal(
        win.run.phase_changed, timeout=5000, check_params_cb=lambda p, r: p == ""
    ):
        qtbot.keyClick(win, Qt.Key_S)  # plain Step: the rest of this step, not a new one
    assert win.run.step == 1 and win.run.phase == "" and win.example.strip.with_loss
    with qtbot.waitSignal(win.run.reported, timeout=5000):
        win.step()
    assert win.run.step == 2
    phase_step(qtbot, win, "forward")
    with qtbot.waitSignal(
        win.run.playing_changed, timeout=20000, check_params_cb=lambda on, why: not on
    ):
        win.play(3)
    assert win.run.step == 6 and win.run.phase == ""


def test_a_reset_in_the_middle_of_the_phases_forgets_them(make_window, qtbot):
    win = make_window(config=CONFIG, backend="numpy")
    phase_step(qtbot, win, "forward")
    phase_step(qtbot, win, "loss")
    with qtbot.waitSignal(win.run.reset, timeout=5000):
        win.reset()
    assert win.run.phase == "" and win.run.step == 0
    assert win.gradients.view_key == "grad"
    phase_step(qtbot, win, "forward")  # and phases start again
    assert win.run.step == 1


def test_clicking_a_cell_shows_the_whole_prediction(make_window, qtbot, docs):
    win = make_window(config=CONFIG, backend="numpy")
    with qtbot.waitSignal(win.run.reported, timeout=5000) as blocker:
        win.step()
    report = blocker.args[0]
    assert report.probs is not None and report.probs.shape == (report.n, len(report.chars) + 1)
    strip, dist = win.example.strip, win.example.distribution
    k = report.n - 1
    x = 6 + k * (strip._cell_width() + 6) + 10
    qtbot.mouseClick(
        strip, Qt.LeftButton, pos=strip.rect().topLeft() + type(strip.rect().topLeft())(int(x), 20)
    )
    assert strip.selected == k and win.example.tabs.currentWidget() is dist
    xs, heights = dist.bars.opts["x"], dist.bars.opts["height"]
    assert len(xs) == len(report.chars) + 1 and np.allclose(heights, report.probs[k])
    target = report.tokens[k + 1]
    name = token_text(target, report.chars)
    p, loss = report.target_probs[k], report.position_losses[k]
    assert (
        f"the model gave '{name}' p = {p:.3g}, so the loss here is −ln {p:.3g} = {loss:.3g}"
        in dist.text.text()
    )
    labels = [item.toPlainText().split(" ")[0] for item in dist.labels]
    top = [
        token_text(int(i), report.chars) for i in np.argsort(-report.probs[k], kind="stable")[:5]
    ]
    assert labels[:5] == top and name in labels
    assert math.isclose(sum(heights), 1.0, rel_tol=1e-12)
    strip.setFocus()
    qtbot.keyClick(strip, Qt.Key_Left)  # the arrow keys walk the positions, not train
    assert strip.selected == k - 1 and win.run.step == 1


def test_play_reports_are_plain_until_it_stops(make_window, qtbot):
    win = make_window(config=CONFIG, backend="numpy", speed=None)
    seen = []
    win.run.reported.connect(seen.append)
    with qtbot.waitSignal(
        win.run.playing_changed, timeout=20000, check_params_cb=lambda on, why: not on
    ):
        win.play(20)
    assert seen[-1].step == 20 and seen[-1].probs is not None and seen[-1].loss_after is not None
    assert all(r.probs is None for r in seen[:-1])


def test_no_two_labels_of_the_prediction_chart_overlap(make_window, qtbot):
    win = make_window(backend="numpy")
    win.resize(1280, 800)
    strip, dist = win.example.strip, win.example.distribution
    for _ in range(3):  # step 2 (roselle) once put 'r 0.03' on top of 's 0.05'
        with qtbot.waitSignal(win.run.reported, timeout=5000) as blocker:
            win.step()
        for k in range(blocker.args[0].n):
            strip.select(k)

            def apart(k=k):  # once the chart has its size (a shown chart lays out a turn later)
                rects = [label_rect(dist, item) for item in dist.labels]
                inside = dist.plot.getPlotItem().vb.sceneBoundingRect().adjusted(-1, -1, 1, 1)
                texts = [item.toPlainText() for item in dist.labels]
                assert all(inside.contains(r) for r in rects), (k, texts)
                for a, ra in enumerate(rects):
                    assert not any(ra.intersects(rb) for rb in rects[a + 1 :]), (k, texts)

            qtbot.waitUntil(apart, timeout=2000)


def label_rect(dist, item):
    """A chart label's text in scene pixels: anchored at its bottom centre, without the
    item's padding (3 px a side, 4 above and below; rows are 18 px apart; a
    TextItem's own scene rect ignores the zoom)."""
    from PySide6.QtCore import QRectF

    p = dist.plot.getPlotItem().vb.mapViewToScene(item.pos())
    w, h = item.boundingRect().width(), item.boundingRect().height()
    left = p.x() - w * item.anchor.x()
    return QRectF(left + 3, p.y() - h + 4, w - 6, h - 8)
