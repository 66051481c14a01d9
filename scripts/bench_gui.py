"""Measure the app while it plays: time to run the steps, and the GUI thread's longest stall.

QT_QPA_PLATFORM=offscreen python scripts/bench_gui.py --backend numpy --steps 1000 --repeats 5
A 5 ms QTimer in the GUI thread records when it fires; the longest interval between two
firings is the longest the window could not react. Prints medians over the repeats.
"""

import argparse
import statistics
import sys
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from microgpt import TrainConfig
from microgpt_gui.app import MainWindow


def one_run(app, backend: str, steps: int) -> tuple[float, float, int]:
    """(seconds to play `steps`, longest GUI gap in seconds, redraws) for one fresh window."""
    win = MainWindow(config=TrainConfig(num_steps=steps), backend=backend, restore_settings=False)
    win.show()
    ticks, renders, t = [], [], {}
    probe = QTimer(interval=5)
    probe.timeout.connect(lambda: ticks.append(time.perf_counter()))
    win.rendered.connect(lambda step: renders.append(step))

    def on_shown(info):
        probe.start()
        t["start"] = time.perf_counter()
        win.play()

    def on_rendered(step):
        if step >= steps and "end" not in t and "start" in t:
            t["end"] = time.perf_counter()
            QTimer.singleShot(100, app.quit)

    win.run_shown.connect(on_shown)
    win.rendered.connect(on_rendered)
    app.exec()
    probe.stop()
    win.shutdown()
    win.deleteLater()
    during = [x for x in ticks if x <= t["end"]]
    gaps = [b - a for a, b in zip(during, during[1:])]
    return t["end"] - t["start"], max(gaps), len(renders)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--backend", default="numpy")
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--repeats", type=int, default=5)
    args = p.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    runs = [one_run(app, args.backend, args.steps) for _ in range(args.repeats)]
    secs, gaps, renders = zip(*runs)
    print(f"{args.backend}: {args.steps} steps with every pane live, {args.repeats} runs")
    print(
        f"  time to play: median {statistics.median(secs):.2f} s "
        f"(min {min(secs):.2f}, max {max(secs):.2f})"
    )
    print(
        f"  longest GUI stall: median {statistics.median(gaps) * 1e3:.0f} ms "
        f"(min {min(gaps) * 1e3:.0f}, max {max(gaps) * 1e3:.0f})"
    )
    print(f"  redraws per run: median {statistics.median(renders):.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
