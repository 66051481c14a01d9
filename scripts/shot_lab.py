"""Screenshot of the scale lab at 1280x800: the width preset, run in a real process pool.

QT_QPA_PLATFORM=offscreen python scripts/shot_lab.py /tmp/shots24 [steps]
"""

import sys
from pathlib import Path

from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from microgpt import TrainConfig


def wait_until(predicate, timeout_ms: int = 300_000) -> None:
    loop, poll = QEventLoop(), QTimer(interval=50)
    poll.timeout.connect(lambda: predicate() and loop.quit())
    poll.start()
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    poll.stop()


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots24")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    from microgpt_gui.window.main_window import MainWindow

    win = MainWindow(config=TrainConfig(num_steps=600), restore_settings=False, speed=None)
    win.resize(1280, 800)
    win.show()
    win.docks["experiments_pane"].raise_()
    pane = win.panes["experiments_pane"]
    if len(sys.argv) > 2:
        pane.form.steps.setValue(int(sys.argv[2]))
    pane.run_button.click()
    wait_until(lambda: any(0 < p < 1 for p in pane.running.progress))
    win.grab().save(str(out / "lab_running.png"))
    wait_until(lambda: pane.sweep is None)
    pane.table.selectRow(2)
    app.processEvents()
    win.grab().save(str(out / "lab.png"))
    win.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
