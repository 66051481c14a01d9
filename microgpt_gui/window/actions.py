"""The toolbar, the menus and their keyboard shortcuts."""

from PySide6.QtGui import QAction, QKeySequence


def _action(win, name, text, slot, keys=(), tip="", checkable=False) -> QAction:
    a = QAction(text, win)
    a.setObjectName(f"action_{name}")
    a.setShortcuts([QKeySequence(k) for k in keys])
    hint = f" ({', '.join(keys)})" if keys else ""
    a.setToolTip(f"{tip or text}{hint}")
    a.setStatusTip(tip or text)
    a.setCheckable(checkable)
    (a.toggled if checkable else a.triggered).connect(slot)
    win.addAction(a)  # shortcuts work wherever the focus is in the window
    return a


def build_actions(win) -> dict[str, QAction]:
    d = win.dialogs
    specs = [
        ("reset", "Reset", win.reset, ["R"], "Start again from step 0 with the current settings"),
        ("step", "Step", win.step, ["S", "Right"], "Train exactly one step on one name"),
        (
            "step_phase",
            "Phase",
            win.step_phase,
            ["Shift+S", "Shift+Right"],
            "One phase of a step at a time: forward, loss, backward, update",
        ),
        (
            "step_back",
            "Step back",
            win.time_travel.step_back,
            ["Shift+Left", "Backspace"],
            "Back to the state after the previous step (exact: stepping on repeats the run)",
        ),
        ("play", "Play", win.toggle_play, ["Space"], "Train continuously; again to pause"),
        ("run_n", "Run N…", win.run_n, [], "Train a chosen number of steps"),
        ("faster", "Faster", win.toolbar.faster, ["+", "="], "Train more steps a second"),
        ("slower", "Slower", win.toolbar.slower, ["-"], "Train fewer steps a second"),
        (
            "open_dataset",
            "Open dataset…",
            d.open_dataset,
            ["Ctrl+O"],
            "A text file, one document per line",
        ),
        (
            "use_makemore",
            "Use makemore names",
            d.use_makemore,
            [],
            "Download the reference names list (32,033 names) once and train on it",
        ),
        ("use_bundled", "Use bundled names", d.use_bundled, [], "The names shipped with the app"),
        ("save", "Save checkpoint…", d.save_checkpoint, ["Ctrl+S"], "Save the whole run"),
        ("load", "Load checkpoint…", d.load_checkpoint, ["Ctrl+L"], "Continue a saved run"),
        ("export_png", "Export loss plot as PNG…", d.export_png, [], ""),
        ("export_csv", "Export losses as CSV…", d.export_csv, [], "step, loss, lr per line"),
        (
            "export_runs_csv",
            "Export shown runs as CSV…",
            d.export_runs_csv,
            [],
            "step, run, loss per line: the current run and the runs ticked in Runs",
        ),
        ("settings", "Settings…", d.settings, [], "Model size, steps, seed, Adam"),
        ("generate", "Generate names", win.generate, ["Ctrl+G"], "Ask the model for names"),
        ("reset_layout", "Reset layout", win.reset_layout, [], "Put every pane back"),
        ("shortcuts", "Keyboard shortcuts", d.shortcuts, ["F1"], ""),
        ("lessons", "Lessons", win.lessons.open, ["F2"], "Eight lessons, each a task in the app"),
        ("quit", "Quit", win.close, ["Ctrl+Q"], ""),
    ]
    acts = {}
    for name, text, slot, keys, tip in specs:
        acts[name] = _action(win, name, text, slot, keys, tip, checkable=name == "play")
    return acts


def build_menus(win) -> None:
    a, mb = win.actions_, win.menuBar()
    file = mb.addMenu("&File")
    for name in (
        "open_dataset",
        "use_makemore",
        "use_bundled",
        None,
        "save",
        "load",
        None,
        "export_png",
        "export_csv",
        "export_runs_csv",
        None,
        "quit",
    ):
        file.addSeparator() if name is None else file.addAction(a[name])
    train = mb.addMenu("&Training")
    names = ("step", "step_phase", "step_back", "play", "run_n", "reset", None, "faster", "slower")
    for name in names:
        train.addSeparator() if name is None else train.addAction(a[name])
    train.addSeparator()
    train.addAction(a["settings"])
    view = mb.addMenu("&View")
    for dock in win.docks.values():
        view.addAction(dock.toggleViewAction())
    view.addSeparator()
    view.addAction(a["reset_layout"])
    sample = mb.addMenu("&Sampling")
    sample.addAction(a["generate"])
    help_ = mb.addMenu("&Help")
    help_.addAction(a["lessons"])
    help_.addAction(a["shortcuts"])
