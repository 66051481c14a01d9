"""Seconds from launch to the main window painted: microgpt-gui from this venv against the app
bundle (dist/microgpt-studio, scripts/build_app.py), interleaved in the same run; medians.

QT_QPA_PLATFORM=offscreen python scripts/startup_time.py [--runs 7] [--cold 3]

Warm: the files are in the OS cache (one untimed launch each first). Cold (Linux): each
target's files are evicted from the cache before every launch (posix_fadvise DONTNEED); pages
that another running process has mapped stay cached, so a shared venv is only partly cold.
"""

import argparse
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "dist" / "microgpt-studio"
VENV_PACKAGES = ("PySide6", "shiboken6", "numpy", "numpy.libs", "pyqtgraph", "platformdirs")


def targets(bundle: Path) -> dict[str, tuple[list[str], list[Path]]]:
    """name -> (command, the folders its files come from)."""
    script = Path(sys.executable).parent / "microgpt-gui"
    venv_cmd = [str(script)] if script.is_file() else [sys.executable, "-m", "microgpt_gui"]
    paths = sysconfig.get_paths()
    site = [Path(paths["purelib"]) / name for name in VENV_PACKAGES]
    found = {
        "venv": (venv_cmd, [Path(paths["stdlib"]), *site, ROOT / "microgpt", ROOT / "microgpt_gui"])
    }
    exe = bundle / ("microgpt-studio.exe" if sys.platform == "win32" else "microgpt-studio")
    if exe.is_file():
        found["bundle"] = ([str(exe)], [bundle])
    return found


def evict(folders: list[Path]) -> None:
    """Drop the folders' files from the OS page cache (Linux; elsewhere nothing happens)."""
    if not hasattr(os, "posix_fadvise"):
        return
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_symlink():
                try:
                    fd = os.open(path, os.O_RDONLY)
                except OSError:
                    continue
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                os.close(fd)


def launch(cmd: list[str], env: dict) -> float:
    """Seconds from starting cmd --painted-exit to its 'painted' line."""
    t0 = time.perf_counter()
    with subprocess.Popen(
        [*cmd, "--painted-exit"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    ) as child:
        for line in child.stdout:
            if line.strip() == "painted":
                seconds = time.perf_counter() - t0
                break
        else:
            raise RuntimeError(f"{cmd[0]} exited without painting (code {child.wait()})")
        child.wait()
    return seconds


def summary(runs: list[float]) -> str:
    return (
        f"median {statistics.median(runs):.2f} s (min {min(runs):.2f}, max {max(runs):.2f}, "
        f"{len(runs)} runs)"
    )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=7, help="warm launches of each")
    p.add_argument("--cold", type=int, default=3, help="cold launches of each (Linux)")
    p.add_argument("--bundle", type=Path, default=BUNDLE, help="the app folder")
    args = p.parse_args(argv)
    found = targets(args.bundle)
    with tempfile.TemporaryDirectory() as home:  # the user's window layout is not restored
        env = {**os.environ, "HOME": home, "XDG_CONFIG_HOME": home}
        times = {f"{name} {kind}": [] for name in found for kind in ("cold", "warm")}
        for _ in range(args.cold if hasattr(os, "posix_fadvise") else 0):
            for name, (cmd, folders) in found.items():
                evict(folders)
                times[f"{name} cold"].append(launch(cmd, env))
        for cmd, _ in found.values():
            launch(cmd, env)  # fills the cache
        for _ in range(args.runs):  # interleaved, so both see the same load
            for name, (cmd, _) in found.items():
                times[f"{name} warm"].append(launch(cmd, env))
    for key, runs in times.items():
        if runs:
            print(f"{key:12} window painted after {summary(runs)}")
    if "bundle" in found:
        ratio = statistics.median(times["bundle warm"]) / statistics.median(times["venv warm"])
        print(f"bundle / venv, warm medians: {ratio:.2f}x")
    else:
        print(f"no bundle at {args.bundle}: python scripts/build_app.py builds it")
    return 0


if __name__ == "__main__":
    sys.exit(main())
