"""What a learner feels going back: from a move of the timeline to the window redrawn.

QT_QPA_PLATFORM=offscreen python scripts/bench_time_travel_gui.py [--steps 1000] [--points 11]

A numpy run of the default model trains `--steps` steps at full speed in a 1280x800 window
with every pane of the default layout. Then, for steps k spread over the run, the timeline
asks for step k (as a drag of the slider does) and the clock runs until every pane has
drawn step k and the window has painted once more (win.repaint()). Prints the median and
the maximum; scripts/bench_time_travel.py times the core's goto alone.
"""

import argparse
import statistics
import time

from PySide6.QtWidgets import QApplication

from microgpt import TrainConfig
from microgpt_gui.app import MainWindow


def until(app, done, timeout=60.0) -> None:
    end = time.perf_counter() + timeout
    while not done():
        if time.perf_counter() > end:
            raise TimeoutError("the window did not get there")
        app.processEvents()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--points", type=int, default=11)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    win = MainWindow(
        config=TrainConfig(num_steps=args.steps),
        backend="numpy",
        restore_settings=False,
        speed=None,
    )
    win.resize(1280, 800)
    win.show()
    until(app, lambda: win.info is not None)
    drawn = []
    win.run.drawn.connect(drawn.append)
    win.play()
    until(app, lambda: win.run.step == args.steps and not win.run.playing)
    targets = [round(1 + i * (args.steps - 2) / (args.points - 1)) for i in range(args.points)]
    times = []
    for k in targets:
        drawn.clear()
        t0 = time.perf_counter()
        win.time_travel.go_to(k)
        until(app, lambda k=k: k in drawn)
        win.repaint()
        times.append(1000 * (time.perf_counter() - t0))
    print(
        f"go to a step of a {args.steps}-step numpy run, redraw included: median "
        f"{statistics.median(times):.0f} ms, max {max(times):.0f} ms over {len(times)} steps"
    )
    win.close()


if __name__ == "__main__":
    main()
