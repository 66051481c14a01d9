"""The one-folder app (scripts/build_app.py) runs its GUI and its CLI from another folder.

Marked `bundle`, out of the default run: building takes ~1.5 min (python -m pytest -m bundle).
The Linux job of .github/workflows/app.yml runs this file; it builds into dist/microgpt-studio.
"""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from microgpt.data import load_docs

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "dist" / "microgpt-studio"
EXE = APP / ("microgpt-studio.exe" if sys.platform == "win32" else "microgpt-studio")

pytestmark = pytest.mark.bundle


def run(cmd, **kw):
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=900, **kw)
    assert out.returncode == 0, f"{cmd}\n{out.stdout}\n{out.stderr}"
    return out


@pytest.fixture(scope="module")
def app():
    pytest.importorskip("PyInstaller", reason="pip install -e '.[bundle]'")
    run([sys.executable, str(ROOT / "scripts" / "build_app.py")], cwd=ROOT)
    return APP


@pytest.fixture
def env(tmp_path):
    """Nothing of the checkout on the path: the bundle must carry what it needs."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}


def test_the_gui_trains_three_steps_and_saves_a_screenshot(app, env, tmp_path):
    shot = tmp_path / "out.png"
    out = run([str(EXE), "--steps", "3", "--screenshot", str(shot)], cwd=tmp_path, env=env)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    assert "step 3 / 1000" in out.stdout and "bundled names" in out.stdout


def test_the_cli_trains_from_the_bundled_names(app, env, tmp_path):
    cmd = [str(EXE), "train", "--steps", "3", "--backend", "numpy"]
    out = run(cmd, cwd=tmp_path, env=env).stdout
    assert f"num docs: {len(load_docs(ROOT / 'assets' / 'names.txt'))}" in out
    assert re.search(r"^step +3 / +3 \| loss \d+\.\d{4}$", out, re.MULTILINE), out
    assert len([ln for ln in out.splitlines() if ln.startswith("sample ")]) == 20


def test_bench_all_runs_each_backend_in_the_bundle_itself(app, env, tmp_path):
    cmd = [str(EXE), "bench", "--backend", "all", "--steps", "2", "--warmup", "0", "--json"]
    out = run(cmd, cwd=tmp_path, env=env).stdout
    assert [json.loads(line)["backend"] for line in out.splitlines()] == ["scalar", "numpy"]


def test_the_bundle_carries_the_assets_and_no_unused_qt(app):
    inside = app / "_internal" / "microgpt" / "assets"
    for source in [ROOT / "assets" / "penguins.csv", *(ROOT / "assets" / "lessons").glob("*.md")]:
        assert (inside / source.relative_to(ROOT / "assets")).read_bytes() == source.read_bytes()
    names = [p.name for p in (app / "_internal").rglob("*")]
    unused = ("Qml", "Quick", "WebEngine", "3D", "Multimedia", "Pdf", "Charts")
    assert not [n for n in names if any(u in n for u in unused)]
    assert "translations" not in names
