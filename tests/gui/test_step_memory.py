"""What the window keeps per step of a long run (issue 21 item 18), measured with tracemalloc.

The worker's ticks are fed synthetic steps (the bytes depend on the count, not the values),
26 a tick as at full speed, and every pane of the window listens. It is measured from step
n to 2n: the plots' envelopes then hold as many buckets as before (128..256, by where the
step count lies between two powers of two). The RunState's history is
the GUI's one per-step store: 16 bytes a step (loss and lr, float64; its arrays grow by
half when full). Everything else the panes hold is bounded.
"""

import tracemalloc
from pathlib import Path

import numpy as np

from microgpt import StepPoints, TrainConfig
from microgpt_gui.panes.envelope import Envelope

TICK = 26  # steps a tick: ~780 steps/s at 30 frames/s
WARM = 20_000  # steps before measuring: the envelopes have merged their buckets
GUI = str(Path(__file__).resolve().parents[2] / "microgpt_gui")


def feed(win, steps: int, rng) -> None:
    """steps synthetic steps through the worker's ticked signal, TICK a tick."""
    n_norms = win.info.history.grad_norms.shape[1]
    for _ in range(steps // TICK):
        first = win.run.step + 1
        lr = 0.01 * (1 - np.arange(first, first + TICK) / 1_000_000)
        norms = rng.random((TICK, n_norms)).astype(np.float16)
        win.worker.ticked.emit(StepPoints(first, 2 + rng.random(TICK), lr, norms), None)


def test_the_window_keeps_16_bytes_a_step(make_window, qtbot):
    win = make_window(config=TrainConfig(num_steps=1_000_000), backend="numpy")
    rng = np.random.default_rng(0)
    feed(win, WARM, rng)
    tracemalloc.start()
    try:
        feed(win, 4 * TICK, rng)  # the bounded stores, redrawn, are now traced too
        start = win.run.step
        before = tracemalloc.take_snapshot()
        feed(win, start, rng)  # to twice the step: the envelopes are as full as before
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    grown = {s.traceback[0].filename: s.size_diff for s in after.compare_to(before, "filename")}
    steps = win.run.step - start
    assert steps == start // TICK * TICK  # every tick arrived
    assert win.run.history.nbytes() == 16 * win.run.step  # loss and lr, float64
    panes = {f: b / steps for f, b in grown.items() if f.startswith(GUI) and b > 0}
    assert sum(panes.values()) < 1, f"the GUI's other stores, bytes/step: {panes}"


def test_an_envelope_holds_the_same_bytes_at_any_step():
    """Its bucket being filled is a min, a max and a count, not its values: the width, and
    so the values of a bucket, grow with the run (4,095 of them at step 1,048,575)."""
    rng, held = np.random.default_rng(0), {}
    tracemalloc.start()
    try:
        env = Envelope()
        for n in (2**12 - 1, 2**20 - 1):  # widths 16 and 4096, the last bucket nearly full
            env.extend(rng.random(n - env.n - 21))
            env.extend(rng.random(21))
            held[n] = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert env.n == 2**20 - 1 and env.width == 2**20 // 256
    assert held[2**20 - 1] - held[2**12 - 1] < 512, held
    x, y = env.xy()  # the last bucket at the middle of its 4,095 steps
    assert x[-1] == 2**20 - 2**12 + 1 + (2**12 - 2) / 2
    assert env.bounds() == (min(y), max(y))


def test_the_readout_smooths_any_step_without_keeping_every_value(make_window, qtbot):
    """The smoothed loss is kept every Smoothed.EVERY steps; the hover readout recomputes
    the step under the mouse from the mark before it and the history's loss."""
    from PySide6.QtCore import QPointF

    win = make_window(config=TrainConfig(num_steps=1000), backend="numpy")
    feed(win, 26 * 30, np.random.default_rng(1))
    pane, loss = win.loss, win.run.history.loss
    assert len(pane.smoothed._marks) == 1 + len(loss) // pane.smoothed.EVERY
    ema, expected = 0.0, []  # TensorBoard's debiased EMA, weight 0.9
    for n, y in enumerate(loss.tolist(), 1):
        ema = 0.9 * ema + 0.1 * y
        expected.append(ema / (1 - 0.9**n))
    vb = pane.plot.getPlotItem().vb
    for step in (2, 256, 257, 700):  # a hover over each: the scene's mouse-moved signal
        pane.plot.scene().sigMouseMoved.emit(vb.mapViewToScene(QPointF(step, 2.5)))
        assert pane.readout.text().startswith(f"step {step} ")
        assert f"smoothed {expected[step - 1]:.4f}" in pane.readout.text()
