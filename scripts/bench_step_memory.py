"""Which stores grow with every step, and by how many bytes a step (tracemalloc).

QT_QPA_PLATFORM=offscreen python scripts/bench_step_memory.py [--steps 20000] [--part both]
python scripts/bench_step_memory.py --part core-rss --steps 400000
QT_QPA_PLATFORM=offscreen python scripts/bench_step_memory.py --part gui-rss --steps 2000000

core: a numpy Trainer under a Timeline (as the worker runs it) trains --steps real steps
after a warm-up that fills a 4 MiB snapshot budget (the app's is 48 MiB: the snapshots'
steady state is the same, it only comes sooner). gui: the window's RunState is fed
--steps synthetic steps, 26 a frame (~780 steps/s at 30 frames/s, as the soak runs), with
every pane of the window listening. Prints the bytes a step each source line added between
the two tracemalloc snapshots (arrays grow by half when full: a line may show its slack).
core-rss: the same trainer and timeline with the app's 48 MiB budget and allocator setting,
without tracemalloc: the process's RSS every --steps / 10 steps and its growth a step.
gui-rss: the window fed --steps synthetic steps, 260 a frame, by RSS (no worker stepping).
"""

import argparse
import sys
import time
import tracemalloc

import numpy as np

from microgpt import StepPoints, TrainConfig, Trainer, default_docs
from microgpt.timeline import Timeline

FRAME = 26  # steps a frame


def report(title: str, before, after, steps: int, top: int = 12) -> None:
    stats = after.compare_to(before, "lineno")
    total = sum(s.size_diff for s in stats)
    print(f"{title}: {total / steps:.1f} bytes/step over {steps} steps; the largest:")
    for s in stats[:top]:
        if abs(s.size_diff) / steps >= 0.5:
            frame = s.traceback[0]
            print(f"  {s.size_diff / steps:7.1f}  {frame.filename}:{frame.lineno}")


def core(steps: int) -> None:
    config = TrainConfig(num_steps=10_000_000)
    timeline = Timeline(Trainer(default_docs(), config, "numpy"), budget=4 * 2**20)
    for _ in range(2000):  # 2000 steps: the 4 MiB budget is full (31 snapshots of 134 KB)
        timeline.step()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    for _ in range(steps):
        timeline.step()
    report("core (trainer + timeline)", before, tracemalloc.take_snapshot(), steps)
    tracemalloc.stop()


def core_rss(steps: int) -> None:
    from bench_history import rss_mb  # scripts/ is on sys.path when a script runs

    from microgpt_gui.app import map_large_arrays

    map_large_arrays()  # as microgpt-gui does
    timeline = Timeline(Trainer(default_docs(), TrainConfig(num_steps=10_000_000), "numpy"))
    rows = []
    for i in range(11):
        for _ in range(steps // 10 if i else 40_000):  # 40k: every doc encoded once
            timeline.step()
        rows.append((timeline.trainer.step_count, rss_mb()))
        print(f"step {rows[-1][0]:8d}  RSS {rows[-1][1]:7.1f} MB", flush=True)
    (s0, r0), (s1, r1) = rows[0], rows[-1]
    print(f"core: {(r1 - r0) * 2**20 / (s1 - s0):.1f} bytes/step from step {s0} to {s1}")


def until(app, done, timeout=60.0) -> None:
    end = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > end:
            raise TimeoutError("the window did not get there")
        app.processEvents()


def feed(win, steps: int, rng, frame: int = FRAME, app=None) -> None:
    """steps synthetic steps into the window's RunState, frame a frame."""
    n_norms = win.info.history.grad_norms.shape[1]
    for _ in range(steps // frame):
        first = win.run.step + 1
        steps_ = np.arange(first, first + frame)
        points = StepPoints(
            first,
            2.0 + rng.random(frame),
            0.01 * (1 - steps_ / 10_000_000),
            rng.random((frame, n_norms)).astype(np.float16),
        )
        win.run.on_ticked(points, None)
        if app is not None:
            app.processEvents()


def window():
    from PySide6.QtWidgets import QApplication

    from microgpt_gui.app import MainWindow, map_large_arrays

    map_large_arrays()  # as microgpt-gui does
    app = QApplication.instance() or QApplication(sys.argv[:1])
    config = TrainConfig(num_steps=10_000_000)
    win = MainWindow(config=config, backend="numpy", restore_settings=False, speed=None)
    win.show()
    until(app, lambda: win.info is not None)
    return app, win


def gui_rss(steps: int) -> None:
    from bench_history import rss_mb

    app, win = window()
    rng, rows = np.random.default_rng(0), []
    for i in range(11):
        feed(win, steps // 10 if i else 20_000, rng, 260, app)
        rows.append((win.run.step, rss_mb()))
        print(f"step {rows[-1][0]:8d}  RSS {rows[-1][1]:7.1f} MB", flush=True)
    (s0, r0), (s1, r1) = rows[0], rows[-1]
    print(f"gui: {(r1 - r0) * 2**20 / (s1 - s0):.1f} bytes/step from step {s0} to {s1}")
    win.shutdown()


def gui(steps: int) -> None:
    app, win = window()
    rng = np.random.default_rng(0)
    feed(win, 20_000, rng)  # past the envelopes' first merges
    app.processEvents()
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    feed(win, steps, rng)
    app.processEvents()
    report("gui (RunState + panes)", before, tracemalloc.take_snapshot(), steps)
    tracemalloc.stop()
    win.shutdown()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=20_000)
    p.add_argument("--part", choices=("core", "gui", "both", "core-rss", "gui-rss"), default="both")
    args = p.parse_args()
    if args.part == "core-rss":
        core_rss(args.steps)
    if args.part == "gui-rss":
        gui_rss(args.steps)
    if args.part in ("core", "both"):
        core(args.steps)
    if args.part in ("gui", "both"):
        gui(args.steps)
    return 0


if __name__ == "__main__":
    sys.exit(main())
