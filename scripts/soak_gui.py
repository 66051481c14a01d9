"""Soak: Play at full speed on numpy for a long time; does the window stay as fast and small?

QT_QPA_PLATFORM=offscreen python scripts/soak_gui.py --minutes 10

Every 10 s it prints the step, the process's RSS, the frames drawn and the mean busy time
of the GUI thread per frame (awake -> about to sleep, summed over the interval, divided
by the frames drawn: the handlers and the repaints of a redraw). At the end: RSS growth
per step after the first minute, and the last minute's mean redraw against the first's.
"""

import argparse
import sys
import time

from PySide6.QtCore import QAbstractEventDispatcher, QTimer
from PySide6.QtWidgets import QApplication

from microgpt import TrainConfig
from microgpt_gui.app import MainWindow

INTERVAL_S = 10


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=10)
    args = p.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    config = TrainConfig(num_steps=10_000_000)
    win = MainWindow(config=config, backend="numpy", restore_settings=False, speed=None)
    win.show()
    busy = {"since": None, "total": 0.0, "frames": 0}
    dispatcher = QAbstractEventDispatcher.instance()

    def awake():
        busy["since"] = time.perf_counter()

    def about_to_block():
        if busy["since"] is not None:
            busy["total"] += time.perf_counter() - busy["since"]
            busy["since"] = None

    dispatcher.awake.connect(awake)
    dispatcher.aboutToBlock.connect(about_to_block)
    win.run.drawn.connect(lambda _s: busy.__setitem__("frames", busy["frames"] + 1))
    rows, t0 = [], {}

    def sample():
        now = time.perf_counter()
        frames = busy["frames"]
        redraw = busy["total"] / frames * 1e3 if frames else float("nan")
        rows.append((now - t0["start"], win.run.step, rss_mb(), frames, redraw))
        print(
            f"{rows[-1][0]:6.0f} s  step {rows[-1][1]:8d}  RSS {rows[-1][2]:7.1f} MB  "
            f"{frames / INTERVAL_S:5.1f} frames/s  mean redraw {redraw:5.1f} ms",
            flush=True,
        )
        busy["total"], busy["frames"] = 0.0, 0
        if now - t0["start"] >= args.minutes * 60:
            app.quit()

    def start(_info):
        if t0:
            return
        t0["start"] = time.perf_counter()
        win.play()
        timer.start()

    timer = QTimer(interval=INTERVAL_S * 1000)
    timer.timeout.connect(sample)
    win.run.reset.connect(start)
    app.exec()
    win.shutdown()
    per_minute = max(1, round(60 / INTERVAL_S))
    first, last = rows[:per_minute], rows[-per_minute:]
    steps = rows[-1][1] - first[-1][1]
    growth = (rows[-1][2] - first[-1][2]) * 2**20 / max(1, steps)
    mean = lambda rs: sum(r[4] for r in rs) / len(rs)  # noqa: E731
    print(
        f"after the first minute: RSS {first[-1][2]:.1f} -> {rows[-1][2]:.1f} MB over "
        f"{steps} steps = {growth:.1f} bytes/step"
    )
    print(
        f"mean redraw: first minute {mean(first):.1f} ms, last minute {mean(last):.1f} ms "
        f"(ratio {mean(last) / mean(first):.2f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
