"""microgpt-gui: the QApplication, the MainWindow, and the --screenshot autopilot."""

import argparse
import os
import sys

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

from microgpt import BACKENDS, TrainConfig

from . import theme
from .text import elided
from .window.main_window import MainWindow, orphaned_threads

__all__ = ["MainWindow", "main"]


class Autopilot(QObject):
    """Runs N steps through the worker as a user would, optionally generates, then saves
    window.grab() to a PNG, prints the status-bar text and quits."""

    def __init__(self, win: MainWindow, steps: int, path: str, generate: bool):
        super().__init__(win)
        self.win, self.steps, self.path, self.generate = win, steps, path, generate
        self.exit_code = 1
        self._started = False
        win.toolbar.set_speed(None)  # as fast as it goes
        win.run.reset.connect(self._on_run_reset)
        win.run.playing_changed.connect(self._on_run_playing_changed)
        win.run.sampled.connect(self._on_run_sampled)
        win.worker.errored.connect(self._on_worker_errored)

    def _on_run_reset(self, info) -> None:
        if self._started:
            return
        self._started = True
        if self.steps > 0:
            self.win.play(min(self.steps, info.config.num_steps - info.step))
        else:
            self._after_training()

    def _on_run_playing_changed(self, playing: bool, why: str) -> None:
        if not playing and self._started:
            self._after_training()

    def _after_training(self) -> None:
        if self.generate:
            self.win.generate()
        else:
            self._finish()

    def _on_run_sampled(self, _samples) -> None:
        self._finish()

    def _on_worker_errored(self, message: str) -> None:
        print(f"microgpt-gui: error: {message}", file=sys.stderr)
        QApplication.instance().exit(1)

    def _finish(self) -> None:
        # let the last frame's repaint land, then grab
        QTimer.singleShot(200, self._grab)

    def _grab(self) -> None:
        ok = self.win.grab().save(self.path)
        print(self.win.status_text.text())
        if not ok:
            print(f"microgpt-gui: error: could not write {self.path}", file=sys.stderr)
        self.exit_code = 0 if ok else 1
        self.win.close()
        QApplication.instance().exit(self.exit_code)


def map_large_arrays() -> None:
    """glibc: allocate every block of 128 KiB or more with mmap, for good.

    Its default threshold rises after the first such block is freed, and then the run's
    growing history arrays came from the heap: calloc zeroed (made resident) their spare
    capacity, and freed copies stayed as holes. A 10-minute Play grew 107 bytes a step.
    """
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL("libc.so.6")
            libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD
        except (OSError, AttributeError):
            pass  # another C library: its own policy


def window_size(text: str) -> tuple[int, int]:
    """'1280x800' -> (1280, 800); argparse turns the ValueError into a usage error."""
    w, sep, h = text.lower().partition("x")
    if not (sep and w.isdigit() and h.isdigit()):
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT such as 1280x800, got {text!r}")
    size = int(w), int(h)
    if not all(200 <= v <= 8000 for v in size):
        raise argparse.ArgumentTypeError(f"width and height must be 200 to 8000, got {text!r}")
    return size


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="microgpt-gui",
        description="Watch a GPT learn.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--backend", choices=BACKENDS, default="numpy", help="training engine")
    p.add_argument("--data", help="a UTF-8 text file, one document per line (default: bundled)")
    p.add_argument("--seed", type=int, default=42, help="seed of the shuffle and the init")
    p.add_argument("--steps", type=int, default=0, help="with --screenshot: steps to run first")
    p.add_argument("--screenshot", metavar="PATH", help="save the window as PNG and exit")
    p.add_argument("--generate", action="store_true", help="with --screenshot: generate names")
    p.add_argument(
        "--painted-exit",
        action="store_true",
        help="print 'painted' once the window is drawn, then quit (scripts/startup_time.py)",
    )
    p.add_argument(
        "--size", type=window_size, default="1280x800", help="with --screenshot: window size"
    )
    args = p.parse_args(argv)
    try:
        args.config = TrainConfig(seed=args.seed)  # the range the seed box holds (MAX_SEED)
    except ValueError as e:
        p.error(f"--seed: {e}")
    if args.steps < 0:
        p.error(f"--steps must be 0 or more, got {args.steps}")
    args.docs = None
    if args.data:
        from microgpt import load_docs

        try:
            args.docs = load_docs(args.data)
        except ValueError as e:
            p.error(str(e))
    return args


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)  # exits 2 before any thread
    map_large_arrays()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("microgpt studio")
    app.setOrganizationName("microgpt")
    theme.setup_pyqtgraph()
    try:  # a failure stops the threads it started (MainWindow) and is said in one line
        win = MainWindow(
            docs=args.docs,
            config=args.config,
            backend=args.backend,
            restore_settings=not args.screenshot,
        )
    except Exception as e:
        why = elided(f"{e}" or type(e).__name__, 300)
        print(f"microgpt-gui: error: the window could not be built: {why}", file=sys.stderr)
        return _exit(1)
    pilot, code = None, 1
    try:
        if args.screenshot:
            win.resize(*args.size)
            pilot = Autopilot(win, args.steps, args.screenshot, args.generate)
        win.show()
        if args.painted_exit:  # what startup_time.py times: launch to the first frame
            app.processEvents()
            win.repaint()
            print("painted", flush=True)
            code = 0
        else:
            code = app.exec()
    finally:
        win.shutdown()  # whatever happened, the worker thread ends before the window goes
    return _exit(pilot.exit_code if pilot else code)


def _exit(code: int) -> int:
    """code; with a worker that would not stop, leave at once rather than by Qt's abort."""
    if orphaned_threads():
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
