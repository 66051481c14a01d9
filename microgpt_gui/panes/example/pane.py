"""ExamplePane: the document of the last step, position by position, and its attention."""

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QLabel,
    QScrollArea,
    QSizePolicy,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from microgpt import RunInfo, StepReport
from microgpt.reading import Reading
from microgpt_gui.panes import on_screen
from microgpt_gui.run.commands import ReadAnswer, ReadRequest
from microgpt_gui.run.state import RunState
from microgpt_gui.text import elided, escaped, token_text

from .attention import AttentionView
from .distribution import DistributionView
from .name_input import NameInput
from .strip import CELL_H, COLOUR_TEXT, GAP, ExampleStrip

EMPTY_TEXT = (
    "Press Step (S) to train on one name. Each cell will show a character, the "
    "character the model should predict next, how likely the model thought it was "
    f"({COLOUR_TEXT.format(among=' among all the characters')}), and the loss −log p."
)
DOC_CHARS = 40  # the title quotes a document up to this many characters
REVEAL_MS = 140  # the forward phase fills the cells one position at a time
PHASE_TEXT = {
    "forward": (
        "<b>Forward.</b> At each position the model reads the characters so far and gives "
        "every character a probability; each cell shows p(target) and the model's top guess. "
        "No loss yet. Next phase: Shift+S."
    ),
    "backward": (
        "<b>Backward.</b> The chain rule carries this loss back to every number of the "
        "model: the Gradients pane shows which way each should move (outlined rows: the "
        "characters and positions this name used). Next: the update."
    ),
    "update": (
        "<b>Update.</b> Adam moved the numbers against their gradients averaged over past "
        "steps (momentum): numbers this name did not use moved too, never-used ones stayed "
        "still (outlined in Gradients: the rows that moved). Did it help? Same name, below:"
    ),
}


def told_apart(a: float, b: float, decimals: int = 3) -> tuple[str, str]:
    """a and b with 3 decimals, or as many more as it takes to see that they differ."""
    for d in range(decimals, 18):
        sa, sb = f"{a:.{d}f}", f"{b:.{d}f}"
        if sa != sb:
            return sa, sb
    return repr(a), repr(b)  # equal (or equal to 17 decimals: repr tells them apart)


class ExamplePane(QWidget):
    """What the model was asked at each position of the last document, and how it did; or,
    for a name typed in example_input, what it would be asked there now."""

    question = Signal(object)  # a ReadRequest for the worker
    read_shown = Signal(object)  # a Reading, once its cards are on screen

    def __init__(self, run: RunState, parent=None):
        super().__init__(parent)
        self.name_input = NameInput()
        self.title = QLabel(EMPTY_TEXT, objectName="example_title", textFormat=Qt.RichText)
        self.title.setMinimumWidth(100)  # its text wraps: it must never widen the window
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.strip = ExampleStrip()
        self.scroll = scroll = QScrollArea()
        scroll.setWidget(self.strip)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.NoFrame)
        scroll.setMinimumHeight(CELL_H + 2 * GAP + 18)
        scroll.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Fixed)
        self.mean = QLabel(objectName="example_mean")
        self.mean.setWordWrap(True)
        self.after = QLabel(objectName="example_after", textFormat=Qt.PlainText)
        self.after.setWordWrap(True)  # quotes the document: plain text
        self.after.setMinimumWidth(100)  # a long word of the data must never widen the window
        self.distribution = DistributionView()
        self.attention = AttentionView()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.name_input)
        layout.addWidget(self.title)
        layout.addWidget(scroll)
        layout.addWidget(self.mean)
        layout.addWidget(self.after)
        self.tabs = QTabWidget(objectName="example_tabs")
        self.tabs.addTab(self.attention, "Attention")
        self.tabs.addTab(self.distribution, "Prediction at a position")
        self.tabs.setDocumentMode(True)
        layout.addWidget(self.tabs, 1)
        self.mean_value: float | None = None
        self.report: StepReport | Reading | None = None  # on show: a step's, or a name read
        self.training: StepReport | None = None  # the last step's, shown again by Back
        self.reading: Reading | None = None
        self._asked: ReadRequest | None = None
        self.phase = ""
        self._stale: StepReport | None = None  # arrived while hidden
        self._reveal = QTimer(self, interval=REVEAL_MS)
        self._reveal.timeout.connect(self._on_reveal_timeout)
        self.strip.selected_changed.connect(self._on_strip_selected_changed)
        run.reset.connect(self._on_run_reset)
        run.reported.connect(self._on_run_reported)
        run.phase_changed.connect(self._on_run_phase_changed)
        run.answered.connect(self._on_run_answered)
        self.name_input.read_requested.connect(self._on_name_input_read_requested)
        self.name_input.back_requested.connect(self._on_name_input_back_requested)

    def _on_run_reset(self, _info: RunInfo) -> None:
        self._stale, self.report, self.training, self._asked = None, None, None, None
        self._drop_reading()
        self._reveal.stop()
        self.title.setText(EMPTY_TEXT)
        self.strip.set_cells([])
        self.strip.selected = None
        self.mean.setText("")
        self.after.hide()
        self.mean_value = None
        self.distribution.clear()
        self.attention.clear()

    def _on_run_reported(self, report: StepReport) -> None:
        if on_screen(self):
            self.show_report(report)
        else:
            self._stale = report

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self._stale is not None:  # the tab came forward: draw what it missed, next turn
            QTimer.singleShot(0, self, self._catch_up)

    def _catch_up(self) -> None:
        if self._stale is not None:
            self.show_report(self._stale)

    def _on_run_phase_changed(self, phase: str, report) -> None:
        """forward: the cells fill in with predictions, no loss; loss: the losses and their
        mean; backward: the report in full (it arrives with `reported`); update: the same
        name's loss before -> after the update."""
        self.phase = phase
        if report is None:
            return
        if phase in ("forward", "loss"):
            self.show_report(report)
        elif phase == "backward":
            self.mean.setText(PHASE_TEXT["backward"])
        elif phase == "update":
            self.mean.setText(PHASE_TEXT["update"])
            self._show_after(report)
        elif phase == "":
            self.show_report(report)

    def _on_reveal_timeout(self) -> None:
        if not self.strip.reveal_one():
            self._reveal.stop()

    def _on_strip_selected_changed(self, k: int) -> None:
        cw = self.strip._cell_width()
        self.scroll.ensureVisible(int(GAP + k * (cw + GAP) + cw / 2), CELL_H // 2, int(cw), 0)
        if self.report is not None:
            self.tabs.setCurrentWidget(self.distribution)  # first: the chart sizes its labels
            self.distribution.show_position(self.report, k)

    def show_report(self, r: StepReport) -> None:
        self._stale = None
        self.report = self.training = r
        if self.reading is not None:
            self._drop_reading(
                f"Step {r.step}: the training example again. Press Enter in the "
                "box to read your name with these weights."
            )
        chars = r.chars
        cells = [
            (
                token_text(r.tokens[i], chars),
                token_text(r.tokens[i + 1], chars),
                float(p),
                float(lo),
            )
            for i, (p, lo) in enumerate(zip(r.target_probs, r.position_losses))
        ]
        guesses = (
            [token_text(int(np.argmax(row)), chars) for row in r.probs]
            if r.probs is not None
            else []
        )
        forward = self.phase == "forward"
        shown = 0 if forward else None
        self.strip.set_cells(cells, guesses, not forward, shown, vocab_size=len(chars) + 1)
        self._reveal.stop()
        if forward:
            self._reveal.start()
        self.mean_value = float(np.mean(r.position_losses))
        self.title.setText(
            f"Step {r.step} trained on <b>{escaped(r.doc, DOC_CHARS)}</b>: at each position the "
            "model sees the characters so far and must guess the next one."
        )
        if forward:
            self.mean.setText(PHASE_TEXT["forward"])
            self.after.hide()
        else:
            heading = "<b>Loss.</b> " if self.phase == "loss" else ""
            self.mean.setText(
                f"{heading}Mean of the {r.n} losses: <b>{self.mean_value:.4f}</b> = this "
                f"step's loss <b>{r.loss:.4f}</b>. A sure, right guess (p = 1) costs 0; "
                "p = 0.5 costs 0.69."
            )
            self._show_after(r)
        if self.strip.selected is not None and not forward:
            self.distribution.show_position(r, self.strip.selected)
        elif forward:
            self.distribution.clear()
        labels = [token_text(t, chars) for t in r.tokens[: r.n]]
        self.attention.set_weights(r.attention, labels)

    def _show_after(self, r: StepReport) -> None:
        """The proof that the step helped: the same name's loss with the updated numbers."""
        shown = r.loss_after is not None and self.phase not in ("forward", "loss", "backward")
        self.after.setVisible(shown)
        if not shown:
            return
        name = elided(r.doc, DOC_CHARS)
        before, after = told_apart(r.loss, r.loss_after)
        if r.loss_after < r.loss:
            verdict = "lower: the step helped"
        elif r.loss_after == r.loss:
            verdict = "unchanged"
        else:
            verdict = "higher: this step made this name more surprising"
        self.after.setText(f"After this update, '{name}' costs {before} → {after} ({verdict}).")

    # --- a name of the learner's own ----------------------------------------------------

    def _on_name_input_read_requested(self, text: str) -> None:
        self._asked = ReadRequest(text)
        self.name_input.say(f"Reading '{elided(text, DOC_CHARS)}'…")
        self.question.emit(self._asked)

    def _on_run_answered(self, answer) -> None:
        if not isinstance(answer, ReadAnswer) or answer.request != self._asked:
            return  # a gradient check's answer, or a text asked before the last one
        if answer.error:
            self.name_input.say(answer.error)  # the cards on screen stay as they are
            return
        self.show_reading(answer.reading)

    def _on_name_input_back_requested(self) -> None:
        self._asked = None
        if self.reading is None:
            return
        self._drop_reading()
        if self.training is not None:
            self.show_report(self.training)
        else:
            self._on_run_reset(None)

    def _drop_reading(self, message: str = "") -> None:
        self.reading = None
        self.name_input.back.hide()
        self.name_input.say(message)

    def show_reading(self, r: Reading) -> None:
        """A name's cards, attention and mean loss, beside the training names'."""
        self._reveal.stop()
        self.report, self.reading = r, r
        cells = [
            (token_text(r.tokens[i], r.chars), token_text(r.tokens[i + 1], r.chars), p, lo)
            for i, (p, lo) in enumerate(zip(r.target_probs.tolist(), r.position_losses.tolist()))
        ]
        self.strip.set_cells(cells)
        self.mean_value = r.loss
        self.title.setText(
            f"Your name <b>{escaped(r.doc, DOC_CHARS)}</b> through the model with the weights "
            f"of step {r.step}: no training, the run is untouched."
        )
        share, count = r.more_surprising_than, len(r.doc_losses)
        median = float(np.median(r.doc_losses))
        self.mean.setText(
            f"Mean of the {r.n} losses: <b>{r.loss:.4f}</b>. More surprising than "
            f"<b>{share:.0%}</b> of the {count} training names (their median loss: "
            f"{median:.2f}; a uniform guess costs {np.log(len(r.chars) + 1):.2f})."
        )
        self.after.hide()
        cut = f" Only its first {len(r.doc)} characters were read." if r.cut else ""
        self.name_input.say(cut.strip())
        self.name_input.back.show()
        if self.strip.selected is not None:
            self.distribution.show_position(r, self.strip.selected)
        self.attention.set_weights(r.attention, [token_text(t, r.chars) for t in r.tokens[: r.n]])
        self.read_shown.emit(r)
