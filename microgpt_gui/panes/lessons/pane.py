"""LessonsPane: a guided path through the app, one lesson at a time (issue 16).

Each lesson (assets/lessons/*.md, read by lessons.files) has a title, a short text, one task
and the sentence shown with ✓ when the app notices the task done (lessons.driver). Show me
does the task visibly; Back, Next and the list move between lessons. A bad file shows its
error here instead of its lesson."""

import html
from collections.abc import Callable

from PySide6.QtCore import QRect, Qt, QTimer
from PySide6.QtGui import QFont, QFontMetrics
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from microgpt_gui import theme
from microgpt_gui.lessons import files
from microgpt_gui.lessons.driver import LessonDriver
from microgpt_gui.lessons.markdown import to_html

from .question import QuestionBox

MIN_HEIGHT = 250  # opening the pane makes its dock this tall, if it can (see the window)


class LessonsPane(QWidget):
    """Lesson list, title, text, task, ✓ and Back / Show me / Next."""

    def __init__(self, lessons=None, parent=None):
        super().__init__(parent)
        self.setObjectName("lessons_pane")
        self.lessons = files.load_all() if lessons is None else list(lessons)
        self.driver: LessonDriver | None = None
        self._bring_forward: Callable[[], None] = self.show
        self.arranger = None  # the window's LessonLayout, given by attach()
        self.completed: set[str] = set()  # the files whose task was done
        self.list = QComboBox(objectName="lessons_list")
        self.list.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.list.setMinimumContentsLength(20)
        self.title = QLabel(objectName="lessons_title", textFormat=Qt.PlainText, wordWrap=True)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.title.setFont(font)
        self.text = QLabel(objectName="lessons_text", textFormat=Qt.RichText, wordWrap=True)
        self.text.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.text.setOpenExternalLinks(False)
        self.text.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.scroll = QScrollArea(objectName="lessons_scroll", widgetResizable=True)
        self.scroll.setWidget(self.text)
        self.scroll.setFrameShape(QScrollArea.NoFrame)
        self.question = QuestionBox()
        self.question.chosen.connect(self._on_question_chosen)
        self.task = QLabel(objectName="lessons_task", textFormat=Qt.PlainText, wordWrap=True)
        self.task.setStyleSheet(
            f"background: #FFF4E0; border-left: 4px solid {theme.WEIGHT.name()}; padding: 4px;"
        )
        self.tick = QLabel(objectName="lessons_done", textFormat=Qt.PlainText, wordWrap=True)
        self.tick.setStyleSheet(f"color: {theme.GOOD.darker(130).name()}; font-weight: bold;")
        self.note = QLabel(objectName="lessons_note", textFormat=Qt.PlainText, wordWrap=True)
        self.note.setStyleSheet(f"color: {theme.BAD.name()};")
        self.back = QPushButton("◀ Back", objectName="lessons_back")
        self.back.setToolTip("The lesson before")
        self.show_me = QPushButton("Show me", objectName="lessons_show_me")
        self.show_me.setToolTip("Do this task for me, slowly, with the widgets it uses")
        self.next = QPushButton("Next ▶", objectName="lessons_next")
        self.next.setToolTip("The next lesson")
        self.my_layout = QPushButton("Back to my layout", objectName="lessons_my_layout")
        self.my_layout.setToolTip("End the lessons: your panes, as you had arranged them")
        self.my_layout.hide()
        self._layout()
        self._fill_list()
        self.list.currentIndexChanged.connect(self._on_list_index_changed)
        self.back.clicked.connect(lambda: self.go(self.index - 1))
        self.next.clicked.connect(lambda: self.go(self.index + 1))
        self.show_me.clicked.connect(self._on_show_me_clicked)
        self._show(0)

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.back)
        top.addWidget(self.list, 1)
        top.addWidget(self.next)
        top.addWidget(self.my_layout)
        task = QHBoxLayout()
        task.addWidget(self.task, 1)
        task.addWidget(self.show_me, 0, Qt.AlignVCenter)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.title)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.question)
        layout.addLayout(task)
        layout.addWidget(self.tick)
        layout.addWidget(self.note)

    def _fill_list(self) -> None:
        self.list.clear()
        for k, item in enumerate(self.lessons, 1):
            if isinstance(item, files.LessonError):
                self.list.addItem(f"⚠ {item.source}: cannot be shown")
            else:
                mark = "  ✓" if item.source in self.completed else ""
                self.list.addItem(f"{k}. {item.title}{mark}")

    # --- the window -------------------------------------------------------------------

    def attach(self, driver: LessonDriver, bring_forward: Callable[[], None], arranger) -> None:
        """Drive lessons with driver; bring_forward() puts this pane in front, with room;
        arranger (a lessons.layout.LessonLayout) lays the window out for each lesson."""
        self.driver = driver
        self._bring_forward = bring_forward
        self.arranger = arranger
        self.arranger.restored.connect(self.my_layout.hide)
        self.my_layout.clicked.connect(self.arranger.restore)
        self.driver.completed.connect(self._on_driver_completed)
        self.driver.note.connect(self._say)

    def open(self, *_) -> None:
        """Show the pane and set up the lesson on show (Help → Lessons, F2)."""
        if self.lesson is not None and self.lesson.show:
            self.arranger.keep()  # before the pane comes forward
        self._bring_forward()
        self.go(self.index)

    def open_on_first_launch(self, first_launch: Callable[[], bool]) -> None:
        """Open the pane if first_launch() says this is the first (it remembers being asked),
        after the window has shared out its room."""
        if first_launch():
            QTimer.singleShot(0, self, self.open)

    # --- moving between lessons ---------------------------------------------------------

    @property
    def index(self) -> int:
        return self.list.currentIndex()

    @property
    def lesson(self) -> files.Lesson | None:
        item = self.lessons[self.index] if 0 <= self.index < len(self.lessons) else None
        return item if isinstance(item, files.Lesson) else None

    def go(self, k: int) -> None:
        """Open lesson k (0-based) and set the window up for it."""
        if not 0 <= k < len(self.lessons):
            return
        if k != self.list.currentIndex():
            self.list.setCurrentIndex(k)  # -> _on_list_index_changed
        else:
            self._on_list_index_changed(k)

    def _on_list_index_changed(self, k: int) -> None:
        self._show(k)
        if self.lesson is not None and self.driver is not None:
            if self.lesson.show and self.arranger.dock.isVisible():
                self.arranger.arrange(self.lesson.show)
                self.my_layout.show()
            self.driver.start(self.lesson)

    def needed_height(self, width: int) -> int:
        """The pane's height at `width` with its whole text, question, task and ✓ shown."""
        layout = self.layout()
        m = layout.contentsMargins()
        w = width - m.left() - m.right()
        lesson = self.lesson
        bold = QFont(self.tick.font())
        bold.setBold(True)  # its style sheet's weight, which font() does not carry
        verdict = max((lesson.verdict(i) for i in range(len(lesson.choices))), key=len, default="")
        tick = QFontMetrics(bold).boundingRect(
            QRect(0, 0, w, 10_000), Qt.TextWordWrap, f"✓ {verdict}{lesson.seen}"
        )
        task_w = w - self.show_me.sizeHint().width() - layout.spacing()
        parts = [
            self.next.sizeHint().height(),
            self.title.heightForWidth(w),
            self.text.heightForWidth(w - self.scroll.verticalScrollBar().sizeHint().width()),
            self.question.heightForWidth(w) if lesson.ask else 0,
            max(self.task.heightForWidth(task_w), self.show_me.sizeHint().height()),
            tick.height(),
        ]
        return sum(parts) + layout.spacing() * (len(parts) + 1) + m.top() + m.bottom() + 8

    def _show(self, k: int) -> None:
        """Put lesson k's text on show (no setup)."""
        item = self.lessons[k] if 0 <= k < len(self.lessons) else None
        self.back.setEnabled(k > 0)
        self.next.setEnabled(k < len(self.lessons) - 1)
        self.tick.hide()
        self._say("")
        if item is None:
            self.title.setText("No lessons")
            where = html.escape(str(files.lessons_dir()))  # a path: text, never markup
            self.text.setText(f"No lesson files were found in {where}.")
            bad = True
        elif isinstance(item, files.LessonError):
            self.title.setText(f"This lesson file has a problem: {item.source}")
            self.text.setText(to_html(f"`{item}`\n\nFix the file, then restart the app."))
            bad = True
        else:
            self.title.setText(f"{k + 1}. {item.title}")
            self.text.setText(to_html(item.body))
            self.task.setText(f"Your task: {item.task}")
            bad = False
        asking = not bad and bool(item.ask)
        if asking:
            self.question.ask(item.ask, item.choices)
        self.question.setVisible(asking)
        self.task.setVisible(not bad and not asking)
        self.show_me.setVisible(not asking)
        self.show_me.setEnabled(not bad)
        self.scroll.verticalScrollBar().setValue(0)

    def _say(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    # --- the task ---------------------------------------------------------------------

    def _on_question_chosen(self, _k: int) -> None:
        """The prediction is made: now the task."""
        self.task.show()
        self.show_me.show()
        if self.driver is not None:
            self.driver.predicted()

    def _on_show_me_clicked(self) -> None:
        if self.driver is not None:
            self._say("")
            self.driver.show_me()

    def _on_driver_completed(self) -> None:
        lesson = self.lesson
        if lesson is None:
            return
        self.tick.setText(f"✓ {lesson.verdict(self.question.choice)}{lesson.seen}")
        self.tick.show()
        if self.arranger is not None:
            self.arranger.refit()
        self._say("")
        self.show_me.setEnabled(False)
        if lesson.source not in self.completed:
            self.completed.add(lesson.source)
            self.list.setItemText(self.index, f"{self.index + 1}. {lesson.title}  ✓")

    @property
    def done(self) -> bool:
        """Is the lesson on show done (its ✓ shown)?"""
        return self.tick.isVisibleTo(self) and self.tick.text().startswith("✓")
