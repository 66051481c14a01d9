"""Pause at any moment (issue 21): Play stops cleanly, every pane shows the step the run is
at, the paused-only controls are enabled, and Step steps on. Seeded random moments."""

import random
import re

import pytest
from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialogButtonBox,
    QDockWidget,
    QDoubleSpinBox,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
)
from test_gradients_pane import click_cell

from microgpt import TrainConfig
from microgpt_gui.run.commands import SampleRequest
from microgpt_gui.window.settings_dialog import SettingsDialog

# Play never reaches the end in these tests. A scalar step of the default model (~90 ms
# here) outlasts a tick (20 ms); this one's (~11 ms) does not, so a Pause can land inside a
# step, between two steps of a tick, between ticks or in the last step's report.
CONFIGS = {
    "scalar": TrainConfig(num_steps=100_000, n_embd=4, n_head=1, block_size=8),
    "numpy": TrainConfig(num_steps=100_000),
}
PAUSE_MS = 10_000  # a scalar step gives up within ~0.1 s of a Pause; generous under load


def barrier(qtbot, win):
    """Wait until the worker has handled everything queued before this call."""
    with qtbot.waitSignal(win.run.sampled, timeout=PAUSE_MS):
        win.send(SampleRequest(n=1, temperature=1.0, seed=0))


def number(pattern: str, text: str) -> int | None:
    found = re.search(pattern, text)
    return int(found.group(1)) if found else None


def gradients(win) -> QDockWidget:
    return win.findChild(QDockWidget, "gradients_pane")


def shown_steps(win) -> dict[str, int | None]:
    """The step each pane shows, read from its widgets."""
    label = lambda name: win.findChild(QLabel, name).text()  # noqa: E731
    inspector = gradients(win).findChild(QLabel, "inspector_title").text()
    return {
        "status bar": number(r"^step (\d+) /", label("status_text")),
        "timeline": win.findChild(QSlider, "timeline").value(),
        "current example": number(r"^Step (\d+) trained", label("example_title")),
        "cell inspector": number(r"after step (\d+)", inspector),
    }


def assert_paused_at(win, step: int) -> None:
    """Every pane at `step`, the paused-only controls enabled, the toolbar saying Play."""
    assert shown_steps(win) == dict.fromkeys(shown_steps(win), step)
    play, step_action = win.findChild(QAction, "action_play"), win.findChild(QAction, "action_step")
    assert play.text() == "Play" and not play.isChecked()
    assert step_action.isEnabled() and win.findChild(QAction, "action_run_n").isEnabled()
    assert gradients(win).findChild(QPushButton, "inspector_check").isEnabled()


def start(make_window, qtbot, backend: str):
    """A window one Step in, with a cell of wte open in the inspector."""
    win = make_window(config=CONFIGS[backend], backend=backend)
    step_and_pick_a_cell(qtbot, win)
    assert_paused_at(win, 1)
    return win


def step_and_pick_a_cell(qtbot, win) -> None:
    """Step once, then open a cell of wte in the inspector (a new run has none open)."""
    with qtbot.waitSignal(win.run.reported, timeout=PAUSE_MS):
        win.findChild(QAction, "action_step").trigger()
    click_cell(qtbot, win.gradients, "wte", 0, 0)


def pause_at_random(qtbot, win, rng: random.Random) -> None:
    """Play at a random speed, Pause after a random moment; then check the panes and Step."""
    speed_box = win.findChild(QComboBox, "speed_box")
    speed_box.setCurrentIndex(rng.randrange(speed_box.count()))
    play = win.findChild(QAction, "action_play")
    play.trigger()
    qtbot.wait(rng.choice([0, 1, rng.randint(2, 120)]))  # the random moment (not a sync)
    with qtbot.waitSignal(
        win.run.playing_changed, timeout=PAUSE_MS, check_params_cb=lambda on, _why: not on
    ):
        play.trigger()
    step = win.run.step
    assert_paused_at(win, step)  # at once, as Play stops
    barrier(qtbot, win)
    assert win.run.step == step  # nothing trained after the Pause
    assert_paused_at(win, step)
    with qtbot.waitSignal(
        win.run.reported, timeout=PAUSE_MS, check_params_cb=lambda r: r.step == step + 1
    ):
        win.findChild(QAction, "action_step").trigger()
    assert_paused_at(win, step + 1)


@pytest.mark.parametrize("backend", ["scalar", "numpy"])
def test_ten_pauses_at_random_moments(make_window, qtbot, backend):
    win = start(make_window, qtbot, backend)
    rng = random.Random(21)
    for _ in range(10):
        pause_at_random(qtbot, win, rng)


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["scalar", "numpy"])
def test_a_hundred_pauses_at_random_moments(make_window, qtbot, backend):
    win = start(make_window, qtbot, backend)
    rng = random.Random(2021)
    for _ in range(100):
        pause_at_random(qtbot, win, rng)


def apply_settings(monkeypatch, seed: int) -> None:
    """Make Settings… answer Apply with another seed, as a learner typing it would."""

    def exec_(dialog: SettingsDialog) -> int:
        dialog.findChild(QSpinBox, "settings_seed").setValue(seed)
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.Apply).click()
        return dialog.result()

    monkeypatch.setattr(SettingsDialog, "exec", exec_)


def test_settings_changed_during_play_leave_a_run_that_steps_on(make_window, qtbot, monkeypatch):
    """The learning rate, the engine and Settings… (a new run) changed at random moments
    of a scalar Play; after each, Pause (or the new run) leaves every pane in step."""
    win = start(make_window, qtbot, "scalar")
    rng = random.Random(42)
    play = win.findChild(QAction, "action_play")
    for trial in range(12):
        play.trigger()
        qtbot.wait(rng.randint(0, 60))  # the random moment (not a sync)
        change = trial % 3
        if change == 0:
            lr_box = win.findChild(QDoubleSpinBox, "lr_box")
            lr_box.setValue(rng.choice([0.005, 0.01, 0.02]))
        elif change == 1:
            backend_box = win.findChild(QComboBox, "backend_box")
            backend_box.setCurrentIndex(rng.randrange(backend_box.count()))
        else:
            apply_settings(monkeypatch, seed=trial)
            with qtbot.waitSignal(win.run.reset, timeout=PAUSE_MS):
                win.findChild(QAction, "action_settings").trigger()
        qtbot.wait(rng.randint(0, 60))
        if win.playing:
            with qtbot.waitSignal(
                win.run.playing_changed, timeout=PAUSE_MS, check_params_cb=lambda on, _: not on
            ):
                play.trigger()
        barrier(qtbot, win)
        if change == 2:  # a new run at step 0: nothing to show until a step
            assert win.run.step == 0 and not win.playing
            step_and_pick_a_cell(qtbot, win)
        assert_paused_at(win, win.run.step)
        step = win.run.step
        with qtbot.waitSignal(
            win.run.reported, timeout=PAUSE_MS, check_params_cb=lambda r, s=step: r.step == s + 1
        ):
            win.findChild(QAction, "action_step").trigger()
        assert_paused_at(win, step + 1)


def test_a_checkpoint_loaded_during_play_is_shown_paused(make_window, qtbot, tmp_path, monkeypatch):
    """Load stops Play: the loaded step on every pane, its paused-only questions enabled."""
    win = start(make_window, qtbot, "scalar")
    path = str(tmp_path / "run.npz")
    monkeypatch.setattr(win.dialogs, "ask_save_path", lambda *a: path)
    monkeypatch.setattr(win.dialogs, "ask_open_path", lambda *a: path)
    with qtbot.waitSignal(win.worker.saved, timeout=PAUSE_MS):
        win.findChild(QAction, "action_save").trigger()
    win.findChild(QAction, "action_play").trigger()
    qtbot.waitUntil(lambda: win.run.step >= 3, timeout=PAUSE_MS)
    with qtbot.waitSignal(win.run.reported, timeout=PAUSE_MS):
        win.findChild(QAction, "action_load").trigger()
    barrier(qtbot, win)
    click_cell(qtbot, win.gradients, "wte", 0, 0)
    assert_paused_at(win, 1)


def test_the_first_play_draws_its_first_report_in_a_frame_of_its_own(make_window, qtbot):
    """Issue 21 item 17: the first frame of a fresh run's Play is spread over two paints,
    the plots' first points, then the panes the first report builds (bench_gui measures)."""
    win = make_window(config=CONFIGS["scalar"], speed=None)
    seen: list[str] = []

    class Painted(QObject):
        def eventFilter(self, _obj, event) -> bool:
            if event.type() == QEvent.UpdateRequest and seen and seen[-1] != "painted":
                seen.append("painted")
            return False

    painted = Painted(win)
    win.installEventFilter(painted)
    win.run.advanced.connect(lambda _points: seen.append("advanced"))
    win.run.reported.connect(lambda _report: seen.append("reported"))
    with qtbot.waitSignal(win.run.reported, timeout=PAUSE_MS):
        win.findChild(QAction, "action_play").trigger()
    win.findChild(QAction, "action_play").trigger()
    qtbot.waitUntil(lambda: not win.playing, timeout=PAUSE_MS)
    first = seen.index("reported")
    assert seen[0] == "advanced" and "painted" in seen[:first]
