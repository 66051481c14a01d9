import gc

import pytest

from microgpt import TrainConfig, default_docs


@pytest.fixture(autouse=True)
def _free_widgets_between_tests():
    """Free what a test leaves behind here, between tests. A pane or window in a reference
    cycle is freed by the cyclic GC, which runs at whatever allocation comes next: once
    that was inside a paint of one of the freed widget's own pyqtgraph views (a segfault
    in GraphicsView.paintEvent, about one full run in three)."""
    yield
    gc.collect()


@pytest.fixture(scope="session")
def docs():
    return default_docs()


@pytest.fixture
def make_window(qtbot, docs):
    """make_window(config=..., backend=...) -> a shown MainWindow whose run has started."""
    from microgpt_gui.app import MainWindow

    made = []

    def make(config=None, backend="scalar", speed=None, **kw):
        win = MainWindow(
            docs=docs,
            config=config or TrainConfig(num_steps=50),
            backend=backend,
            restore_settings=False,
            speed=speed,
            **kw,
        )
        qtbot.addWidget(win)
        made.append(win)
        win.show()
        qtbot.waitUntil(lambda: win.info is not None, timeout=5000)
        return win

    yield make
    for win in made:
        assert win.shutdown(), "the worker thread did not stop"
