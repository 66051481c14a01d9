"""Graph pane speed: lay out + draw ~300 nodes, a nudge on ~500 nodes, and the 499-node
chain of issue #9 (a used by every one of 498 additions): layout, draw, and a keystroke.

QT_QPA_PLATFORM=offscreen python scripts/bench_graph.py [--chain-only]
"""

import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv)
from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402

from microgpt.expr.language import evaluate  # noqa: E402
from microgpt_gui.panes.graph.editor import TYPING_PAUSE_MS  # noqa: E402
from microgpt_gui.panes.graph.layout import layered_layout  # noqa: E402
from microgpt_gui.panes.graph.pane import GraphPane  # noqa: E402

CHAIN = "a = param(1.0)\nx = a\n" + "x = x + a\n" * 498  # 499 nodes, the node limit
REPEATS = 5


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


def median_ms(times: list[float]) -> str:
    return f"{statistics.median(times) * 1000:.1f} ms (min {min(times) * 1000:.1f})"


def bench_chain(pane: GraphPane) -> None:
    """The 499-node chain: layout alone, layout + draw, and a keystroke to the new graph."""
    g = evaluate(CHAIN)
    view = pane.view
    view.set_graph(g)
    view.viewport().repaint()
    captured = {}  # what GraphView hands the layout, captured by drawing once more

    def spy(s, e):
        captured.update(sizes=list(s), edges=list(e))
        return layered_layout(s, e)

    import microgpt_gui.panes.graph.view as graph_view

    graph_view.layered_layout, original = spy, graph_view.layered_layout
    view.set_graph(g)
    graph_view.layered_layout = original
    sizes, edges = captured["sizes"], captured["edges"]
    layout, whole = [], []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        layered_layout(sizes, edges)
        layout.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        view.set_graph(g)
        view.viewport().repaint()
        whole.append(time.perf_counter() - t0)
    n = len(g.nodes)
    print(f"{n}-node chain ({len(sizes)} vertices, {len(edges)} edges): layout {median_ms(layout)}")
    print(f"{n}-node chain: layout + draw {median_ms(whole)}")
    pane.set_source(CHAIN)
    app.processEvents()
    editor = pane.editor.text
    editor.setFocus()
    keys, rebuilds = [], []
    for k in range(REPEATS):
        cursor = editor.textCursor()
        cursor.setPosition(len("a = param(1."))  # after the 1 of 1.0: type a digit there
        editor.setTextCursor(cursor)
        t0 = time.perf_counter()
        QTest.keyClick(editor, Qt.Key_1 + k % 9)
        keys.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        pane.editor.request_build()  # what the typing pause's timer does when it fires
        view.viewport().repaint()
        rebuilds.append(time.perf_counter() - t0)
        assert pane.graph.source == pane.source(), "the keystroke did not rebuild the graph"
    clicks = []
    pane.resize(680, 720)  # docked in a 1280x800 window: a narrow inspector wraps more
    app.processEvents()
    for _ in range(REPEATS):  # a, used 499 times: the inspector explains its grad
        view.select(len(g.nodes) - 1)  # another node first: a label given its own text is
        app.processEvents()  # not laid out again
        t0 = time.perf_counter()
        view.select(0)
        app.processEvents()  # the labels' layout
        pane.repaint()
        clicks.append(time.perf_counter() - t0)
    pane.resize(900, 600)
    print(
        f"{n}-node chain: select a (used 499 times; pane 680x720), inspector + repaint "
        f"{median_ms(clicks)}"
    )
    total = [a + b for a, b in zip(keys, rebuilds)]
    print(
        f"{n}-node chain: keystroke {median_ms(keys)}; after the {TYPING_PAUSE_MS} ms typing "
        f"pause, rebuild + redraw {median_ms(rebuilds)}; keystroke to redrawn graph "
        f"{median_ms(total)} + the pause"
    )


pane = GraphPane()
pane.resize(900, 600)
pane.show()
app.processEvents()
bench_chain(pane)
if "--chain-only" in sys.argv:
    sys.exit(0)
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
