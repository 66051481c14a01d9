"""Text from the data (documents, samples, prefixes, file names) is shown literally: a line
'<b>x</b>' is not bold, '<img src=...>' loads nothing, '&amp;' stays five characters."""

import html

import numpy as np
from PySide6 import QtGui
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter, QTextDocument
from PySide6.QtWidgets import QLabel

from microgpt.report import Sample
from microgpt_gui.run.commands import SampleRequest
from microgpt_gui.text import plain_tooltip

MARKUP = "<b>x</b>&amp;<img src=q>"  # 25 characters: a document, a sample
FILE_NAME = "<b>x<b>&amp;<img src=q>.txt"  # no '/': a file may be named so


def rendered(text: str, text_format=Qt.AutoText) -> str:
    """The characters a label (or a tooltip) with this text and format shows."""
    rich = text_format == Qt.RichText or (
        text_format == Qt.AutoText and QtGui.Qt.mightBeRichText(text)
    )
    if not rich:
        return text
    doc = QTextDocument()
    doc.setHtml(text)
    assert "<img" not in doc.toHtml() and not any(f.isImageFormat() for f in doc.allFormats())
    return doc.toPlainText().replace("\u00a0", " ")


def shows(label: QLabel, literal: str) -> bool:
    return literal in rendered(label.text(), label.textFormat())


def tick_texts(heatmap) -> list[str]:
    axis = heatmap.plot.getPlotItem().getAxis("left")
    image = QImage(8, 8, QImage.Format_ARGB32)
    painter = QPainter(image)
    try:
        specs = axis.generateDrawSpecs(painter)
    finally:
        painter.end()
    return [text for _, _, text in specs[2]]


def test_data_text_is_shown_literally_everywhere(make_window, qtbot, tmp_path, monkeypatch):
    win = make_window()  # the bundled names: '<' is not in their vocabulary
    sampling = win.sampling

    # a prefix the model cannot start with: the pane's own message and the worker's
    sampling.prefix.setText("<b>x")
    assert sampling.error.textFormat() == Qt.PlainText
    assert "'<'" in sampling.error.text() and shows(sampling.error, "'<'")
    sampling.prefix.setText("")
    with qtbot.waitSignal(win.run.sample_failed, timeout=10000):
        win.send(SampleRequest(prefix="<img src=q>"))
    assert sampling.error.textFormat() == Qt.PlainText and shows(sampling.error, "'<'")

    # a dataset file named with markup, whose one document is markup
    path = tmp_path / FILE_NAME
    path.write_text(f"{MARKUP}\n", encoding="utf-8")
    monkeypatch.setattr(win.dialogs, "ask_open_path", lambda *a: str(path))
    monkeypatch.setattr(win.dialogs, "confirm", lambda *a: True)
    with qtbot.waitSignal(win.run.reset, timeout=10000):
        win.actions_["open_dataset"].trigger()
    assert FILE_NAME in win.windowTitle()  # a window title is plain text
    status = win.status_text
    assert status.textFormat() == Qt.PlainText and FILE_NAME in status.text()

    with qtbot.waitSignal(win.run.reported, timeout=10000):
        win.step()
    r = win.latest
    assert r.doc == MARKUP

    # the example's title quotes the document (rich text: escaped)
    title = win.example.title
    assert html.escape(MARKUP) in title.text() and shows(title, MARKUP)
    assert win.example.strip.cells[0][:2] == ("BOS", "<")  # painted: plain

    # the inspector: the zero-gradient note quotes it, the meaning names a char
    chars = r.chars
    late = chars.index("q")  # only after the first 16 positions: never an input
    win.gradients.heatmaps["wte"].cell_clicked.emit("wte", late, 0)
    note = win.gradients.inspector.note
    assert note.isVisibleTo(win.gradients.inspector)
    assert html.escape(MARKUP) in note.text() and shows(note, MARKUP)
    win.gradients.heatmaps["wte"].cell_clicked.emit("wte", chars.index("<"), 0)
    meaning = win.gradients.inspector.meaning
    assert meaning.textFormat() == Qt.PlainText and "embedding of '<'" in meaning.text()
    assert {"<", ">", "&"} <= set(tick_texts(win.gradients.heatmaps["wte"]))

    # a sample that is markup: the list item (plain) and its tooltip (plain_tooltip)
    probs = np.full((3, len(chars) + 1), 1 / (len(chars) + 1))
    tokens = (chars.index("<"), chars.index("b"), len(chars))
    win.run.sampled.emit([Sample(MARKUP, "", tokens, probs, True, chars)])
    item = sampling.results.item(0)
    assert item.text().startswith(MARKUP)
    tip = item.toolTip()
    assert tip.startswith(plain_tooltip(MARKUP).removesuffix("</p>"))
    assert rendered(tip).startswith(MARKUP)
