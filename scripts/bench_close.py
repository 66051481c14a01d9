"""How long closing the window takes while the worker is in the middle of long work.

QT_QPA_PLATFORM=offscreen python scripts/bench_close.py --repeats 3

Cases: a scalar step of a 2-layer, 64-wide model (~10 s a step), and a scalar Generate of
100 names with n_embd 64 and 2 layers. The close is timed from win.close() until the worker
thread has ended. Each run is a process of its own.
"""

import argparse
import statistics
import subprocess
import sys

CASE = """
import os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from microgpt import TrainConfig
from microgpt_gui.app import MainWindow
from microgpt_gui.run.commands import SampleRequest

app = QApplication(sys.argv[:1])
config = TrainConfig(n_embd={n_embd}, n_head=4, n_layer={n_layer}, num_steps=10)
win = MainWindow(config=config, backend="scalar", restore_settings=False, speed=None)
win.show()

def close():
    t0 = time.perf_counter()
    win.shutdown()
    t1 = time.perf_counter()
    win.close()
    print(f"{{t1 - t0:.3f}}", f"{{time.perf_counter() - t0:.3f}}",
          "ok" if not win.thread_.isRunning() else "running")
    app.quit()

def start(_info):
    {action}
    QTimer.singleShot(1000, close)  # the long work is under way by then

win.run.reset.connect(start)
app.exec()
"""
CASES = {
    "step n_embd 64, 2 layers": dict(n_embd=64, n_layer=2, action="win.play()"),
    "generate 100, n_embd 64, 2 layers": dict(
        n_embd=64, n_layer=2, action="win.send(SampleRequest(n=100, temperature=1.0))"
    ),
}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    for name, case in CASES.items():
        times, stops = [], []
        for _ in range(args.repeats):
            out = subprocess.run(
                [sys.executable, "-c", CASE.format(**case)], capture_output=True, text=True
            )
            stop, seconds, state = out.stdout.split()[-3:]
            stops.append(float(stop))
            if out.returncode or state != "ok":
                print(f"{name}: exit {out.returncode}, {state}: {out.stderr[-300:]}")
            times.append(float(seconds))
        print(
            f"{name}: close took median {statistics.median(times):.3f} s "
            f"(min {min(times):.3f}, max {max(times):.3f}) over {args.repeats} runs; "
            f"the worker stopped within median {statistics.median(stops):.3f} s of it"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
