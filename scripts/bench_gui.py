"""Measure what a user feels while the window plays: freezes, redraws a second, time to play.

QT_QPA_PLATFORM=offscreen python scripts/bench_gui.py --backend numpy --steps 1000 --repeats 5
QT_QPA_PLATFORM=offscreen python scripts/bench_gui.py --backend scalar --steps 40 --size 1920x1080

A 5 ms QTimer in the GUI thread records when it fires. It starts 0.3 s before the click on
Play, so the first freeze after the click (the first redraws included) is counted, and
every gap between two firings until the last step is drawn is a time the window could not
react. Prints medians (min, max) over the repeats; each run uses a fresh window with every
pane of the default layout visible.

The first Play: the longest gap from the click until FIRST_FRAMES frames have been drawn
(the first redraws build what no frame has built before), and the same gap in the GUI
thread's own CPU time (time.thread_time), which other processes on a loaded machine do not
inflate.

--ref: the window API of the code before RunState (win.rendered / win.run_shown), so the
same script measures an older checkout: `git worktree add /tmp/old b07a2b2` and
`PYTHONPATH=/tmp/old python scripts/bench_gui.py --ref`.
"""

import argparse
import statistics
import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from microgpt import TrainConfig
from microgpt_gui.app import MainWindow

SETTLE_S = 0.3  # probe runs this long before the click
FIRST_FRAMES = 3  # "the first Play": from the click until this many frames are drawn


def window(backend: str, steps: int, ref: bool) -> tuple[MainWindow, object, object]:
    """A fresh window and its (shown, drawn) signals."""
    config = TrainConfig(num_steps=steps)
    if ref:
        win = MainWindow(config=config, backend=backend, restore_settings=False)
        return win, win.run_shown, win.rendered
    win = MainWindow(config=config, backend=backend, restore_settings=False, speed=None)
    return win, win.run.reset, win.run.drawn


def one_run(app, args) -> dict:
    win, shown, drawn = window(args.backend, args.steps, args.ref)
    win.resize(*args.size)
    win.show()
    ticks, frames, t = [], [], {}
    probe = QTimer(interval=5)
    probe.timeout.connect(lambda: ticks.append((time.perf_counter(), time.thread_time())))

    def click():
        t["click"], t["cpu_click"] = time.perf_counter(), time.thread_time()
        win.actions_["play"].trigger()

    def on_shown(_info):
        if "shown" not in t:
            t["shown"] = True
            probe.start()
            QTimer.singleShot(int(SETTLE_S * 1000), click)

    def on_drawn(step):
        if "click" in t:
            frames.append(time.perf_counter())
        if step >= args.steps and "end" not in t and "click" in t:
            t["end"] = time.perf_counter()
            QTimer.singleShot(100, app.quit)

    shown.connect(on_shown)
    drawn.connect(on_drawn)
    app.exec()
    probe.stop()
    win.shutdown()
    win.close()
    win.deleteLater()
    app.processEvents()
    during = [x for x in ticks if x[0] <= t["end"]]
    before = [x for x in during if x[0] < t["click"]]
    # the gap that contains the click counts from the click: that is what the user waited
    at, cpu_at = t["click"], t["cpu_click"]
    gaps = [  # (wall, GUI thread CPU, end) of each gap
        (b - max(a, at), cb - max(ca, cpu_at), b)
        for (a, ca), (b, cb) in zip(during, during[1:])
        if b > at
    ]
    first = [g for g in gaps if g[2] <= frames[min(FIRST_FRAMES, len(frames)) - 1]] or gaps[:1]
    seconds = t["end"] - at
    return {
        "seconds": seconds,
        "freeze_ms": max(g[0] for g in gaps) * 1e3,
        "first_freeze_ms": gaps[0][0] * 1e3 if gaps else 0.0,
        "first_play_ms": max(g[0] for g in first) * 1e3,
        "first_play_cpu_ms": max(g[1] for g in first) * 1e3,
        "later_ms": max((g[0] for g in gaps if g not in first), default=0.0) * 1e3,
        "later_cpu_ms": max((g[1] for g in gaps if g not in first), default=0.0) * 1e3,
        "redraws_per_s": len(frames) / seconds,
        "probe_ok": len(before) > 10,
    }


def summary(name: str, values: list[float], unit: str, digits: int = 0) -> str:
    m, lo, hi = statistics.median(values), min(values), max(values)
    return f"  {name}: median {m:.{digits}f}{unit} (min {lo:.{digits}f}, max {hi:.{digits}f})"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", default="numpy")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--size", default="1280x800")
    p.add_argument("--ref", action="store_true", help="measure the pre-RunState window API")
    args = p.parse_args()
    w, _, h = args.size.partition("x")
    args.size = (int(w), int(h))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    runs = [one_run(app, args) for _ in range(args.repeats)]
    col = lambda k: [r[k] for r in runs]  # noqa: E731
    print(
        f"{args.backend}, {args.steps} steps at max speed, {args.size[0]}x{args.size[1]}, "
        f"{args.repeats} runs{' (ref API)' if args.ref else ''}"
    )
    print(summary("time to play", col("seconds"), " s", 2))
    print(summary("longest freeze (from the click)", col("freeze_ms"), " ms"))
    print(summary("first freeze after the click", col("first_freeze_ms"), " ms"))
    print(summary(f"first Play (to frame {FIRST_FRAMES})", col("first_play_ms"), " ms"))
    print(summary("  the same, GUI thread CPU", col("first_play_cpu_ms"), " ms"))
    print(summary("longest freeze after that", col("later_ms"), " ms"))
    print(summary("  the same, GUI thread CPU", col("later_cpu_ms"), " ms"))
    print(summary("redraws per second", col("redraws_per_s"), "", 1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
