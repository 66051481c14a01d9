"""NameInput: a box to read any name through the model, and the way back to the training
example (the Current example pane shows the answer)."""

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from microgpt_gui import theme

MAX_INPUT = 40  # characters the box takes (a 1 MB paste is cut to this); the model reads 16
PLACEHOLDER = "Your own name: type it and press Enter"


class NameInput(QWidget):
    """A line edit (example_input), Read, and Back to the training example; a message line."""

    read_requested = Signal(str)  # the text to read, stripped, never empty
    back_requested = Signal()  # the training example's cards again

    def __init__(self, parent=None):
        super().__init__(parent)
        self.box = QLineEdit(objectName="example_input", placeholderText=PLACEHOLDER)
        self.box.setMaxLength(MAX_INPUT)
        self.box.setClearButtonEnabled(True)
        self.box.setToolTip(
            "Any name through the model with its current weights: no training, the run is "
            "untouched. Clear the box to see the training example again."
        )
        self.read = QPushButton("Read it", objectName="example_read")
        self.back = QPushButton("Back to the training example", objectName="example_back")
        self.back.hide()
        self.message = QLabel(objectName="example_input_message", textFormat=Qt.PlainText)
        self.message.setWordWrap(True)  # it quotes the learner's text: plain
        self.message.setMinimumWidth(100)
        self.message.setStyleSheet(f"color: {theme.MUTED.name()};")
        self.message.hide()
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.box, 1)
        row.addWidget(self.read)
        row.addWidget(self.back)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(row)
        layout.addWidget(self.message)
        self.box.returnPressed.connect(self._on_read)
        self.read.clicked.connect(self._on_read)
        self.back.clicked.connect(self._on_back)
        self.box.textChanged.connect(self._on_box_text_changed)

    @property
    def text(self) -> str:
        return self.box.text().strip()

    def say(self, text: str) -> None:
        """A message under the box ('' hides it)."""
        self.message.setText(text)
        self.message.setVisible(bool(text))

    def _on_read(self) -> None:
        if self.text:
            self.read_requested.emit(self.text)
            return
        self._on_back()
        self.say("Type a name first, then press Enter: its cards take the place of these.")

    def _on_back(self) -> None:
        self.say("")
        self.back_requested.emit()

    def _on_box_text_changed(self, text: str) -> None:
        if not text.strip() and self.back.isVisible():  # cleared: the training example again
            self._on_back()
