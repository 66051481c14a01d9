"""A wheel built from the checkout carries the assets and, installed in a fresh venv and run
from another folder, trains, opens its lessons, penguins and names, and its window (no network)."""

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(cmd, **kw):
    out = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300, **kw)
    assert out.returncode == 0, f"{cmd}\n{out.stdout}\n{out.stderr}"
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    pytest.importorskip("hatchling", reason="building the wheel offline needs hatchling installed")
    dist = tmp_path_factory.mktemp("dist")
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    pip_wheel = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    run([*pip_wheel, "-w", str(dist), str(ROOT)], env=env)
    (path,) = dist.glob("microgpt_studio-*.whl")
    return path


def test_wheel_carries_the_package_the_assets_and_the_scripts(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        scripts = z.read(entry_points).decode()
        assets = z.read("microgpt/assets/names.txt")
    assert {"microgpt/__init__.py", "microgpt/cli.py", "microgpt_gui/__init__.py"} <= names
    assert assets == (ROOT / "assets" / "names.txt").read_bytes()
    assert "microgpt = microgpt.cli:main" in scripts
    assert not any("tests/" in n or n.endswith(".pyc") for n in names)


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """(venv, env): the wheel in a fresh venv, to be run from a folder outside the checkout."""
    venv = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    pip = [sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install"]
    run([*pip, "--no-deps", str(wheel)], env=env)
    # dependencies (numpy, platformdirs, PySide6) come from this interpreter's site-packages;
    # its editable .pth is not processed from PYTHONPATH, so `microgpt` is the wheel's copy
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONPATH"] = sysconfig.get_paths()["purelib"]
    return venv, env


def test_installed_wheel_trains_from_a_fresh_venv(installed, tmp_path):
    venv, env = installed
    python = venv / "bin" / "python"
    where = run(
        [str(python), "-c", "import microgpt.data as d; print(d.__file__); print(d.assets_dir())"],
        cwd=tmp_path,
        env=env,
    ).stdout.splitlines()
    assert all(Path(p).resolve().is_relative_to(venv.resolve()) for p in where), where

    out = run(
        [str(venv / "bin" / "microgpt"), "train", "--steps", "3", "--quiet"], cwd=tmp_path, env=env
    )
    assert "--- inference (new, hallucinated names) ---" in out.stdout
    assert len([ln for ln in out.stdout.splitlines() if ln.startswith("sample ")]) == 20
    assert "step " not in out.stdout  # --quiet
    assert out.stderr == ""


OPEN_ALL = """
import json
from microgpt.data import assets_dir, default_docs
from microgpt.penguins.data import load_penguins
from microgpt_gui.lessons.files import load_all
lessons = load_all()
print(json.dumps({
    "assets": str(assets_dir()),
    "names": len(default_docs()),
    "penguins": len(load_penguins()),
    "lessons": [getattr(x, "title", str(x)) for x in lessons],
}))
"""


def test_installed_wheel_opens_the_lessons_the_penguins_and_the_names(installed, tmp_path):
    from microgpt.data import load_docs
    from microgpt.penguins.data import load_penguins
    from microgpt_gui.lessons.files import load_all

    venv, env = installed
    out = run([str(venv / "bin" / "python"), "-c", OPEN_ALL], cwd=tmp_path, env=env).stdout
    got = json.loads(out)
    assert Path(got["assets"]).resolve().is_relative_to(venv.resolve())
    assert got["names"] == len(load_docs(ROOT / "assets" / "names.txt"))
    assert got["penguins"] == len(load_penguins(ROOT / "assets" / "penguins.csv"))
    assert got["lessons"] == [lesson.title for lesson in load_all(ROOT / "assets" / "lessons")]


def test_installed_wheel_opens_the_window(installed, tmp_path):
    venv, env = installed
    shot = tmp_path / "shot.png"
    cmd = [str(venv / "bin" / "microgpt-gui"), "--steps", "3", "--screenshot", str(shot)]
    out = run(cmd, cwd=tmp_path, env={**env, "QT_QPA_PLATFORM": "offscreen"})
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "step 3 / 1000" in out.stdout and "bundled names" in out.stdout
