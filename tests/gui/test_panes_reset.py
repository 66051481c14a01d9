"""A new run (Reset) returns every pane to its empty state: nothing of the last run stays."""

from PySide6.QtCore import QPointF, Qt

from microgpt import Trainer, TrainingDiverged
from microgpt_gui.panes.example import pane as example
from microgpt_gui.panes.loss import pane as loss
from microgpt_gui.panes.sampling import pane as sampling
from microgpt_gui.run.commands import SampleRequest


def steps(qtbot, win, n: int) -> None:
    """n single steps, drawn."""
    target = win.run.step + n
    for _ in range(n):
        win.step()
    qtbot.waitUntil(lambda: win.run.step == target and win.latest.step == target, timeout=20000)


def reset(qtbot, win) -> None:
    with qtbot.waitSignal(win.run.reset, timeout=10000):
        win.actions_["reset"].trigger()
    assert win.run.step == 0


def test_loss_pane_forgets_the_hover_and_the_curves(make_window, qtbot):
    win = make_window()
    steps(qtbot, win, 3)
    pane = win.loss
    vb = pane.plot.getPlotItem().vb
    y = float(win.run.history.loss[1])
    pos = pane.plot.mapFromScene(vb.mapViewToScene(QPointF(2, y)))
    qtbot.mouseMove(pane.plot.viewport(), pos)
    qtbot.waitUntil(lambda: pane.readout.text().startswith("step 2 "))
    assert pane.marker.data["x"].tolist() == [2]
    reset(qtbot, win)
    assert pane.readout.text() == loss.READOUT_TEXT
    assert len(pane.marker.data) == 0 and len(pane.first_point.data) == 0
    for curve in (pane.raw, pane.smooth, pane.lr_curve):
        x, _ = curve.getData()
        assert x is None or len(x) == 0
    assert pane.empty.isVisible()
    assert pane.smoothed.n == 0


def test_gradients_pane_forgets_selection_outlines_and_scroll(make_window, qtbot):
    win = make_window()
    steps(qtbot, win, 1)
    pane = win.gradients
    wte = pane.heatmaps["wte"]
    assert not wte.outline.path().isEmpty()  # the rows this example used
    wte.cell_clicked.emit("wte", 2, 3)
    assert wte.marker.isVisible() and pane.inspector.title.text().startswith(
        f"<b>wte[&#x27;{win.latest.chars[2]}&#x27;][3]</b>"
    )
    index = list(pane.heatmaps).index("layer0.mlp_fc1")
    pane.goto.setCurrentIndex(index)
    pane.goto.activated.emit(index)  # what choosing it in the combo box emits
    assert pane.scroll.verticalScrollBar().value() > 0
    reset(qtbot, win)
    assert pane.selected is None and not wte.marker.isVisible()
    for heatmap in pane.heatmaps.values():
        assert heatmap.outline.path().isEmpty(), heatmap.name
        assert not heatmap.image_data().any(), heatmap.name
    assert pane.scroll.verticalScrollBar().value() == 0
    assert pane.goto.currentIndex() == 0 and pane.goto.currentText().startswith("wte")
    assert "Click a cell" in pane.inspector.meaning.text()
    assert not pane.inspector.note.isVisibleTo(pane.inspector)
    assert not pane.empty.isHidden()
    assert pane.norms.n == 0 and pane.norms.empty.isVisible()


def test_example_pane_forgets_the_last_example_even_while_hidden(make_window, qtbot):
    win = make_window()
    steps(qtbot, win, 1)
    pane = win.example
    assert pane.title.text().startswith("Step 1 ") and pane.strip.cells
    assert pane.attention.grid.isVisibleTo(pane.attention)
    win.docks["sampling_pane"].raise_()  # the example's tab is behind: reports may wait
    qtbot.waitUntil(lambda: pane.visibleRegion().isEmpty())
    steps(qtbot, win, 1)
    reset(qtbot, win)
    win.docks["example_pane"].raise_()
    qtbot.waitUntil(lambda: not pane.visibleRegion().isEmpty())
    assert pane.title.text() == example.EMPTY_TEXT
    assert pane.strip.cells == [] and pane.mean.text() == "" and pane.mean_value is None
    assert not pane.attention.grid.isVisibleTo(pane.attention)
    assert pane.attention.empty.isVisibleTo(pane.attention)


def test_sampling_pane_forgets_names_chart_and_errors(make_window, qtbot):
    win = make_window()
    pane = win.sampling
    with qtbot.waitSignal(win.run.sampled, timeout=10000):
        win.generate()
    qtbot.waitUntil(lambda: pane.results.count() == 20)
    pane.results.setCurrentRow(3)
    assert pane.chart.positions > 0
    with qtbot.waitSignal(win.run.sample_failed, timeout=10000):
        win.send(SampleRequest(prefix="a%"))  # an error from the worker
    assert pane.error.isVisibleTo(pane)
    reset(qtbot, win)
    assert pane.results.count() == 0 and pane.chart.positions == 0
    assert pane.summary.text() == sampling.EMPTY_TEXT
    assert not pane.error.isVisibleTo(pane) and pane.generate.isEnabled()


def test_status_bar_forgets_the_divergence(make_window, qtbot, monkeypatch):
    win = make_window()
    monkeypatch.setattr(win.dialogs, "notice", lambda title, message: None)
    real_step = Trainer.step

    def diverging(self):
        if self.step_count == 3:
            raise TrainingDiverged(4, float("nan"))
        return real_step(self)

    monkeypatch.setattr(Trainer, "step", diverging)
    with qtbot.waitSignal(win.worker.diverged, timeout=10000):
        win.play()
    qtbot.waitUntil(lambda: "diverged at step 4" in win.statusBar().currentMessage())
    qtbot.waitUntil(lambda: not win.playing)
    monkeypatch.setattr(Trainer, "step", real_step)
    reset(qtbot, win)
    assert win.statusBar().currentMessage() == ""
    assert win.status_text.text().startswith("step 0 / 50 · loss –")
    assert Qt.PlainText == win.status_text.textFormat()


def test_only_the_current_example_tab_is_drawn_after_a_step(make_window, qtbot):
    win = make_window()
    pane = win.example
    pane.tabs.setCurrentWidget(pane.distribution)
    steps(qtbot, win, 1)  # the attention page gets weights while it is behind
    assert pane.distribution.isVisible() and not pane.attention.isVisible()
    pane.tabs.setCurrentWidget(pane.attention)
    assert pane.attention.grid.isVisible() and not pane.distribution.isVisible()
