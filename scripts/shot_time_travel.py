"""Screenshots of time travel: two runs with different learning rates, overlaid.

QT_QPA_PLATFORM=offscreen python scripts/shot_time_travel.py /tmp/shots15

Trains 400 numpy steps at lr 0.01, goes back to step 120, sets lr 0.05 (a branch: run 1
is kept) and trains to 400 again; saves the 1280x800 window as overlay.png (hovering at
step 300), then goes back to step 250 and saves went_back.png (the recorded steps ahead).
"""

import sys
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

from microgpt import TrainConfig


def wait_until(predicate, timeout_ms: int = 30000) -> None:
    loop, poll = QEventLoop(), QTimer(interval=20)
    poll.timeout.connect(lambda: predicate() and loop.quit())
    poll.start()
    QTimer.singleShot(timeout_ms, loop.quit)
    loop.exec()
    poll.stop()
    if not predicate():
        raise TimeoutError("the window did not get there")


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/shots15")
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    from microgpt_gui.window.main_window import MainWindow

    win = MainWindow(config=TrainConfig(num_steps=600), restore_settings=False, speed=None)
    win.resize(1280, 800)
    win.show()
    wait_until(lambda: win.run.info is not None)

    def at(step: int) -> bool:
        latest = win.latest
        return win.run.step == step and latest is not None and latest.step == step

    win.play(400)
    wait_until(lambda: at(400) and not win.run.playing)
    win.time_travel.go_to(120)
    wait_until(lambda: at(120))
    win.toolbar.lr_box.setValue(0.05)
    wait_until(lambda: win.run.timeline.runs[0].name == "run 2")
    win.play(280)
    wait_until(lambda: at(400) and not win.run.playing)
    win.docks["runs_pane"].raise_()
    vb = win.loss.plot.getPlotItem().vb
    for step, name in ((None, "overlay"), (250, "went_back")):
        if step is not None:
            win.time_travel.go_to(step)
            wait_until(lambda step=step: at(step))
        app.processEvents()
        win.loss.plot.scene().sigMouseMoved.emit(vb.mapViewToScene(pg.Point(300, 2.5)))
        win.grab().save(str(out / f"{name}.png"))
        print(out / f"{name}.png", "·", win.loss.readout.text())
    win.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
