"""Issue 21 in the window (items 7, 9, 10, 12, 15, 19): an engine too small for a loaded
model, one range per setting, saving in words, a failed start-up, panes that know no window."""

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QDialogButtonBox

import microgpt.config
from microgpt import TrainConfig, Trainer
from microgpt.config import LEARNING_RATE_RANGE, MAX_SEED
from microgpt_gui.window.settings_dialog import SettingsDialog

CONFIG = TrainConfig(num_steps=50)
WAIT = 10_000


def saved_checkpoint(docs, path: Path, change=None) -> Path:
    """A 1-step numpy run saved at path; change(meta) edits its metadata."""
    t = Trainer(docs, CONFIG, "numpy")
    t.step()
    t.save(path)
    if change is not None:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        meta = json.loads(arrays.pop("meta").tobytes().decode())
        change(meta)
        np.savez(path, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)
    return path


def load_with_error(win, qtbot, monkeypatch, path) -> str:
    """Load path through the menu action; the one error message shown."""
    errors = []
    monkeypatch.setattr(win.dialogs, "ask_open_path", lambda *a: str(path))
    monkeypatch.setattr(win.dialogs, "error", errors.append)
    win.actions_["load"].trigger()
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=WAIT)
    return errors[0]


def step_once(win, qtbot) -> None:
    step = win.run.step
    win.actions_["step"].trigger()
    qtbot.waitUntil(lambda: win.run.step == step + 1, timeout=WAIT)


# --- item 7: a model too big for the engine on screen ----------------------------------------


def test_a_checkpoint_too_big_for_the_scalar_engine_is_refused_and_the_run_stays(
    make_window, qtbot, monkeypatch, tmp_path, docs
):
    win = make_window(config=CONFIG, backend="scalar")
    step_once(win, qtbot)
    title = win.windowTitle()
    path = saved_checkpoint(docs, tmp_path / "big.npz")
    # as if this model needed just over the limit on scalar (but not on numpy): no gigabytes
    limit = microgpt.config.estimate(CONFIG, len(win.info.chars) + 1, "scalar").memory - 1
    monkeypatch.setattr(microgpt.config, "MAX_MEMORY", limit)
    message = load_with_error(win, qtbot, monkeypatch, path)
    assert "this model needs the numpy engine" in message and "big.npz" in message
    assert win.windowTitle() == title and win.run.step == 1  # the run on screen stays
    assert win.toolbar.backend_box.currentData() == "scalar"
    monkeypatch.setattr(microgpt.config, "MAX_MEMORY", 2 * 2**30)
    step_once(win, qtbot)  # and it steps on


# --- items 9 and 15: one range per setting, no silent substitutes ----------------------------


def test_the_toolbar_and_the_settings_dialog_hold_the_configs_ranges(make_window, qtbot):
    win = make_window()
    dialog = SettingsDialog(win.toolbar_config(), win)
    qtbot.addWidget(dialog)
    lr, seed = dialog.fields["learning_rate"], dialog.fields["seed"]
    lo, hi = LEARNING_RATE_RANGE
    assert (win.toolbar.lr_box.minimum(), win.toolbar.lr_box.maximum()) == (lo, hi)
    assert (lr.minimum(), lr.maximum()) == (lo, hi)
    assert win.toolbar.seed_box.maximum() == seed.maximum() == MAX_SEED


def test_a_learning_rate_from_the_settings_survives_the_next_reset(make_window, qtbot):
    win = make_window()
    dialog = SettingsDialog(win.toolbar_config(), win)
    qtbot.addWidget(dialog)
    dialog.fields["learning_rate"].setValue(5.0)  # the dialog allows up to 10
    config = dialog.config()
    assert config is not None and config.learning_rate == 5.0
    with qtbot.waitSignal(win.run.reset, timeout=WAIT):
        win.reset(config=config)
    assert win.toolbar.lr_box.value() == 5.0
    with qtbot.waitSignal(win.run.reset, timeout=WAIT) as blocker:
        win.actions_["reset"].trigger()
    assert blocker.args[0].config.learning_rate == 5.0


def test_values_finer_than_the_boxes_show_are_kept_by_reset_and_by_the_dialog(make_window, qtbot):
    lr, seed = 0.0123456, MAX_SEED
    win = make_window(config=TrainConfig(num_steps=50, learning_rate=lr, seed=seed))
    assert win.toolbar.lr_box.value() == 0.0123 and win.toolbar.seed_box.value() == seed
    with qtbot.waitSignal(win.run.reset, timeout=WAIT) as blocker:
        win.actions_["reset"].trigger()
    assert (blocker.args[0].config.learning_rate, blocker.args[0].config.seed) == (lr, seed)
    dialog = SettingsDialog(win.toolbar_config(), win)
    qtbot.addWidget(dialog)
    assert dialog.buttons.button(QDialogButtonBox.Apply).isEnabled()
    assert dialog.config().learning_rate == lr  # shown as 0.01235, kept exactly
    win.toolbar.lr_box.setValue(0.02)  # typed: that is what the next run gets
    assert win.toolbar_config().learning_rate == 0.02


def test_a_checkpoint_with_a_seed_the_toolbar_cannot_hold_is_refused(
    make_window, qtbot, monkeypatch, tmp_path, docs
):
    win = make_window()
    step_once(win, qtbot)
    title = win.windowTitle()
    path = saved_checkpoint(
        docs, tmp_path / "seed.npz", lambda m: m["config"].update(seed=MAX_SEED + 1)
    )
    message = load_with_error(win, qtbot, monkeypatch, path)
    assert "seed must be between 0 and 2147483647" in message
    assert win.windowTitle() == title and win.toolbar.seed_box.value() == CONFIG.seed
    assert win.run.step == 1


# --- item 12: saving from the window ---------------------------------------------------------


@pytest.mark.parametrize(
    "name, words",
    [
        (lambda d: str(d / ("a" * 300 + ".npz")), "the file name is too long"),
        (lambda d: "/proc/x.npz", "files cannot be created in the folder /proc"),
    ],
    ids=["long", "proc"],
)
def test_saving_where_it_cannot_be_written_says_why_in_words(
    make_window, qtbot, monkeypatch, tmp_path, name, words
):
    win = make_window()
    step_once(win, qtbot)
    errors = []
    monkeypatch.setattr(win.dialogs, "ask_save_path", lambda *a: name(tmp_path))
    monkeypatch.setattr(win.dialogs, "error", errors.append)
    win.actions_["save"].trigger()
    qtbot.waitUntil(lambda: len(errors) == 1, timeout=WAIT)
    assert words in errors[0] and "Errno" not in errors[0] and len(errors[0]) < 300
    step_once(win, qtbot)  # the run goes on


# --- item 10: a failure while the window is built -------------------------------------------

BUILD_FAILS = """
    import os, sys
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import microgpt_gui.window.main_window as window
    from microgpt_gui import app

    def broken(*args, **kw):
        raise RuntimeError("broken on purpose")

    setattr({target}, {name!r}, broken)
    code = app.main(["--screenshot", "/tmp/never.png", "--backend", "numpy"])
    print("exit code", code)
"""


@pytest.mark.parametrize(
    "target, name",
    [
        ("window", "LessonsPane"),  # the penguins' thread is running by then
        ("window.TimeTravel", "install"),  # before the trainer's thread
        ("window.MainWindow", "_on_toolbar_speed_chosen"),  # both threads are running
    ],
    ids=["lessons-pane", "time-travel", "after-the-worker"],
)
def test_a_failure_while_the_window_is_built_stops_every_thread_and_says_so(target, name):
    code = textwrap.dedent(BUILD_FAILS.format(target=target, name=name))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr  # not an abort
    assert "exit code 1" in out.stdout
    assert "microgpt-gui: error: the window could not be built: broken on purpose" in out.stderr
    assert "QThread" not in out.stderr and "Traceback" not in out.stderr


# --- item 19: a pane knows RunState and the core, never the window ---------------------------

WINDOW_MODULES = {
    "app",
    "controls",
    "dialogs",
    "docks",
    "settings",
    "settings_dialog",
    "status",
    "time_travel",
    "timeline_bar",
    "toolbar",
    "window",
    "worker",
    "worker_travel",
}


def test_no_pane_imports_the_windows_modules_or_holds_the_window():
    panes = Path(__file__).resolve().parents[2] / "microgpt_gui" / "panes"
    found = []
    for path in sorted(panes.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 2:
                names = [node.module] if node.module else [a.name for a in node.names]
                found += [f"{path.name}: {n}" for n in names if n.split(".")[0] in WINDOW_MODULES]
            elif isinstance(node, ast.Attribute) and node.attr == "win":  # self.win.docks
                found.append(f"{path.name}, line {node.lineno}: .win")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "microgpt_gui."
            ):
                if node.module.split(".")[1] in WINDOW_MODULES:
                    found.append(f"{path.name}: {node.module}")
    assert found == []
