"""Graph pane speed: lay out + draw ~300 nodes, and a nudge on ~500 nodes.

QT_QPA_PLATFORM=offscreen python scripts/bench_graph.py
"""

import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv)
from microgpt.expr import evaluate  # noqa: E402
from microgpt_gui.panes.graph import GraphPane  # noqa: E402


def mlp_program(n_in: int, n_hidden: int) -> str:
    """A one-hidden-layer tanh network with a squared-error loss."""
    lines = [f"x{i} = {0.1 * (i + 1):.1f}" for i in range(n_in)]
    for j in range(n_hidden):
        lines += [f"w{j}_{i} = param({0.05 * ((i + j) % 7 - 3):.2f})" for i in range(n_in)]
        terms = " + ".join(f"w{j}_{i}*x{i}" for i in range(n_in))
        lines.append(f"h{j} = tanh({terms} + param(0.1))")
    out = " + ".join(f"param(0.3)*h{j}" for j in range(n_hidden))
    lines += [f"y = {out}", "L = (y - 1.0) ** 2"]
    return "\n".join(lines)


def size_for(target):
    best = None
    for n_in in range(2, 12):
        for n_h in range(2, 30):
            try:
                n = len(evaluate(mlp_program(n_in, n_h)).nodes)
            except ValueError:  # ExprError: too many nodes
                continue
            if n <= target and (best is None or n > best[0]):
                best = (n, n_in, n_h)
    return best


pane = GraphPane()
pane.resize(900, 600)
pane.show()
app.processEvents()
for target in (300, 500):
    n, n_in, n_h = size_for(target)
    src = mlp_program(n_in, n_h)
    g = evaluate(src)
    times = []
    for _ in range(5):
        pane.view.set_graph(evaluate(src))  # warm structure; then time layout + draw only
        t0 = time.perf_counter()
        pane.view.set_graph(g)
        pane.view.viewport().repaint()
        times.append((time.perf_counter() - t0) * 1000)
    whole = []
    for _ in range(5):
        t0 = time.perf_counter()
        pane.view.set_graph(g)
        pane.view.fit()
        pane.view.viewport().repaint()
        whole.append((time.perf_counter() - t0) * 1000)
    print(f"{n} nodes: layout + draw the whole graph (Fit) {statistics.median(whole):.1f} ms")
    print(
        f"{n} nodes ({len(pane.view.edges)} edges): layout + draw "
        f"{statistics.median(times):.1f} ms "
        f"(min {min(times):.1f}, max {max(times):.1f})"
    )
    pane.set_source(src)
    app.processEvents()
    leaf = next(i for i, s in enumerate(pane.graph.steps) if s.op == "")
    pane.view.select(leaf)
    times = []
    for k in range(20):
        t0 = time.perf_counter()
        pane.nudge(leaf, 0.1 + 0.01 * k)
        pane.view.viewport().repaint()
        times.append((time.perf_counter() - t0) * 1000)
    t0 = time.perf_counter()
    evaluate(src, {leaf: 0.3})
    ev = (time.perf_counter() - t0) * 1000
    print(
        f"{n} nodes: nudge (evaluate + boxes + inspector with its finite-difference check "
        "+ repaint) "
        f"median {statistics.median(times):.1f} ms, max {max(times):.1f} ms; "
        f"evaluate alone {ev:.1f} ms"
    )
