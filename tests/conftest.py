import os
import sys
from pathlib import Path

import pytest

if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
    os.environ["QT_QPA_PLATFORM"] = "offscreen"

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def reference_names():
    """The reference dataset beside the project, or skip (it is never copied in)."""
    path = SHARED_DATA / "names.txt"
    if not path.is_file():
        pytest.skip(f"reference data not found at {path}")
    from microgpt import load_docs

    return load_docs(path)


@pytest.fixture(scope="session")
def reference_json():
    path = SHARED_DATA / "reference.json"
    if not path.is_file():
        pytest.skip(f"reference results not found at {path}")
    import json

    return json.loads(path.read_text())


@pytest.fixture(autouse=True)
def _isolated_settings(tmp_path, monkeypatch):
    """Keep QSettings and caches of tests out of the user's home."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    qt = sys.modules.get("PySide6.QtCore")  # Qt reads XDG_CONFIG_HOME once per process
    if qt is not None:
        for fmt in (qt.QSettings.NativeFormat, qt.QSettings.IniFormat):
            qt.QSettings.setPath(fmt, qt.QSettings.UserScope, str(tmp_path / "config"))
