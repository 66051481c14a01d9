"""SettingsDialog: the cost estimate, refusals and warnings (#9, item 5)."""

from microgpt import TrainConfig
from microgpt_gui.window.settings_dialog import SettingsDialog


def apply_enabled(dialog):
    return dialog.buttons.button(dialog.buttons.StandardButton.Apply).isEnabled()


def test_the_estimate_is_shown_and_follows_the_fields(qtbot):
    dialog = SettingsDialog(TrainConfig())
    qtbot.addWidget(dialog)
    assert dialog.estimate.text().startswith("4,192 parameters; up to about ")
    assert "on scalar" in dialog.estimate.text() and "on numpy" in dialog.estimate.text()
    dialog.fields["n_embd"].setValue(32)
    assert dialog.estimate.text().startswith("14,528 parameters")
    assert apply_enabled(dialog) and dialog.warning.text() == ""


def test_the_issues_sizes_cannot_be_typed(qtbot):
    dialog = SettingsDialog(TrainConfig())
    qtbot.addWidget(dialog)
    for name, value in {"n_embd": 512, "n_head": 64, "n_layer": 12, "block_size": 256}.items():
        dialog.fields[name].setValue(value)
        assert dialog.fields[name].value() < value  # clamped to config.LIMITS


def test_what_the_runs_engine_cannot_hold_disables_apply_with_the_reason(qtbot):
    big = TrainConfig(n_embd=128, n_head=4, n_layer=4, block_size=64)
    dialog = SettingsDialog(TrainConfig(), backend="scalar")
    qtbot.addWidget(dialog)
    for name in ("n_embd", "n_layer", "block_size"):
        dialog.fields[name].setValue(getattr(big, name))
    assert dialog.config() is None and not apply_enabled(dialog)
    assert "too big for the scalar engine" in dialog.error.text()
    assert "GB of memory" in dialog.error.text()
    assert dialog.estimate.text().startswith("801,536 parameters")


def test_on_numpy_the_same_model_applies_and_the_scalar_limit_is_a_warning(qtbot):
    dialog = SettingsDialog(TrainConfig(), backend="numpy")
    qtbot.addWidget(dialog)
    for name, value in {"n_embd": 128, "n_layer": 4, "block_size": 64}.items():
        dialog.fields[name].setValue(value)
    assert dialog.config() is not None and apply_enabled(dialog)
    assert dialog.error.text() == ""
    assert "too big for the scalar engine" in dialog.warning.text()


def test_a_very_slow_config_shows_a_warning_line_and_applies(qtbot):
    dialog = SettingsDialog(TrainConfig(), backend="scalar")
    qtbot.addWidget(dialog)
    dialog.fields["n_embd"].setValue(64)
    dialog.fields["n_layer"].setValue(2)
    dialog.fields["block_size"].setValue(32)
    assert apply_enabled(dialog)
    assert "very slow on the scalar engine: about " in dialog.warning.text()
    assert "per step" in dialog.warning.text()


def test_without_a_backend_the_config_must_fit_both_engines(qtbot):
    dialog = SettingsDialog(TrainConfig())
    qtbot.addWidget(dialog)
    dialog.fields["n_embd"].setValue(128)
    dialog.fields["n_layer"].setValue(4)
    dialog.fields["block_size"].setValue(64)
    assert not apply_enabled(dialog) and "scalar" in dialog.error.text()


def test_an_invalid_combination_clears_the_estimate(qtbot):
    dialog = SettingsDialog(TrainConfig())
    qtbot.addWidget(dialog)
    dialog.fields["n_head"].setValue(3)
    assert "n_head" in dialog.error.text() and dialog.estimate.text() == ""
    assert not apply_enabled(dialog)
