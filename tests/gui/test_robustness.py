"""Closing during long work, bad arguments, failed loads, the speed control, the title."""

import subprocess
import sys
import textwrap

from PySide6.QtCore import Qt

from microgpt import TrainConfig
from microgpt_gui.run.commands import DEFAULT_SPEED, SampleRequest

RUN = [sys.executable, "-m", "microgpt_gui"]


def run_script(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """A Python script in a process of its own (offscreen Qt), so an abort cannot kill pytest."""
    env_code = "import os; os.environ.setdefault('QT_QPA_PLATFORM', 'offscreen')\n"
    return subprocess.run(
        [sys.executable, "-c", env_code + textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


CLOSE_DURING = """
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from microgpt import TrainConfig
    from microgpt_gui.app import MainWindow
    from microgpt_gui.run.commands import SampleRequest

    app = QApplication(sys.argv[:1])
    config = TrainConfig(n_embd={n_embd}, n_head=4, n_layer={n_layer}, num_steps=10)
    win = MainWindow(config=config, backend="scalar", restore_settings=False, speed=None)
    win.show()
    started = []

    def on_reset(info):
        if not started:
            started.append(1)
            {action}
            QTimer.singleShot(300, win.close)  # long work is running by then
            QTimer.singleShot(300, app.quit)

    win.run.reset.connect(on_reset)
    app.exec()
    print("stopped cleanly" if win.shutdown() else "thread still running")
"""


def test_closing_during_a_long_step_stops_the_worker_and_exits_cleanly():
    """A 2-layer, 64-wide scalar step takes ~10 s; the close must not wait for it."""
    code = CLOSE_DURING.format(n_embd=64, n_layer=2, action="win.play()")
    out = run_script(code)
    assert out.returncode == 0, out.stderr
    assert "stopped cleanly" in out.stdout
    assert "Destroyed while thread" not in out.stderr


def test_closing_during_a_long_generate_stops_the_worker_and_exits_cleanly():
    code = CLOSE_DURING.format(
        n_embd=64, n_layer=2, action="win.send(SampleRequest(n=100, temperature=1.0))"
    )
    out = run_script(code)
    assert out.returncode == 0, out.stderr
    assert "stopped cleanly" in out.stdout


def test_bad_gui_arguments_are_usage_errors_before_any_thread():
    for args, words in (
        (["--seed", "-5"], "--seed: seed must be between 0 and 2147483647"),
        (["--seed", "2147483648"], "--seed: seed must be between 0 and 2147483647"),
        (["--seed", "99999999999999999999"], "--seed: seed must be between 0 and 2147483647"),
        (["--size", "1280"], "WIDTHxHEIGHT"),
        (["--steps", "-1"], "--steps"),
        (["--data", "/nonexistent/names.txt"], "not found"),
    ):
        out = subprocess.run(RUN + args, capture_output=True, text=True, timeout=60)
        assert out.returncode == 2, (args, out.stderr)
        assert "microgpt-gui: error:" in out.stderr and words in out.stderr, out.stderr
        assert "Traceback" not in out.stderr and "QThread" not in out.stderr


def test_an_error_during_start_up_stops_the_worker_thread():
    out = run_script(
        """
        import sys
        import microgpt_gui.app as app_module

        def broken(*args, **kw):
            raise RuntimeError("start-up failed on purpose")

        app_module.Autopilot = broken
        try:
            app_module.main(["--screenshot", "/tmp/never.png"])
        except RuntimeError as e:
            print("raised:", e)
        """
    )
    assert out.returncode == 0, out.stderr
    assert "raised: start-up failed on purpose" in out.stdout
    assert "QThread" not in out.stderr


def test_a_failed_checkpoint_load_leaves_play_running(make_window, qtbot, tmp_path, monkeypatch):
    win = make_window(config=TrainConfig(num_steps=400), backend="scalar")
    bad = tmp_path / "not_a_checkpoint.npz"
    bad.write_text("hello")
    errors = []
    monkeypatch.setattr(win.dialogs, "ask_open_path", lambda *a: str(bad))
    monkeypatch.setattr(win.dialogs, "error", errors.append)
    with qtbot.waitSignal(win.run.playing_changed, timeout=5000):
        win.play()
    win.actions_["load"].trigger()
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=10000)
    step = win.run.step
    qtbot.waitUntil(lambda: win.run.step > step, timeout=10000)
    assert win.playing and win.run.playing
    assert "pickle" not in errors[0]


def test_speed_box_paces_play_and_every_step_is_drawn(make_window, qtbot):
    win = make_window(config=TrainConfig(num_steps=8), backend="numpy", speed=DEFAULT_SPEED)
    box = win.toolbar.speed_box
    assert box.currentData() == DEFAULT_SPEED and "pace 50/s set" in win.status_text.text()
    qtbot.keyClick(win, Qt.Key_Minus)
    assert box.currentData() == 20 and "pace 20/s set" in win.status_text.text()
    qtbot.keyClick(win, Qt.Key_Plus)
    qtbot.keyClick(win, Qt.Key_Minus)
    assert box.currentData() == 20
    # 5 steps/s: 200 ms a step leaves room to draw each one even beside another test process
    # (at 20 a busy machine's frame now and then took longer than a step, and coalesced it)
    qtbot.keyClick(win, Qt.Key_Minus)
    qtbot.keyClick(win, Qt.Key_Minus)
    assert box.currentData() == 5 and "pace 5/s set" in win.status_text.text()
    reported = []
    win.run.reported.connect(lambda r: reported.append(r.step))
    with qtbot.waitSignal(
        win.run.playing_changed, timeout=10000, check_params_cb=lambda playing, why: not playing
    ):
        win.play()
    assert reported == list(range(1, 9))  # slow enough: no step is coalesced away


def test_speed_is_remembered(make_window, qtbot):
    from microgpt_gui.window.main_window import MainWindow

    win = make_window(speed=None)
    assert win.toolbar.speed is None
    win.close()
    again = MainWindow(docs=["ab", "ba"], restore_settings=True)
    qtbot.addWidget(again)
    assert again.toolbar.speed is None
    assert again.shutdown()


def test_title_and_status_name_the_data(make_window, qtbot, tmp_path, monkeypatch):
    win = make_window()
    assert win.windowTitle() == "microgpt studio — your documents"
    path = tmp_path / "pets.txt"
    path.write_text("rex\nfido\n", encoding="utf-8")
    monkeypatch.setattr(win.dialogs, "ask_open_path", lambda *a: str(path))
    monkeypatch.setattr(win.dialogs, "confirm", lambda *a: True)
    with qtbot.waitSignal(win.run.reset, timeout=5000):
        win.actions_["open_dataset"].trigger()
    assert win.windowTitle() == "microgpt studio — pets.txt"
    assert "pets.txt" in win.status_text.text()


def test_generate_is_typed(make_window, qtbot):
    win = make_window()
    with qtbot.waitSignal(win.run.sampled, timeout=10000) as blocker:
        win.send(SampleRequest(n=3, temperature=0.5, seed=1))
    assert len(blocker.args[0]) == 3
