"""Time GradientsPane.on_report over 200 reports (numpy backend, default config), per view.

QT_QPA_PLATFORM=offscreen python scripts/bench_gradients.py
"""

import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from microgpt import TrainConfig, Trainer, default_docs  # noqa: E402
from microgpt_gui import theme  # noqa: E402
from microgpt_gui.panes.gradients.pane import GradientsPane  # noqa: E402


def main() -> None:
    app = QApplication([])
    theme.setup_pyqtgraph()
    trainer = Trainer(default_docs(), TrainConfig(num_steps=1000), backend="numpy")
    reports = [trainer.step() for _ in range(200)]
    pane = GradientsPane()
    pane.resize(640, 500)
    pane.show()
    pane.on_reset(trainer.info())
    app.processEvents()
    for view in range(pane.view.count()):
        pane.view.setCurrentIndex(view)
        only, painted = [], []
        for r in reports:
            t0 = time.perf_counter()
            pane.on_report(r)
            t1 = time.perf_counter()
            app.processEvents()
            only.append(t1 - t0)
            painted.append(time.perf_counter() - t0)
        print(
            f"view {pane.view_key:9s} on_report median {statistics.median(only) * 1e3:.2f} ms"
            f" (max {max(only) * 1e3:.2f}) | with painting median "
            f"{statistics.median(painted) * 1e3:.2f} ms"
        )


if __name__ == "__main__":
    main()
