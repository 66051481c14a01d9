"""microgpt-gui: the QApplication, the MainWindow, and the --screenshot autopilot."""

import argparse
import sys

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from microgpt import BACKENDS, TrainConfig

from . import theme
from .window import MainWindow

__all__ = ["MainWindow", "main"]


class Autopilot(QObject):
    """Runs N steps through the worker as a user would, optionally generates, then saves
    window.grab() to a PNG, prints the status-bar text and quits."""

    def __init__(self, win: MainWindow, steps: int, path: str, generate: bool):
        super().__init__(win)
        self.win, self.steps, self.path, self.generate = win, steps, path, generate
        self.exit_code = 1
        self._started = False
        win.worker.run_changed.connect(self._on_run_changed)
        win.worker.playing_changed.connect(self._on_playing_changed)
        win.worker.sampled.connect(self._on_sampled)
        win.worker.errored.connect(self._on_errored)

    def _on_run_changed(self, info) -> None:
        if self._started:
            return
        self._started = True
        if self.steps > 0:
            self.win.play(min(self.steps, info.config.num_steps - info.step))
        else:
            self._after_training()

    def _on_playing_changed(self, playing: bool, why: str) -> None:
        if not playing and self._started:
            self._after_training()

    def _after_training(self) -> None:
        if self.generate:
            self.win.generate()
        else:
            self._finish()

    def _on_sampled(self, _samples) -> None:
        self._finish()

    def _on_errored(self, message: str) -> None:
        print(f"microgpt-gui: error: {message}", file=sys.stderr)
        QApplication.instance().exit(1)

    def _finish(self) -> None:
        # let the coalesced redraw land, then grab
        QTimer.singleShot(200, self._grab)

    def _grab(self) -> None:
        ok = self.win.grab().save(self.path)
        print(self.win.status_text.text())
        if not ok:
            print(f"microgpt-gui: error: could not write {self.path}", file=sys.stderr)
        self.exit_code = 0 if ok else 1
        self.win.close()
        QApplication.instance().exit(self.exit_code)


def parse_args(argv):
    p = argparse.ArgumentParser(prog="microgpt-gui", description="Watch a GPT learn.")
    p.add_argument("--backend", choices=BACKENDS, default=None, help="default: numpy")
    p.add_argument("--data", help="a UTF-8 text file, one document per line")
    p.add_argument("--seed", type=int, help="default: 42")
    p.add_argument("--steps", type=int, default=0, help="with --screenshot: steps to run first")
    p.add_argument("--screenshot", metavar="PATH", help="save the window as PNG and exit")
    p.add_argument("--generate", action="store_true", help="with --screenshot: generate names")
    p.add_argument("--size", default="1280x800", help="with --screenshot: window size WxH")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("microgpt studio")
    app.setOrganizationName("microgpt")
    theme.setup_pyqtgraph()
    docs = None
    if args.data:
        from microgpt import load_docs

        try:
            docs = load_docs(args.data)
        except ValueError as e:
            print(f"microgpt-gui: error: {e}", file=sys.stderr)
            return 1
    config = TrainConfig(seed=args.seed) if args.seed is not None else None
    win = MainWindow(
        docs=docs, config=config, backend=args.backend, restore_settings=not args.screenshot
    )
    pilot = None
    if args.screenshot:
        w, _, h = args.size.partition("x")
        win.resize(int(w), int(h))
        pilot = Autopilot(win, max(0, args.steps), args.screenshot, args.generate)
    win.show()
    code = app.exec()
    win.shutdown()
    return pilot.exit_code if pilot else code


if __name__ == "__main__":
    sys.exit(main())
