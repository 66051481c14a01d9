"""Seconds from interpreter start to the main window painted, over 5 warm runs.

QT_QPA_PLATFORM=offscreen python scripts/startup_time.py
"""

import statistics
import subprocess
import sys

CHILD = """
import time
t0 = time.perf_counter()
from PySide6.QtWidgets import QApplication
from microgpt_gui.app import MainWindow
app = QApplication([])
win = MainWindow(restore_settings=False)
win.show()
app.processEvents()
win.repaint()
print(time.perf_counter() - t0)
win.shutdown()
"""


def main() -> None:
    runs = []
    for _ in range(6):
        out = subprocess.run(
            [sys.executable, "-c", CHILD], capture_output=True, text=True, check=True
        )
        runs.append(float(out.stdout.split()[-1]))
    warm = runs[1:]  # the first run fills the OS file cache
    print(
        f"window painted after: median {statistics.median(warm):.2f} s "
        f"(min {min(warm):.2f}, max {max(warm):.2f}) over {len(warm)} warm runs"
    )


if __name__ == "__main__":
    main()
