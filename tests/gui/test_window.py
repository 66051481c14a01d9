"""The main window: controls, worker thread, status bar, datasets, checkpoints."""

import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QTabBar

from microgpt import TrainConfig, Trainer, TrainingDiverged
from microgpt_gui.run.commands import SampleRequest

CONFIG = TrainConfig(num_steps=50)


def barrier(qtbot, win):
    """Wait until the worker has handled everything queued before this call.

    pytest-qt's blocker on a worker signal returns in the worker's thread, before the
    GUI thread has handled that signal: check GUI state with waitUntil or GUI signals.
    """
    with qtbot.waitSignal(win.run.sampled, timeout=10000):
        win.send(SampleRequest(n=1, temperature=1.0, seed=0))


def test_fresh_window_reads_step_zero(make_window):
    win = make_window()
    assert win.status_text.text().startswith("step 0 / 50")
    for name in ("loss_pane", "sampling_pane", "example_pane", "gradients_pane", "graph_pane"):
        assert win.findChild(type(win.docks[name]), name) is win.docks[name]
    for name in ("action_step", "action_play", "action_reset", "action_run_n"):
        assert win.findChild(type(win.actions_["step"]), name) is not None


def test_step_gives_one_report_equal_to_a_direct_trainer(make_window, qtbot, docs):
    win = make_window()
    with qtbot.waitSignal(win.run.reported, timeout=5000) as blocker:
        win.findChild(type(win.actions_["step"]), "action_step").trigger()
    report = blocker.args[0]
    assert report.step == 1
    assert report.loss == Trainer(docs, CONFIG, "scalar").step().loss


def test_ten_quick_steps_give_exactly_ten(make_window, qtbot):
    win = make_window()
    seen = []
    win.run.reported.connect(lambda r: seen.append(r.step))
    for _ in range(10):
        win.actions_["step"].trigger()
    barrier(qtbot, win)
    assert seen == list(range(1, 11))
    qtbot.waitUntil(lambda: win.status_text.text().startswith("step 10 / 50"))


def test_keyboard_s_steps(make_window, qtbot):
    win = make_window()
    with qtbot.waitSignal(win.run.reported, timeout=5000) as blocker:
        qtbot.keyClick(win, Qt.Key_S)
    assert blocker.args[0].step == 1


def test_play_then_pause(make_window, qtbot):
    win = make_window()
    with qtbot.waitSignal(win.run.playing_changed, timeout=5000):
        win.actions_["play"].trigger()
    assert win.playing and not win.actions_["step"].isEnabled()
    qtbot.waitUntil(lambda: win.latest is not None and win.latest.step >= 2, timeout=10000)
    with qtbot.waitSignal(win.run.playing_changed, timeout=5000) as blocker:
        win.actions_["play"].trigger()
    assert blocker.args == [False, "paused"]
    barrier(qtbot, win)
    step = win.run.step
    barrier(qtbot, win)
    assert win.run.step == step < 50
    qtbot.waitUntil(lambda: win.actions_["step"].isEnabled())
    assert not win.actions_["play"].isChecked()


def test_play_stops_by_itself_at_num_steps(make_window, qtbot):
    win = make_window(config=TrainConfig(num_steps=4))
    with qtbot.waitSignal(
        win.run.playing_changed, timeout=5000, check_params_cb=lambda playing, why: not playing
    ) as blocker:
        win.actions_["play"].trigger()
    assert blocker.args[1] == "finished"
    qtbot.waitUntil(lambda: win.status_text.text().startswith("step 4 / 4"))


def test_run_n_runs_n_steps(make_window, qtbot, monkeypatch):
    win = make_window()
    monkeypatch.setattr(win.dialogs, "ask_int", lambda *a: 5)
    with qtbot.waitSignal(
        win.run.playing_changed, timeout=10000, check_params_cb=lambda playing, why: not playing
    ):
        win.actions_["run_n"].trigger()
    qtbot.waitUntil(lambda: win.run.step == 5 and win.progress.isHidden())


def test_reset_starts_again(make_window, qtbot):
    win = make_window()
    for _ in range(2):
        win.actions_["step"].trigger()
    barrier(qtbot, win)
    with qtbot.waitSignal(win.run.reset, timeout=5000) as blocker:
        win.actions_["reset"].trigger()
    assert blocker.args[0].step == 0
    assert len(win.run.history) == 0
    assert win.status_text.text().startswith("step 0 / 50")


def test_lr_change_applies_at_next_step(make_window, qtbot):
    win = make_window()
    win.toolbar.lr_box.setValue(0.02)
    with qtbot.waitSignal(win.run.reported, timeout=5000) as blocker:
        win.step()
    assert blocker.args[0].lr == 0.02


def post_click(widget, pos) -> None:
    """Queue a left click at pos: the event loop handles it among the worker's ticks."""
    for kind in (QEvent.MouseButtonPress, QEvent.MouseButtonRelease):
        buttons = Qt.LeftButton if kind == QEvent.MouseButtonPress else Qt.NoButton
        local = QPointF(pos)
        event = QMouseEvent(
            kind, local, widget.mapToGlobal(local), Qt.LeftButton, buttons, Qt.NoModifier
        )
        QCoreApplication.postEvent(widget, event)


def tab_bar_with(win, title: str):
    """The dock tab bar that holds a tab named title, and that tab's index."""
    for bar in win.findChildren(QTabBar):
        titles = [bar.tabText(i) for i in range(bar.count())]
        if bar.isVisible() and title in titles:
            return bar, titles.index(title)
    raise AssertionError(f"no visible tab {title!r}")


def test_clicks_queued_during_play_are_handled_before_it_ends(make_window, qtbot):
    """While the scalar backend plays (far more steps than the test waits for), a tab switch
    and a click on Pause, queued like real input, are handled: the window stays usable."""
    steps = 5000  # ~0.1 s a scalar step: Play would run for minutes
    win = make_window(config=TrainConfig(num_steps=steps))
    with qtbot.waitSignal(win.run.playing_changed, timeout=5000):
        win.actions_["play"].trigger()
    qtbot.waitUntil(lambda: win.run.step >= 2, timeout=20000)  # training is under way
    sampling = win.docks["sampling_pane"]
    assert sampling.visibleRegion().isEmpty()  # behind the current example's tab
    bar, index = tab_bar_with(win, "Sampling")
    post_click(bar, bar.tabRect(index).center())
    qtbot.waitUntil(lambda: not sampling.visibleRegion().isEmpty(), timeout=20000)
    assert win.run.playing and win.run.step < steps
    button = win.toolbar.widgetForAction(win.actions_["play"])
    assert button.text() == "Pause"
    with qtbot.waitSignal(
        win.run.playing_changed, timeout=20000, check_params_cb=lambda playing, why: not playing
    ) as blocker:
        post_click(button, button.rect().center())
    assert blocker.args == [False, "paused"]
    assert win.run.step < steps


def test_example_mean_equals_loss(make_window, qtbot):
    win = make_window()
    with qtbot.waitSignal(win.run.drawn, timeout=5000, check_params_cb=lambda s: s == 1):
        win.step()
    assert win.example.mean_value == pytest.approx(win.latest.loss, abs=1e-12)
    assert win.example.strip._cells  # one cell per position


def test_sampling_with_a_seed_is_reproducible(make_window, qtbot, docs):
    win = make_window()
    win.sampling.seed.setText("7")
    names = []
    for _ in range(2):
        with qtbot.waitSignal(win.run.sampled, timeout=10000) as blocker:
            win.sampling.generate.click()
        names.append([s.text for s in blocker.args[0]])
    direct = [s.text for s in Trainer(docs, CONFIG, "scalar").sample(20, 0.5, seed=7)]
    assert names[0] == names[1] == direct
    qtbot.waitUntil(lambda: win.sampling.results.count() == 20)


def test_bad_prefix_gives_an_inline_error(make_window, qtbot):
    win = make_window()
    win.sampling.prefix.setText("aQ")
    assert "'Q'" in win.sampling.error.text()
    assert not win.sampling.generate.isEnabled()
    with qtbot.waitSignal(win.run.sample_failed, timeout=5000) as blocker:
        win.send(SampleRequest(prefix="a%"))
    assert "'%'" in blocker.args[0]


def test_bad_dataset_shows_a_dialog_and_the_run_goes_on(make_window, qtbot, tmp_path, monkeypatch):
    win = make_window()
    win.step()
    barrier(qtbot, win)
    bad = tmp_path / "model.bin"
    bad.write_bytes(b"\x00\x01\x02garbage")
    errors = []
    monkeypatch.setattr(win.dialogs, "ask_open_path", lambda *a: str(bad))
    monkeypatch.setattr(win.dialogs, "confirm", lambda *a: True)
    monkeypatch.setattr(win.dialogs, "error", errors.append)
    with qtbot.waitSignal(win.worker.errored, timeout=5000):
        win.actions_["open_dataset"].trigger()
    qtbot.waitUntil(lambda: len(errors) == 1)
    assert "model.bin" in errors[0] and "binary" in errors[0]
    with qtbot.waitSignal(win.run.reported, timeout=5000) as blocker:
        win.step()
    assert blocker.args[0].step == 2


def test_open_dataset_resets_with_the_new_vocabulary(make_window, qtbot, tmp_path, monkeypatch):
    win = make_window()
    path = tmp_path / "words.txt"
    path.write_text("héllo\nwörld\n", encoding="utf-8")
    monkeypatch.setattr(win.dialogs, "ask_open_path", lambda *a: str(path))
    monkeypatch.setattr(win.dialogs, "confirm", lambda *a: True)
    with qtbot.waitSignal(win.worker.run_changed, timeout=5000) as blocker:
        win.actions_["open_dataset"].trigger()
    assert blocker.args[0].chars == tuple(sorted(set("héllowörld")))


def test_checkpoint_round_trip_restores_the_loss_curve(make_window, qtbot, tmp_path, monkeypatch):
    win = make_window()
    for _ in range(3):
        win.step()
    barrier(qtbot, win)
    qtbot.waitUntil(lambda: len(win.run.history) == 3)
    losses = win.run.history.loss.tolist()
    path = str(tmp_path / "run.npz")
    monkeypatch.setattr(win.dialogs, "ask_save_path", lambda *a: path)
    monkeypatch.setattr(win.dialogs, "ask_open_path", lambda *a: path)
    with qtbot.waitSignal(win.worker.saved, timeout=5000):
        win.actions_["save"].trigger()
    with qtbot.waitSignal(win.run.reset, timeout=5000):
        win.reset()
    assert len(win.run.history) == 0
    with qtbot.waitSignal(win.run.drawn, timeout=5000, check_params_cb=lambda s: s == 3):
        win.actions_["load"].trigger()
    qtbot.waitUntil(lambda: win.latest is not None and win.latest.step == 3)
    assert win.run.history.loss.tolist() == losses
    assert win.status_text.text().startswith("step 3 / 50")
    assert win.windowTitle() == "microgpt studio — run.npz (checkpoint)"


def test_corrupt_checkpoint_leaves_the_run_untouched(make_window, qtbot, tmp_path, monkeypatch):
    win = make_window()
    win.step()
    barrier(qtbot, win)
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 truncated")
    errors = []
    monkeypatch.setattr(win.dialogs, "ask_open_path", lambda *a: str(bad))
    monkeypatch.setattr(win.dialogs, "error", errors.append)
    with qtbot.waitSignal(win.worker.errored, timeout=5000):
        win.actions_["load"].trigger()
    qtbot.waitUntil(lambda: len(errors) == 1)
    assert "bad.npz" in errors[0]
    with qtbot.waitSignal(win.run.reported, timeout=5000) as blocker:
        win.step()
    assert blocker.args[0].step == 2


def test_divergence_pauses_with_a_message(make_window, qtbot, monkeypatch):
    win = make_window()
    notices = []
    monkeypatch.setattr(win.dialogs, "notice", lambda title, msg: notices.append(msg))
    real_step = Trainer.step

    def diverging(self):
        if self.step_count == 2:
            raise TrainingDiverged(3, float("nan"))
        return real_step(self)

    monkeypatch.setattr(Trainer, "step", diverging)
    with qtbot.waitSignal(win.worker.diverged, timeout=10000):
        win.play()
    qtbot.waitUntil(lambda: not win.playing and bool(notices))
    assert "diverged at step 3" in notices[0] and "Reset" in notices[0]
    assert win.actions_["step"].isEnabled()


def test_settings_are_remembered(make_window, qtbot):
    from PySide6.QtCore import QSettings

    win = make_window()
    win.resize(1100, 700)
    win.close()
    geometry = QSettings("microgpt", "studio").value("window/geometry")
    assert geometry is not None and len(geometry) > 0


def test_close_while_playing_exits_cleanly(tmp_path):
    script = tmp_path / "close_during_play.py"
    script.write_text(
        "import sys\n"
        "from PySide6.QtCore import QTimer\n"
        "from PySide6.QtWidgets import QApplication\n"
        "from microgpt import TrainConfig\n"
        "from microgpt_gui.app import MainWindow\n"
        "app = QApplication(sys.argv)\n"
        "win = MainWindow(config=TrainConfig(num_steps=100000), backend='scalar',\n"
        "                 restore_settings=False)\n"
        "win.show()\n"
        "t = {}\n"
        "def on_rendered(step):  # runs in the GUI thread\n"
        "    if t:\n"
        "        return\n"
        "    if step < 2:\n"
        "        win.play()\n"
        "        return\n"
        "    t['playing'] = win.playing\n"
        "    win.close()\n"
        "    app.quit()\n"
        "win.run.drawn.connect(on_rendered)\n"
        "QTimer.singleShot(50000, app.quit)  # never hang the test\n"
        "app.exec()\n"
        "print(t['playing'], win.thread_.isFinished(), win.run.step < 100000)\n"
    )
    env = {
        "QT_QPA_PLATFORM": "offscreen",
        "PATH": "/usr/bin:/bin",
        "XDG_CONFIG_HOME": str(tmp_path),
        "HOME": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=Path(__file__).parent,
    )
    assert out.returncode == 0, out.stderr
    assert "QThread: Destroyed" not in out.stderr
    playing, finished, early = out.stdout.split()
    assert playing == finished == early == "True"  # closed mid-run, the thread ended
