"""Dialogs: every question the window asks the user, in one place (tests patch these)."""

from pathlib import Path

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox

from microgpt_gui.run.commands import LoadRequest, SaveRequest
from microgpt_gui.text import elided

from .settings_dialog import SettingsDialog

SHORTCUTS = """<table cellpadding=3>
<tr><td><b>Space</b></td><td>play / pause</td></tr>
<tr><td><b>S</b> or <b>→</b></td><td>one step (or the rest of a step shown by phases)</td></tr>
<tr><td><b>Shift+S</b> or <b>Shift+→</b></td><td>the next phase of a step: forward, loss,
backward, update</td></tr>
<tr><td><b>Shift+←</b> or <b>Backspace</b></td><td>step back (the timeline bar goes to any
step)</td></tr>
<tr><td><b>+</b> / <b>−</b></td><td>train faster / slower</td></tr>
<tr><td><b>R</b></td><td>reset</td></tr>
<tr><td><b>Ctrl+G</b></td><td>generate names</td></tr>
<tr><td><b>Ctrl+S</b> / <b>Ctrl+L</b></td><td>save / load a checkpoint</td></tr>
<tr><td><b>Ctrl+O</b></td><td>open a dataset</td></tr>
<tr><td><b>F2</b></td><td>lessons: a guided path, one task at a time</td></tr>
</table>"""


class Dialogs(QObject):
    """Asks and tells; returns None/False when the user cancels.

    A QObject of the GUI thread, so the worker's errors can be connected to its slots.
    """

    def __init__(self, win):
        super().__init__(win)
        self.win = win

    # --- primitives (patched in tests) ------------------------------------------------

    def error(self, message: str) -> None:
        box = QMessageBox(QMessageBox.Warning, "microgpt studio", message, QMessageBox.Ok, self.win)
        box.setTextFormat(Qt.PlainText)  # messages quote file names and data
        box.exec()

    def notice(self, title: str, message: str) -> None:
        box = QMessageBox(QMessageBox.Warning, title, message, QMessageBox.Ok, self.win)
        box.setTextFormat(Qt.PlainText)
        box.setModal(False)  # training is paused; the window stays usable
        box.show()

    # --- what the worker reports (slots, so they run in the GUI thread) -----------------

    @Slot(str)
    def error_slot(self, message: str) -> None:
        self.error(message)

    @Slot(str)
    def diverged_slot(self, message: str) -> None:
        self.win.statusBar().showMessage(message)
        self.notice("Training diverged", message)

    @Slot(str)
    def saved_slot(self, path: str) -> None:
        self.win.statusBar().showMessage(f"Saved {elided(path, 80)}", 5000)

    def confirm(self, title: str, message: str) -> bool:
        buttons = QMessageBox.Yes | QMessageBox.No
        box = QMessageBox(QMessageBox.Question, title, message, buttons, self.win)
        box.setTextFormat(Qt.PlainText)  # the message may quote a file name
        return box.exec() == QMessageBox.Yes

    def ask_int(self, title: str, label: str, value: int, lo: int, hi: int) -> int | None:
        n, ok = QInputDialog.getInt(self.win, title, label, value, lo, hi)
        return n if ok else None

    def ask_open_path(self, title: str, filter_: str) -> str | None:
        path, _ = QFileDialog.getOpenFileName(self.win, title, "", filter_)
        return path or None

    def ask_save_path(self, title: str, filter_: str, suffix: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self.win, title, "", filter_)
        if path and not Path(path).suffix:
            path += suffix
        return path or None

    # --- menu actions -----------------------------------------------------------------

    def _reset_lost(self) -> str:
        step = self.win.run.step
        return f" The current run (step {step}) is kept in the Runs pane." if step else ""

    def open_dataset(self) -> None:
        path = self.ask_open_path("Open dataset", "Text files (*.txt);;All files (*)")
        if path and self.confirm(
            "Open dataset", f"Train on {elided(Path(path).name, 80)}?" + self._reset_lost()
        ):
            self.win.reset(path=path)

    def use_makemore(self) -> None:
        if self.confirm(
            "Use makemore names",
            "Train on makemore's names.txt (downloaded once, then cached)?" + self._reset_lost(),
        ):
            self.win.reset(makemore=True)

    def use_bundled(self) -> None:
        if self.confirm("Use bundled names", "Train on the bundled names?" + self._reset_lost()):
            from microgpt import default_docs

            self.win.reset(docs=tuple(default_docs()), source="bundled names")

    def save_checkpoint(self) -> None:
        path = self.ask_save_path("Save checkpoint", "microgpt checkpoint (*.npz)", ".npz")
        if path:
            self.win.send(SaveRequest(path))

    def load_checkpoint(self) -> None:
        path = self.ask_open_path("Load checkpoint", "microgpt checkpoint (*.npz);;All (*)")
        if path:  # a failed load leaves the run (and Play) as it was
            self.win.send(LoadRequest(path))

    def export_png(self) -> None:
        path = self.ask_save_path("Export loss plot", "PNG image (*.png)", ".png")
        if path and not self.win.loss.export_png(path):
            self.error(f"Could not write {path}")

    def export_csv(self) -> None:
        path = self.ask_save_path("Export losses", "CSV (*.csv)", ".csv")
        if path:
            try:
                self.win.loss.export_csv(path)
            except OSError as e:
                self.error(f"Could not write {path}: {e.strerror or e}")

    def export_runs_csv(self) -> None:
        path = self.ask_save_path("Export shown runs", "CSV (*.csv)", ".csv")
        if path:
            try:
                self.win.time_travel.export_csv(path)
            except OSError as e:
                self.error(f"Could not write {path}: {e.strerror or e}")

    def settings(self) -> None:
        info = self.win.info
        facts = {"vocab_size": len(info.chars) + 1, "backend": info.backend} if info else {}
        dialog = SettingsDialog(self.win.toolbar_config(), self.win, **facts)
        if dialog.exec() and (config := dialog.config()) is not None:
            self.win.reset(config=config)

    def shortcuts(self) -> None:
        QMessageBox.information(self.win, "Keyboard shortcuts", SHORTCUTS)
