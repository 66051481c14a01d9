"""More of the main window: exports, settings, backends, downloads, sampling during Play."""

import csv

from PySide6.QtGui import QImage

from microgpt import TrainConfig


def test_export_loss_csv_and_png(make_window, qtbot, tmp_path, monkeypatch):
    win = make_window()
    for _ in range(3):
        win.step()
    qtbot.waitUntil(lambda: len(win.run.history) == 3, timeout=10000)
    paths = iter([str(tmp_path / "loss.csv"), str(tmp_path / "loss.png")])
    monkeypatch.setattr(win.dialogs, "ask_save_path", lambda *a: next(paths))
    win.actions_["export_csv"].trigger()
    win.actions_["export_png"].trigger()
    rows = list(csv.DictReader(open(tmp_path / "loss.csv", encoding="utf-8")))
    assert [int(r["step"]) for r in rows] == [1, 2, 3]
    assert [float(r["loss"]) for r in rows] == win.run.history.loss.tolist()
    assert float(rows[0]["lr"]) == 0.01
    assert not QImage(str(tmp_path / "loss.png")).isNull()


def test_generate_while_playing_runs_at_a_step_boundary(make_window, qtbot):
    win = make_window(config=TrainConfig(num_steps=1000))
    win.play()
    qtbot.waitUntil(lambda: win.latest is not None, timeout=10000)
    with qtbot.waitSignal(win.run.sampled, timeout=10000) as blocker:
        win.actions_["generate"].trigger()
    assert len(blocker.args[0]) == 20
    assert win.playing
    qtbot.waitUntil(lambda: win.sampling.results.count() == 20)
    win.pause()
    qtbot.waitUntil(lambda: not win.playing, timeout=10000)


def test_settings_dialog_checks_inline_and_applies(make_window, qtbot, monkeypatch):
    from microgpt_gui.window.settings_dialog import SettingsDialog

    win = make_window()
    dialog = SettingsDialog(win.toolbar_config(), win)
    qtbot.addWidget(dialog)
    dialog.fields["n_head"].setValue(3)  # 16 is not divisible by 3
    assert "n_head" in dialog.error.text() and dialog.config() is None
    assert not dialog.buttons.button(dialog.buttons.StandardButton.Apply).isEnabled()
    dialog.fields["n_head"].setValue(2)
    dialog.fields["n_embd"].setValue(8)
    assert dialog.config().n_embd == 8 and dialog.error.text() == ""
    with qtbot.waitSignal(win.run.reset, timeout=5000) as blocker:
        win.reset(config=dialog.config())
    assert blocker.args[0].config.n_embd == 8
    assert win.gradients.heatmaps["wte"].shape == (27, 8)


def test_backend_switch_takes_effect_at_the_next_step(make_window, qtbot):
    win = make_window()
    with qtbot.waitSignal(win.run.reported, timeout=5000) as first:
        win.step()
    win.toolbar.backend_box.setCurrentIndex(win.toolbar.backend_box.findData("numpy"))
    with qtbot.waitSignal(win.run.reported, timeout=5000) as second:
        win.step()
    assert first.args[0].backend == "scalar" and second.args[0].backend == "numpy"
    assert second.args[0].step == 2
    qtbot.waitUntil(lambda: win.status_text.text().endswith("numpy"))


def test_makemore_names_come_from_the_download(make_window, qtbot, tmp_path, monkeypatch):
    import microgpt_gui.run.worker as worker_module

    names = tmp_path / "names.txt"
    names.write_text("emma\nolivia\nava\n", encoding="utf-8")
    monkeypatch.setattr(worker_module, "download_names", lambda: names)
    win = make_window()
    monkeypatch.setattr(win.dialogs, "confirm", lambda *a: True)
    with qtbot.waitSignal(win.run.reset, timeout=5000) as blocker:
        win.actions_["use_makemore"].trigger()
    assert blocker.args[0].num_docs == 3


def test_window_after_20_steps_is_laid_out_at_1280x800(make_window, qtbot, tmp_path):
    win = make_window(backend="numpy")
    win.resize(1280, 800)
    with qtbot.waitSignal(win.run.drawn, timeout=10000, check_params_cb=lambda s: s == 20):
        win.play(20)
    grads = win.docks["gradients_pane"]
    assert grads.width() >= 600 and grads.height() >= 600
    for name in ("loss_pane", "example_pane"):
        assert win.docks[name].isVisible()
    wte = win.gradients.heatmaps["wte"]
    assert not wte.visibleRegion().isEmpty()  # the first heatmap is on screen
    image = win.grab().toImage()
    assert image.width() == 1280 and image.height() == 800
    image.save(str(tmp_path / "window.png"))


def test_coalesced_redraws_still_plot_every_step(make_window, qtbot):
    win = make_window(config=TrainConfig(num_steps=400), backend="numpy")
    renders = []
    win.run.drawn.connect(renders.append)
    with qtbot.waitSignal(win.run.drawn, timeout=20000, check_params_cb=lambda s: s == 400):
        win.play()
    assert list(range(1, len(win.run.history) + 1)) == list(range(1, 401))
    assert win.gradients.norms.n == 400
    assert len(renders) < 400  # far fewer redraws than steps
