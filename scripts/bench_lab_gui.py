"""How the window feels while the scale lab's pool is busy: the longest the GUI thread kept
the event loop waiting, from the click on Run to the last result drawn.

QT_QPA_PLATFORM=offscreen python scripts/bench_lab_gui.py [--repeats 3] [--steps 2000]

A 2 ms QTimer ticks on the GUI thread throughout; a gap between two ticks is a stretch in
which the window could not repaint or take a click. The sweep is the lab's own preset
(Width, all names: n_embd 4, 8, 16, 32) with --steps steps, in the default process pool, so
the pool's start-up, its progress polls and every result's redraw (table, plot) count.
Printed: the click (the first gap: Run's own work, the list and plot drawn for the new
experiment) apart from the gaps while the pool is busy, and medians over the repeats.
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
    clicks, worst, p99 = [], [], []
    for r in range(args.repeats):
        t0 = time.perf_counter()
        gaps = one_sweep(win, args.steps)
        busy = sorted(gaps[2:])  # after the click and the redraw it schedules
        clicks.append(max(gaps[:2]))
        worst.append(busy[-1])
        p99.append(busy[int(0.99 * (len(busy) - 1))])
        print(
            f"sweep {r + 1}: {time.perf_counter() - t0:.1f} s, {len(gaps)} ticks; click "
            f"{clicks[-1]:.1f} ms; while busy: longest {worst[-1]:.1f} ms, "
            f"99th pct {p99[-1]:.1f} ms"
        )
    print(
        f"medians: click {statistics.median(clicks):.1f} ms; while busy: longest gap "
        f"{statistics.median(worst):.1f} ms, 99th percentile {statistics.median(p99):.1f} ms "
        "(target: <= 50 ms)"
    )
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
