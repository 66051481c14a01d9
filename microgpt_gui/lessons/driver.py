"""LessonDriver: sets a lesson up on the window (its header's setup lines), notices when its
task is done (events.check after the signals that can change the answer), and runs Show me.

It never resets the learner's run without asking: `ask_reset` (a hook tests replace) returns
'save', 'reset' or 'cancel'."""

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMessageBox

from microgpt.penguins.data import FEATURES
from microgpt_gui.run.commands import SaveRequest

from . import events
from .files import PENGUIN_WORDS, Lesson
from .show_me import ShowMe

SAVE_AS = ("Save checkpoint", "microgpt checkpoint (*.npz)", ".npz")
ASK_TEXT = (
    "This lesson starts from a new run at step 0. Your run is at step {step}. A reset keeps "
    "its loss curve in the Runs pane, but only a saved checkpoint can go on training it: "
    "save it first, or reset anyway?"
)


class LessonDriver(QObject):
    completed = Signal()  # the current lesson's task is done
    note = Signal(str)  # something the learner should know (a setup was cancelled, ...)

    def __init__(self, win):
        super().__init__(win)
        self.win = win
        self.lesson: Lesson | None = None
        self.done = self.asking = False
        self.seen: set[str] = set()  # what happened since the lesson started
        self.ask_reset: Callable[[], str] = self._ask_with_a_box
        self.show = ShowMe(win)
        self.show.failed.connect(self.note)
        g, run = win.graph, win.run
        win.example.strip.selected_changed.connect(self.check)
        for signal in (g.graph_built, g.node_selected, g.playback_finished, g.walk.next_requested):
            signal.connect(self.check)
        g.descended.connect(self._on_graph_descended)
        model = win.penguins.runs.model()
        model.rowsInserted.connect(self.check)
        model.dataChanged.connect(self.check)
        run.phase_changed.connect(self._on_run_phase_changed)
        run.sampled.connect(self._on_run_sampled)
        run.reported.connect(self.check)
        win.panes["experiments_pane"].experiment_finished.connect(self.check)
        win.example.read_shown.connect(self._on_example_read_shown)
        win.example.attention.grid.cell_clicked.connect(self.check)

    # --- starting a lesson ------------------------------------------------------------

    def start(self, lesson: Lesson) -> bool:
        """Set the window up for `lesson`; False if the learner kept a run it needed gone."""
        self.show.stop()
        self.lesson, self.done, self.seen = lesson, False, set()
        self.asking = bool(lesson.ask)  # the task waits for the prediction
        ok = True
        for key, value in lesson.setup:
            ok = self._setup(key, value) and ok
        self.check()
        return ok

    def _setup(self, key: str, value: str) -> bool:
        win, graph = self.win, self.win.graph
        if key == "tab":
            dock = win.docks[f"{value}_pane"]
            dock.show()
            dock.raise_()
            if value == "graph":
                graph.show_expression()
        elif key == "preset":
            graph.descent.stop()
            graph.reset_nudges()
            graph.load_preset(value)
        elif key == "select":
            graph.select_label(value)
        elif key == "descent lr":
            graph.descent.lr.setValue(float(value))
        elif key == "temperature":
            win.sampling.temperature.setValue(float(value))
        elif key == "penguins":
            self._choose_penguin_inputs(value)
        elif key == "run":
            return self.fresh_run()
        return True

    def _choose_penguin_inputs(self, value: str) -> None:
        pane = self.win.penguins
        if pane.training:
            return  # its inputs are locked while it trains; the learner can Stop
        wanted = {PENGUIN_WORDS[w.strip()] for w in value.split(",")}
        for f in FEATURES:
            pane.findChild(object, f"penguins_feature_{f}").setChecked(f in wanted)
        pane.reset_button.click()

    def fresh_run(self) -> bool:
        """A run at step 0: at once if the run is there already, else after asking."""
        win = self.win
        if win.run.step == 0 and not win.playing:
            return True
        answer = self.ask_reset()
        path = None
        if answer == "save":
            path = win.dialogs.ask_save_path(*SAVE_AS)
        if answer == "cancel" or (answer == "save" and not path):
            self.note.emit(
                "Your run is kept. This lesson starts at step 0: press Reset (R) when you "
                "are ready, or open the lesson again."
            )
            return False
        win.pause()
        if path:
            win.send(SaveRequest(path))  # the worker saves it before it resets
        win.reset()
        return True

    def _ask_with_a_box(self) -> str:
        box = QMessageBox(self.win)
        box.setWindowTitle("A new run for this lesson")
        box.setText(ASK_TEXT.format(step=self.win.run.step))
        save = box.addButton("Save first…", QMessageBox.AcceptRole)
        reset = box.addButton("Reset anyway", QMessageBox.DestructiveRole)
        box.addButton(QMessageBox.Cancel)
        box.exec()
        return {save: "save", reset: "reset"}.get(box.clickedButton(), "cancel")

    # --- noticing the task --------------------------------------------------------------

    def predicted(self) -> None:
        """The learner answered the lesson's question: the task counts from now on."""
        self.asking = False
        self.check()

    def check(self, *_) -> None:
        if self.lesson is None or self.done or self.asking:
            return
        if events.check(self.lesson.done, self.win, self.seen):
            self.done = True
            self.show.stop()
            self.completed.emit()

    def _on_graph_descended(self, *_) -> None:
        self.seen.add("descended")
        self.check()

    def _on_run_phase_changed(self, phase: str, _report) -> None:
        if phase:
            self.seen.add(f"phase {phase}")
        self.check()

    def _on_run_sampled(self, samples) -> None:
        if self.win.run.step == 0:
            self.seen.add(events.FIRST_SAMPLE)
        elif events.FIRST_SAMPLE in self.seen and events.trained(self.win):
            prefix = samples[0].prefix if samples else ""
            if prefix:
                self.seen.add(events.FROM_PREFIX + prefix)
            self.seen.add(events.LAST_SAMPLE)
        self.check()

    def _on_example_read_shown(self, reading) -> None:
        if reading.step == 0:
            self.seen.add(events.READ_FIRST + reading.doc)
        elif events.trained(self.win) and events.READ_FIRST + reading.doc in self.seen:
            self.seen.add(events.READ_LAST)
        self.check()

    # --- Show me ----------------------------------------------------------------------

    def show_me(self) -> None:
        """Do the task, visibly (asking first if it needs a new run)."""
        if self.lesson is None or self.done or self.asking:
            return
        for key, value in self.lesson.setup:  # the learner may have looked elsewhere since
            if key == "tab":
                self._setup(key, value)
        needs_fresh = ("run", "fresh") in self.lesson.setup
        begun = any(s == events.FIRST_SAMPLE or s.startswith(events.READ_FIRST) for s in self.seen)
        if needs_fresh and not begun and not self.fresh_run():
            return
        self.show.play(events.show_me(self.lesson.done, self.win, self.seen))
