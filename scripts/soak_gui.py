"""Soak: Play at full speed on numpy for a long time; does the window stay as fast and small?

QT_QPA_PLATFORM=offscreen python scripts/soak_gui.py --minutes 10

Every 10 s it prints the step, the process's RSS, the frames drawn and the mean redraw:
the time the panes' handlers took (RunState's frame) plus the window's repaints
(UpdateRequest), summed over the interval and divided by the frames. At the end: RSS
growth per step after the first minute, and the last minute's mean redraw against the
first's.
"""

import argparse
import sys
import time

from bench_history import rss_mb  # scripts/ is on sys.path when a script runs
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QApplication

from microgpt import TrainConfig
from microgpt_gui.app import MainWindow, map_large_arrays
from microgpt_gui.run import state as run_state
from microgpt_gui.window import main_window as window

BUSY = {"total": 0.0, "frames": 0}


def timed(cls, name, count_frames=False, only=None):
    """Wrap cls.name so that its time is added to BUSY (a benchmark's monkeypatch)."""
    original = getattr(cls, name)

    def wrapper(self, *args):
        if only is not None and args[0].type() != only:
            return original(self, *args)
        t0 = time.perf_counter()
        result = original(self, *args)
        BUSY["total"] += time.perf_counter() - t0
        BUSY["frames"] += count_frames
        return result

    setattr(cls, name, wrapper)


timed(run_state.RunState, "_flush", count_frames=True)
timed(window.MainWindow, "event", only=QEvent.UpdateRequest)

INTERVAL_S = 10


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--minutes", type=float, default=10)
    args = p.parse_args()
    map_large_arrays()  # as microgpt-gui does
    app = QApplication.instance() or QApplication(sys.argv[:1])
    config = TrainConfig(num_steps=10_000_000)
    win = MainWindow(config=config, backend="numpy", restore_settings=False, speed=None)
    win.show()
    rows, t0 = [], {}

    def sample():
        now = time.perf_counter()
        frames = BUSY["frames"]
        redraw = BUSY["total"] / frames * 1e3 if frames else float("nan")
        rows.append((now - t0["start"], win.run.step, rss_mb(), frames, redraw))
        print(
            f"{rows[-1][0]:6.0f} s  step {rows[-1][1]:8d}  RSS {rows[-1][2]:7.1f} MB  "
            f"{frames / INTERVAL_S:5.1f} frames/s  mean redraw {redraw:5.1f} ms",
            flush=True,
        )
        BUSY["total"], BUSY["frames"] = 0.0, 0
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
