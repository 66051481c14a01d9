"""The graph pane's function plot: the output at 121 values of one node, with the same Value
engine, for every preset and for the biggest programs the language allows (500 nodes).
The issue's target: under 100 ms for any preset. Also times what a learner feels: clicking a
node (the inspector with its plot) and one Descend (evaluate + redraw).

QT_QPA_PLATFORM=offscreen python scripts/bench_curve.py
"""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
from PySide6.QtWidgets import QApplication

app = QApplication(sys.argv)
from microgpt.bench import median_ms  # noqa: E402
from microgpt.expr.explore import curve  # noqa: E402
from microgpt.expr.language import evaluate  # noqa: E402
from microgpt.expr.presets import PRESETS  # noqa: E402
from microgpt_gui.panes.graph.pane import GraphPane  # noqa: E402
from microgpt_gui.panes.graph.plots import POINTS  # noqa: E402

REPEATS = 7
CHAIN = "a = param(1.0)\nx = a\n" + "x = x + a\n" * 498  # 499 nodes; a feeds every one
DEEP = "a = param(0.5)\nx = a\n" + "x = tanh(x) * 1.01\n" * 166  # 499 nodes in a line


def main() -> None:
    programs = [(name, source) for name, source in PRESETS]
    programs += [("500-node chain (a used 499 times)", CHAIN), ("500-node tanh line", DEEP)]
    xs = [k / POINTS for k in range(POINTS)]
    print(f"curve of the first leaf at {POINTS} points, median of {REPEATS} (ms):")
    for name, source in programs:
        graph = evaluate(source)
        ms = median_ms(lambda g=graph: curve(g, 0, xs))
        print(f"  {name:36s} {len(graph.nodes):4d} nodes  {ms:7.1f}")
    pane = GraphPane()
    pane.resize(700, 700)
    pane.show()
    app.processEvents()
    print("what a learner feels, median (ms):")
    for name in ("two-layer MLP", "penguin neuron (3 inputs)"):
        pane.load_preset(name)
        app.processEvents()
        first = pane.graph.steps.index(next(s for s in pane.graph.steps if s.weight))

        def click(i=first):
            pane.view.select(i)
            pane.repaint()

        def descend():
            pane.descend()
            pane.repaint()

        click_ms, descend_ms = median_ms(click), median_ms(descend)
        print(f"  {name:28s} click a weight {click_ms:6.1f}   Descend {descend_ms:6.1f}")


if __name__ == "__main__":
    main()
