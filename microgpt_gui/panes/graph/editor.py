"""ExprEditor: the preset list, the program text and its error line."""

import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontDatabase, QKeySequence, QShortcut, QTextCursor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from microgpt.expr.language import MAX_SOURCE, ExprError
from microgpt.expr.presets import PRESETS
from microgpt_gui import theme

TYPING_PAUSE_MS = 500  # rebuild this long after the last keystroke
HINT = (
    "One <i>name = expression</i> per line; the last is the output. "
    "<i>param(2.0)</i> marks a weight. Ctrl+Enter builds."
)
KEPT = "The program and the graph are unchanged."


def too_long(n: int, what: str = "pasted") -> str:
    """Why a text that would make the program n characters long is not put into the editor."""
    return (
        f"Not {what}: the program would be longer than {MAX_SOURCE} characters "
        f"({n:,} characters). {KEPT}"
    )


def preset_tooltip(source: str) -> str:
    """A preset's opening comment, as escaped rich text (a tooltip would read raw text as HTML
    if it looked like a tag)."""
    lines = [line.lstrip("# ") for line in source.splitlines() if line.startswith("#")]
    return f"<p>{html.escape(' '.join(lines))}</p>" if lines else ""


class ProgramEdit(QPlainTextEdit):
    """The program text. A paste or drop that would make it longer than MAX_SOURCE is refused
    before Qt lays it out (a 10 MB paste took 2.7 s to reach the same message)."""

    refused = Signal(str)  # why

    def insertFromMimeData(self, source) -> None:
        text = source.text() if source.hasText() else ""
        cursor = self.textCursor()
        kept = len(self.toPlainText()) - (cursor.selectionEnd() - cursor.selectionStart())
        if kept + len(text) > MAX_SOURCE:
            self.refused.emit(too_long(kept + len(text)))
            return
        super().insertFromMimeData(source)


class ExprEditor(QWidget):
    """Presets (one click each) and a program editor that asks for a rebuild as you type."""

    build_requested = Signal(str)  # the program text

    def __init__(self, parent=None):
        super().__init__(parent)
        self.presets = QComboBox(objectName="graph_presets")
        self.presets.setPlaceholderText("(your own program)")
        for k, (name, source) in enumerate(PRESETS):
            self.presets.addItem(name)
            self.presets.setItemData(k, preset_tooltip(source), Qt.ToolTipRole)
        self.presets.setAccessibleName("Example programs")
        self.presets.setToolTip("Example programs: pick one to load and build it")
        self.presets.setMaxVisibleItems(len(PRESETS))
        self.presets.activated.connect(self._on_presets_activated)
        self.text = ProgramEdit(objectName="graph_editor")
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.text.setLineWrapMode(QPlainTextEdit.WidgetWidth)  # comments can be read whole
        self.text.setTabChangesFocus(True)
        self.text.setAccessibleName("Program")
        self.text.textChanged.connect(self._on_text_changed)
        self.text.refused.connect(self.show_refusal)
        # messages quote the program: plain text, never HTML
        self.error = QLabel(objectName="graph_error", wordWrap=True, textFormat=Qt.PlainText)
        self.error.setStyleSheet(f"color: {theme.BAD.name()};")
        self.error.hide()
        self.hint = QLabel(HINT, objectName="graph_hint", wordWrap=True, textFormat=Qt.RichText)
        self.hint.setStyleSheet(f"color: {theme.MUTED.name()};")
        self.build = QPushButton("Build graph", objectName="graph_build")
        self.build.setToolTip("Build the graph of this program now (Ctrl+Enter)")
        self.build.clicked.connect(self.request_build)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self.text, self.request_build, Qt.WidgetShortcut)
        self._timer = QTimer(self, singleShot=True, interval=TYPING_PAUSE_MS)
        self._timer.timeout.connect(self.request_build)
        self._layout()

    def _layout(self) -> None:
        """Examples above the program: the program text gets the pane's full width."""
        row = QHBoxLayout()
        row.addWidget(QLabel("Example"))
        row.addWidget(self.presets, 1)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(row)
        box.addWidget(self.text, 1)
        box.addWidget(self.hint)
        box.addWidget(self.error)
        box.addWidget(self.build, 0, Qt.AlignRight)

    def source(self) -> str:
        return self.text.toPlainText()

    def set_source(self, source: str) -> bool:
        """Replace the program (the rebuild is requested by the caller or after a pause);
        False, with the reason shown, if it is too long to be a program."""
        if len(source) > MAX_SOURCE:
            self.show_refusal(too_long(len(source), "loaded"))
            return False
        self.text.setPlainText(source)
        names = [name for name, text in PRESETS if text == source]
        if names:
            self.select_preset(names[0])
        return True

    def request_build(self) -> None:
        self._timer.stop()
        self.build_requested.emit(self.source())

    def show_error(self, error: ExprError | None, note: str = "") -> None:
        """Show an error inline (line, column and message) and put the cursor on it."""
        if error is None:
            self.error.setVisible(bool(note))
            self.error.setStyleSheet(f"color: {theme.MUTED.name()};")
            self.error.setText(note)
            return
        self.error.setStyleSheet(f"color: {theme.BAD.name()};")
        text = str(error)
        self.error.setText(f"{text}{'' if text.endswith('.') else '.'} {note}".strip())
        self.error.show()
        block = self.text.document().findBlockByLineNumber(error.line - 1)
        if block.isValid() and not self.text.hasFocus():
            cursor = QTextCursor(block)
            cursor.movePosition(QTextCursor.Right, n=min(error.col - 1, block.length() - 1))
            self.text.setTextCursor(cursor)

    def show_refusal(self, message: str) -> None:
        """A text the editor did not take: say why; the program stays as it was."""
        self.error.setStyleSheet(f"color: {theme.BAD.name()};")
        self.error.setText(message)
        self.error.show()

    def select_preset(self, name: str) -> None:
        """Show `name` as the chosen example (without loading it)."""
        self.presets.setCurrentIndex(self.presets.findText(name, Qt.MatchExactly))

    def _on_text_changed(self) -> None:
        name = self.presets.currentText()
        if self.presets.currentIndex() >= 0 and dict(PRESETS).get(name) != self.source():
            self.presets.setCurrentIndex(-1)  # edited: no longer the example
        self._timer.start()

    def _on_presets_activated(self, index: int) -> None:
        self.set_source(PRESETS[index][1])
        self.request_build()
