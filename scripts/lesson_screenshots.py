"""Screenshots of every lesson: python scripts/lesson_screenshots.py [out_dir] [--done]
[--size=1280x800] (the default size).

Each lesson is opened (its setup runs), then, with --done, completed with Show me so the
shot shows its check mark; lesson_<k>_show_me.png catches Show me outlining its first
widget. Offscreen unless a display is set."""

import os
import sys
import time
from pathlib import Path

if not os.environ.get("DISPLAY"):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from microgpt import TrainConfig  # noqa: E402


def wait(app, until, timeout=120.0) -> bool:
    end = time.monotonic() + timeout
    while not until():
        if time.monotonic() > end:
            return False
        app.processEvents()
        time.sleep(0.01)
    return True


def main() -> None:
    out = Path(
        sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "/tmp/shots16"
    )
    out.mkdir(parents=True, exist_ok=True)
    done = "--done" in sys.argv
    size = next((a[len("--size=") :] for a in sys.argv if a.startswith("--size=")), "1280x800")
    width, height = (int(v) for v in size.split("x"))
    QSettings.setPath(QSettings.IniFormat, QSettings.UserScope, str(out / "settings"))
    app = QApplication.instance() or QApplication([])
    from microgpt_gui.app import MainWindow
    from microgpt_gui.lessons import show_me

    show_me.HIGHLIGHT_MS = 300
    win = MainWindow(backend="numpy", config=TrainConfig(num_steps=300), restore_settings=False)
    win.resize(width, height)
    win.show()
    wait(app, lambda: win.info is not None)
    pane = win.lessons
    pane.driver.ask_reset = lambda: "reset"
    win.toolbar.set_speed(None)
    pane.open()  # once: opening again would set the lesson on show up again (a fresh run)
    for k in range(len(pane.lessons)):
        pane.go(k)
        wait(app, lambda: False, 0.5)
        lesson = pane.lesson
        if done and lesson is not None and lesson.ask:  # predict first: the right choice
            pane.findChild(object, f"lessons_choice_{lesson.answer + 1}").click()
        if done:
            pane.show_me.click()
            outline = pane.driver.show.outline
            if wait(app, outline.isVisible, 10):
                win.grab().save(str(out / f"lesson_{k + 1}_show_me.png"))
            if not wait(app, lambda: pane.done):
                print(f"lesson {k + 1}: not done")
        wait(app, lambda: False, 0.5)
        path = out / f"lesson_{k + 1:02d}.png"
        win.grab().save(str(path))
        print(path)
    win.close()


if __name__ == "__main__":
    main()
