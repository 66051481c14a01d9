"""microgpt-studio (the app bundle's one executable): a first word is the CLI, options the GUI."""

import os
import subprocess
import sys

import pytest

from microgpt_gui import studio


def test_a_command_word_goes_to_the_cli(capsys):
    assert studio.main(["train", "--steps", "2", "--backend", "numpy", "--samples", "1"]) == 0
    out = capsys.readouterr().out
    assert "step    2 /    2 | loss " in out and "sample  1: " in out


def test_an_unknown_word_is_the_clis_one_line_error(capsys):
    with pytest.raises(SystemExit) as exit_:
        studio.main(["trian"])
    assert exit_.value.code == 2
    assert "invalid choice: 'trian'" in capsys.readouterr().err


def test_options_go_to_the_window(capsys):
    with pytest.raises(SystemExit) as exit_:
        studio.main(["--help"])
    assert exit_.value.code == 0
    assert "--screenshot PATH" in capsys.readouterr().out


def test_painted_exit_quits_once_the_window_is_drawn(tmp_path):
    """scripts/startup_time.py times launch -> this 'painted' line, venv and bundle alike."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    env["XDG_CONFIG_HOME"] = str(tmp_path)
    cmd = [sys.executable, "-m", "microgpt_gui", "--painted-exit"]
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120, check=False)
    assert (out.returncode, out.stdout) == (0, "painted\n"), out.stderr
