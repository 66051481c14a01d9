"""How the window feels while the scale lab's pool is busy: the longest the GUI thread kept
the event loop waiting, from the click on Run to the last result drawn.

QT_QPA_PLATFORM=offscreen python scripts/bench_lab_gui.py [--repeats 3] [--steps 2000]

A 2 ms QTimer ticks on the GUI thread throughout; a gap between two ticks is a stretch in
which the window could not repaint or take a click. The sweep is the lab's own preset
(Width, all names: n_embd 4, 8, 16, 32) with --steps steps, in the default process pool, so
the pool's start-up, its progress polls and every result's redraw (table, plot) count.
Medians over the repeats of each run's longest gap and of its 99th percentile are printed.
"""

import argparse
import statistics
import time

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from microgpt import TrainConfig

TICK_MS = 2


def one_sweep(win, steps: int) -> list[float]:
    """Gaps (ms) between the GUI thread's ticks, from the click on Run to the last result."""
    pane = win.panes["experiments_pane"]
    pane.form.preset.setCurrentIndex(0)  # Width, all names
    pane.form.steps.setValue(steps)
    gaps, last = [], [0.0]
    loop, tick = QEventLoop(), QTimer(interval=TICK_MS)

    def on_tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000)
        last[0] = now
        if pane.sweep is None:
            loop.quit()

    tick.timeout.connect(on_tick)
    last[0] = time.perf_counter()
    pane.run_button.click()  # the click's own work counts in the first gap
    tick.start()
    loop.exec()
    tick.stop()
    return gaps


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--steps", type=int, default=2000)
    args = ap.parse_args()
    app = QApplication.instance() or QApplication([])
    from microgpt_gui.window.main_window import MainWindow

    win = MainWindow(config=TrainConfig(num_steps=100), restore_settings=False, speed=None)
    win.resize(1280, 800)
    win.show()
    win.docks["experiments_pane"].raise_()
    app.processEvents()
    worst, p99 = [], []
    for r in range(args.repeats):
        t0 = time.perf_counter()
        gaps = sorted(one_sweep(win, args.steps))
        worst.append(gaps[-1])
        p99.append(gaps[int(0.99 * (len(gaps) - 1))])
        print(
            f"sweep {r + 1}: {time.perf_counter() - t0:.1f} s, {len(gaps)} ticks, "
            f"longest gap {worst[-1]:.1f} ms, 99th percentile {p99[-1]:.1f} ms"
        )
    print(
        f"median longest gap {statistics.median(worst):.1f} ms, "
        f"median 99th percentile {statistics.median(p99):.1f} ms (target: <= 50 ms)"
    )
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
