"""What a learner feels when tracing: from pressing Trace to the loss to the trace drawn
(the worker rebuilds the step's named graph, the view lays out and paints), and one click
that expands a node. Cells picked at random over the matrices, after 12 steps.

QT_QPA_PLATFORM=offscreen python scripts/bench_trace_gui.py [--backend numpy|scalar]
"""

import argparse
import os
import random
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv[:1])
from microgpt_gui.window.main_window import MainWindow  # noqa: E402


def wait(ms: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def until(test, step_ms: int = 2) -> None:
    while not test():
        wait(step_ms)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--backend", default="numpy")
    p.add_argument("--cells", type=int, default=15)
    args = p.parse_args()
    win = MainWindow(restore_settings=False, backend=args.backend)
    win.resize(1280, 800)
    win.show()
    until(lambda: win.info is not None, 20)
    for _ in range(12):
        n = win.run.step
        win.step()
        until(lambda n=n: win.run.step > n, 10)
    got = []
    win.run.traced.connect(got.append)
    rng = random.Random(0)
    specs = win.info.specs
    opened, expanded = [], []
    for _ in range(args.cells):
        spec = rng.choice(specs)
        row, col = rng.randrange(spec.shape[0]), rng.randrange(spec.shape[1])
        got.clear()
        t = time.perf_counter()
        win.trace(spec.name, row, col)
        until(lambda: bool(got))
        win.graph.repaint()
        opened.append(1000 * (time.perf_counter() - t))
        view = win.graph.trace.view
        uses = view.expanded.get(view.root)
        if uses and uses.uses:
            got.clear()
            t = time.perf_counter()
            view.click(uses.uses[0].target)
            until(lambda: bool(got))
            win.graph.repaint()
            expanded.append(1000 * (time.perf_counter() - t))
    print(
        f"{args.backend}: trace drawn, click to paint: median {statistics.median(opened):.0f} ms, "
        f"max {max(opened):.0f} ms over {len(opened)} cells; one expansion: median "
        f"{statistics.median(expanded):.1f} ms, max {max(expanded):.1f} ms"
    )
    win.shutdown()


if __name__ == "__main__":
    main()
