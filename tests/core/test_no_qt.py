"""microgpt never imports Qt: checked by importing every module in a clean interpreter."""

import ast
import json
import subprocess
import sys
from pathlib import Path

import microgpt

FORBIDDEN = ("PySide6", "shiboken6", "pyqtgraph", "microgpt_gui", "PyQt5", "PyQt6")
PACKAGE = Path(microgpt.__file__).resolve().parent

PROBE = """
import importlib, json, pkgutil, sys
import microgpt
names = ["microgpt"] + [
    "microgpt." + m.name for m in pkgutil.iter_modules(microgpt.__path__) if m.name != "__main__"
]
for name in names:
    importlib.import_module(name)
print(json.dumps({"imported": names, "loaded": sorted(sys.modules)}))
"""


def test_importing_every_module_loads_no_qt():
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=False, timeout=60
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    expected = {
        f"microgpt.{m}"
        for m in ("cli", "trainer", "engine", "config", "data", "model", "scalar", "optim")
    }
    expected |= {f"microgpt.{m}" for m in ("report", "checkpoint", "bench", "errors")}
    assert expected <= set(result["imported"])
    qt = [m for m in result["loaded"] if m.split(".")[0] in FORBIDDEN]
    assert qt == []


def test_no_module_mentions_qt_in_an_import_statement():
    # also catches imports inside functions, which the probe above may never run
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            offenders += [
                f"{path.name}:{node.lineno} {n}" for n in names if n.split(".")[0] in FORBIDDEN
            ]
    assert offenders == []
    assert len(list(PACKAGE.rglob("*.py"))) >= 12
