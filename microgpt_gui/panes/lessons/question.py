"""QuestionBox: a lesson's prediction, asked before its task: the question and 2-4 choices
(radio buttons lessons_choice_1...); `chosen(k)` once the learner picks, then it locks."""

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QButtonGroup, QLabel, QRadioButton, QVBoxLayout, QWidget

from microgpt_gui import theme
from microgpt_gui.lessons.files import MAX_CHOICES


class QuestionBox(QWidget):
    chosen = Signal(int)  # the index of the choice picked

    def __init__(self, parent=None):
        super().__init__(parent, objectName="lessons_question")
        self.setAttribute(Qt.WA_StyledBackground)
        self.setStyleSheet(f"#lessons_question {{ border-left: 4px solid {theme.DATA.name()}; }}")
        self.label = QLabel(objectName="lessons_ask", textFormat=Qt.PlainText, wordWrap=True)
        self.group = QButtonGroup(self)
        self.buttons = [QRadioButton(objectName=f"lessons_choice_{k + 1}") for k in range(4)]
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 2, 4, 2)
        layout.setSpacing(1)
        layout.addWidget(self.label)
        for k, button in enumerate(self.buttons[:MAX_CHOICES]):
            self.group.addButton(button, k)
            layout.addWidget(button)
        self.group.idClicked.connect(self._on_group_id_clicked)
        self.choice = -1

    def ask(self, question: str, choices: tuple[str, ...]) -> None:
        """Put a new question up, nothing chosen."""
        self.choice = -1
        self.label.setText(f"Predict first: {question}")
        self.group.setExclusive(False)  # an exclusive group cannot uncheck its last button
        for k, button in enumerate(self.buttons):
            button.setChecked(False)
            button.setEnabled(True)
            button.setVisible(k < len(choices))
            button.setText(choices[k] if k < len(choices) else "")
        self.group.setExclusive(True)

    def _on_group_id_clicked(self, k: int) -> None:
        if self.choice >= 0:
            return
        self.choice = k
        for button in self.buttons:
            button.setEnabled(button is self.buttons[k])
        self.chosen.emit(k)
