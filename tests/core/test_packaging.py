"""A wheel built from the checkout carries the assets and trains from a fresh venv (no network)."""

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


def test_installed_wheel_trains_from_a_fresh_venv(wheel, tmp_path):
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    env = {**os.environ, "PIP_NO_INDEX": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps"]
    run([*pip, str(wheel)], env=env)

    # dependencies (numpy, platformdirs) come from this interpreter's site-packages; its
    # editable .pth is not processed from PYTHONPATH, so `microgpt` is the wheel's copy
    work = tmp_path / "cwd"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONPATH"] = sysconfig.get_paths()["purelib"]
    where = run(
        [str(python), "-c", "import microgpt.data as d; print(d.__file__); print(d.assets_dir())"],
        cwd=work,
        env=env,
    ).stdout.splitlines()
    assert all(Path(p).resolve().is_relative_to(venv.resolve()) for p in where), where

    out = run(
        [str(venv / "bin" / "microgpt"), "train", "--steps", "3", "--quiet"], cwd=work, env=env
    )
    assert "--- inference (new, hallucinated names) ---" in out.stdout
    assert len([ln for ln in out.stdout.splitlines() if ln.startswith("sample ")]) == 20
    assert "step " not in out.stdout  # --quiet
    assert out.stderr == ""
