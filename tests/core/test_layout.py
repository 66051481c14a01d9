"""The layout's rules, read from the source with ast (imports inside functions count too):
the core never imports Qt or the GUI, panes never import the window or the worker, and no
modules import each other in a circle."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("microgpt", "microgpt_gui")
NOT_IN_CORE = ("PySide6", "shiboken6", "pyqtgraph", "PyQt5", "PyQt6", "microgpt_gui")
NOT_IN_PANES = (
    "microgpt_gui.window",
    "microgpt_gui.run.worker",
    "microgpt_gui.run.worker_travel",
    "microgpt_gui.run.worker_queries",
)


def module_paths() -> dict[str, Path]:
    """Every module of the project by its dotted name (a package by its __init__.py)."""
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = module_paths()


def imports_of(name: str) -> set[str]:
    """What a module imports, as dotted names: `from a import b` is a.b if b is a module."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
    return found


GRAPH = {name: imports_of(name) & MODULES.keys() for name in MODULES}


def within(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One circle (a, b, ..., a) per group of modules that import each other (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while not group or group[-1] != v:
                group.append(stack.pop())
                on_stack.discard(group[-1])
            if len(group) > 1 or v in graph.get(v, ()):
                found.append(sorted(group) + [sorted(group)[0]])

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_walk_sees_the_imports():
    assert len(MODULES) > 60
    assert "microgpt.trainer" in GRAPH["microgpt"]  # from .trainer import ...
    assert "microgpt_gui.run.state" in GRAPH["microgpt_gui.window.main_window"]
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]


def test_the_core_never_imports_qt_or_the_gui():
    offenders = {
        f"{name} imports {imported}"
        for name in MODULES
        if within(name, ["microgpt"])
        for imported in imports_of(name)
        if imported.split(".")[0] in NOT_IN_CORE
    }
    assert offenders == set()


def test_panes_never_import_the_window_or_the_worker():
    offenders = {
        f"{name} imports {imported}"
        for name in MODULES
        if within(name, ["microgpt_gui.panes"])
        for imported in imports_of(name)
        if within(imported, NOT_IN_PANES)
    }
    assert offenders == set()


def test_no_modules_import_each_other_in_a_circle():
    assert circles(GRAPH) == []
