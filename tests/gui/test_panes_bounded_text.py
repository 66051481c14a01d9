"""Long documents and samples are shown elided, with a bounded tooltip; the window's size
never depends on the data (150-character lines once made a 1280-wide window 1649 px wide,
and one 1 MB line made the example title one unbreakable word)."""

import random
import string

import numpy as np
import pytest
from PySide6.QtWidgets import QApplication

from microgpt import TrainConfig, default_docs
from microgpt.report import Sample
from microgpt_gui.text import TOOLTIP_CHARS, plain_tooltip

SHOWN_CHARS = 200  # no label, list item or title quotes more of one text than this
TOOLTIP_LIMIT = TOOLTIP_CHARS + 100  # the text and its markup


def long_lines() -> list[str]:
    rng = random.Random(1)
    letters = string.ascii_lowercase + " "
    return ["".join(rng.choice(letters) for _ in range(150)) for _ in range(200)]


def one_megabyte_line() -> list[str]:
    rng = random.Random(2)
    return ["".join(rng.choice(string.ascii_lowercase) for _ in range(1 << 20))]


def build(qtbot, docs):
    from microgpt_gui.window.main_window import MainWindow

    win = MainWindow(
        docs=docs,
        config=TrainConfig(num_steps=50),
        backend="numpy",
        restore_settings=False,
        speed=None,
    )
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitUntil(lambda: win.info is not None, timeout=20000)
    return win


def show_everything(qtbot, win) -> None:
    """One step, a zero-gradient cell of wte (its note quotes the document), names."""
    with qtbot.waitSignal(win.run.reported, timeout=20000):
        win.step()
    r = win.latest
    unused = next(i for i in range(len(r.chars)) if i not in r.tokens[: r.n])
    win.gradients.heatmaps["wte"].cell_clicked.emit("wte", unused, 0)
    assert win.gradients.inspector.note.isVisibleTo(win.gradients.inspector)
    with qtbot.waitSignal(win.run.sampled, timeout=20000):
        win.generate()
    qtbot.waitUntil(lambda: win.sampling.results.count() == 20)
    win.docks["example_pane"].raise_()
    QApplication.processEvents()


def sizes(win) -> dict:
    hints = {name: dock.minimumSizeHint().toTuple() for name, dock in win.docks.items()}
    return {"docks": hints, "window": win.minimumSizeHint().width()}


def test_window_size_does_not_depend_on_the_data(qtbot):
    seen = {}
    for name, docs in (
        ("names", default_docs()),
        ("150 characters", long_lines()),
        ("one 1 MB line", one_megabyte_line()),
    ):
        win = build(qtbot, docs)
        try:
            show_everything(qtbot, win)
            assert win.width() <= 1280, name
            doc = win.latest.doc
            assert doc in docs
            for label in (win.example.title, win.gradients.inspector.note):
                assert len(label.text()) < SHOWN_CHARS + 300, (name, label.objectName())
                assert doc[:20] in label.text()  # it is quoted, shortened
            seen[name] = sizes(win)
        finally:
            assert win.shutdown()
    assert seen["150 characters"] == seen["names"] == seen["one 1 MB line"]


@pytest.fixture
def window(qtbot, docs):
    win = build(qtbot, docs)
    yield win
    assert win.shutdown()


def test_a_long_sample_is_elided_in_the_list_and_bounded_in_its_tooltip(window, qtbot):
    chars = window.info.chars
    text = "ab" * (1 << 19)  # 1 MB
    tokens = tuple(range(16))
    probs = np.full((16, len(chars) + 1), 1 / (len(chars) + 1))
    window.run.sampled.emit([Sample(text, "", tokens, probs, False, chars)])
    item = window.sampling.results.item(0)
    assert len(item.text()) < SHOWN_CHARS and item.text().startswith("abab")
    assert "…" in item.text()
    tip = item.toolTip()
    assert len(tip) < TOOLTIP_LIMIT and tip.startswith(plain_tooltip("abab").removesuffix("</p>"))
    assert "not in the training data" in tip  # the note after the text is kept
    assert window.sampling.chart.positions == 16
    QApplication.processEvents()
    assert window.width() <= 1280


def test_plain_tooltip_is_bounded():
    tip = plain_tooltip("x" * 10**6)
    assert len(tip) < TOOLTIP_LIMIT and "…" in tip
