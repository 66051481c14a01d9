"""Build the one-folder app with PyInstaller: dist/microgpt-studio/microgpt-studio[.exe].

    pip install -e '.[bundle]'
    python scripts/build_app.py          # prints the size on disk and zipped
    python scripts/build_app.py --zip    # also keeps dist/microgpt-studio-<os>-<arch>.zip

One command on Linux, macOS and Windows: .github/workflows/app.yml runs it through the
`bundle` test (tests/bundle/test_app.py), which then starts the GUI and the CLI it built.
"""

import argparse
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "microgpt-studio"
ENTRY = ROOT / "microgpt_gui" / "studio.py"  # `train ...` goes to the CLI, the rest to the GUI
# The Qt modules a run imports (sys.modules after `microgpt-gui --steps 3 --screenshot`):
# the app's three, and pyqtgraph's OpenGL, OpenGLWidgets, Svg and Test. All others are left out.
QT_USED = {"QtCore", "QtGui", "QtWidgets", "QtOpenGL", "QtOpenGLWidgets", "QtSvg", "QtTest"}
# Never imported by a run, yet reachable through optional imports of numpy/pyqtgraph/stdlib.
PY_UNUSED = ("tkinter", "unittest", "pydoc_data", "PyQt5", "PyQt6", "PySide2", "IPython")
# Collected by the Qt hooks, never loaded by the app. No translations (none is loaded).
# On Linux, platforms X11, Wayland and offscreen only (no eglfs, linuxfb, vnc, nor their input
# plugins), no GTK theme (it needs the system's GTK and brought cairo, pango and gio with it),
# no image format but SVG (PNG, the only one the app reads or writes, is built into QtGui).
DROPPED = ("translations",)  # folders, wherever PySide6 keeps them
LINUX_PLUGINS = "PySide6/Qt/plugins"
LINUX_DROPPED = ("egldeviceintegrations", "generic")
LINUX_KEPT = {  # in these plugin folders, every other file goes
    "platforms": ("libqxcb.so", "libqwayland.so", "libqoffscreen.so"),
    "platformthemes": ("libqxdgdesktopportal.so",),
    "imageformats": ("libqsvg.so",),
}


def qt_unused() -> list[str]:
    """PySide6.<module> for every installed Qt module the app does not use."""
    import PySide6

    here = Path(PySide6.__file__).parent
    names = {p.name.split(".")[0] for p in here.glob("Qt*.pyi")}
    return sorted(f"PySide6.{n}" for n in names - QT_USED)


def pyinstaller_args(dist: Path, work: Path) -> list[str]:
    """The PyInstaller command line: one folder, the assets inside the microgpt package."""
    sep = ";" if sys.platform == "win32" else ":"
    args = [
        str(ENTRY),
        f"--name={NAME}",
        "--onedir",
        "--console",  # the CLI prints; a GUI-only build would hide it on Windows
        "--noconfirm",
        "--clean",
        f"--distpath={dist}",
        f"--workpath={work}",
        f"--specpath={work}",
        f"--paths={ROOT}",  # this checkout, not an installed copy
        f"--add-data={ROOT / 'assets'}{sep}microgpt/assets",  # importlib.resources finds it
        "--log-level=WARN",
    ]
    for module in (*qt_unused(), *PY_UNUSED):
        args.append(f"--exclude-module={module}")
    return args


def folder_size(folder: Path) -> int:
    """Bytes of the regular files under folder (a link counts as its target, once)."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def zip_folder(folder: Path, target: Path) -> Path:
    """folder -> target.zip (deflated), with the folder's name as its top level."""
    return Path(shutil.make_archive(str(target), "zip", folder.parent, folder.name))


def build(dist: Path, work: Path) -> Path:
    """Run PyInstaller, prune what the app never loads; the app folder."""
    import PyInstaller.__main__

    PyInstaller.__main__.run(pyinstaller_args(dist, work))
    app = dist / NAME
    prune(app / "_internal")
    return app


def prune(internal: Path) -> None:
    """Remove the Qt files listed above, then (Linux) the libraries only they needed."""
    doomed = [p for p in (internal / "PySide6").rglob("*") if p.is_dir() and p.name in DROPPED]
    plugins = internal / LINUX_PLUGINS
    if sys.platform.startswith("linux") and plugins.is_dir():
        doomed += [plugins / name for name in LINUX_DROPPED]
        for folder, kept in LINUX_KEPT.items():
            doomed += [p for p in (plugins / folder).glob("*") if p.name not in kept]
    for path in doomed:
        shutil.rmtree(path) if path.is_dir() else path.unlink(missing_ok=True)
    if sys.platform.startswith("linux"):
        strip_python(internal)
        for lib in orphans(internal):
            lib.unlink()
        for link in internal.glob("*.so*"):  # PyInstaller's top-level links to the removed
            if link.is_symlink() and not link.exists():
                link.unlink()


def strip_python(internal: Path) -> None:
    """Drop the debug symbols of libpython and its extension modules (17 MB from a pyenv build).

    Only these: PyInstaller's --strip on every binary broke numpy's patchelf'ed OpenBLAS.
    """
    strip = shutil.which("strip")
    python = [*internal.glob("libpython*.so*"), *internal.glob("python3*/lib-dynload/*.so")]
    if strip:
        files = [str(p) for p in python if not p.is_symlink()]
        subprocess.run([strip, "--strip-debug", *files], check=True)


def orphans(internal: Path) -> list[Path]:
    """Shared libraries of the bundle that no remaining binary links to (DT_NEEDED, by ldd)."""
    from PyInstaller.depend.bindepend import get_imports

    elves = [p for p in internal.rglob("*.so*") if p.is_file() and not p.is_symlink()]
    libs = {p.name: p for p in elves if p.parent in (internal, internal / "PySide6/Qt/lib")}
    needed = {name for name in libs if name.startswith("libpython")}  # the bootloader's dlopen
    queue = [p for p in elves if p.name not in libs] + [libs[n] for n in needed]
    while queue:
        for name, _ in get_imports(str(queue.pop())):
            name = Path(name).name
            if name in libs and name not in needed:
                needed.add(name)
                queue.append(libs[name])
    return [path for name, path in libs.items() if name not in needed]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dist", type=Path, default=ROOT / "dist", help="output folder")
    p.add_argument("--work", type=Path, default=ROOT / "build", help="PyInstaller's work folder")
    p.add_argument("--zip", action="store_true", help="keep a zip of the app beside it")
    args = p.parse_args(argv)
    app = build(args.dist.resolve(), args.work.resolve())
    tag = f"{NAME}-{platform.system().lower()}-{platform.machine().lower()}"
    with tempfile.TemporaryDirectory() as tmp:
        zipped = zip_folder(app, (args.dist if args.zip else Path(tmp)) / tag)
        zip_bytes = zipped.stat().st_size
    print(f"{app}: {folder_size(app) / 2**20:.1f} MiB on disk, {zip_bytes / 2**20:.1f} MiB zipped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
