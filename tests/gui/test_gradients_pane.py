"""GradientsPane: heatmaps, cell inspector, zero-gradient rows and grad-norm history."""

import html
import math

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QApplication, QLabel

import microgpt
from microgpt import TrainConfig
from microgpt.model import ParamLayout
from microgpt.report import cell_name
from microgpt.trainer import MEAN_DECAY
from microgpt_gui import theme
from microgpt_gui.panes.gradients.inspector import cell_meaning
from microgpt_gui.panes.gradients.pane import GradientsPane
from microgpt_gui.panes.steady_range import nice_ceil
from microgpt_gui.run.state import RunState

SMALL = TrainConfig(n_embd=8, n_head=2, n_layer=1, block_size=16, num_steps=20)


def run(docs, config: TrainConfig, steps: int):
    """(info before the first step, reports, trainer) of a scalar run."""
    trainer = microgpt.Trainer(docs, config, backend="scalar")
    info = trainer.info()
    reports = []
    for _ in range(steps):
        trainer.step()
        reports.append(trainer.report())
    return info, reports, trainer


@pytest.fixture(scope="module")
def small_run(docs):
    return run(docs, SMALL, 3)


class Driver:
    """Feeds a pane through its RunState's signals, as the window does."""

    def __init__(self, pane, run):
        self.pane, self.run = pane, run

    def on_reset(self, info):
        self.run.reset.emit(info)

    def on_report(self, report):
        self.run.reported.emit(report)

    def on_points(self, points):
        self.run.advanced.emit(points)

    def __getattr__(self, name):
        return getattr(self.pane, name)


@pytest.fixture
def pane(qtbot):
    theme.setup_pyqtgraph()
    run = RunState()
    pane = GradientsPane(run)
    qtbot.addWidget(pane)
    pane.resize(640, 500)
    pane.show()
    qtbot.waitExposed(pane)
    return Driver(pane, run)


def shown(pane, key: str) -> str:
    return pane.inspector.findChild(QLabel, f"inspector_{key}").text()


def click_cell(qtbot, pane, name: str, row: int, col: int) -> None:
    """Click the centre of name[row, col] through the heatmap's viewport."""
    heatmap = pane.heatmaps[name]
    pane.scroll.ensureWidgetVisible(heatmap)
    qtbot.waitUntil(lambda: heatmap.plot.getPlotItem().getViewBox().width() > 0)
    view = heatmap.plot
    pos = view.mapFromScene(heatmap.cell_center(row, col))
    assert view.viewport().rect().contains(pos)
    with qtbot.waitSignal(heatmap.cell_clicked) as blocker:
        qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=pos)
    assert blocker.args == [name, row, col]


def test_empty_state_says_what_will_appear(pane, small_run):
    info, _, _ = small_run
    assert not pane.empty.isHidden()
    pane.on_reset(info)
    assert not pane.empty.isHidden()
    text = pane.empty.text()
    assert "Step" in text and "heatmap" in text
    assert f"{sum(s.size for s in info.specs):,}" in text
    assert "Click a cell" in pane.inspector.meaning.text()
    assert pane.norms.empty.isVisible()


@pytest.mark.parametrize(
    "config", [TrainConfig(num_steps=10), TrainConfig(n_embd=8, n_head=2, n_layer=2, num_steps=10)]
)
def test_shapes_and_labels_follow_the_config(pane, docs, config):
    info, (report,), _ = run(docs, config, 1)
    pane.on_reset(info)
    pane.on_report(report)
    assert list(pane.heatmaps) == list(info.param_names) == list(report.grads)
    assert len(pane.heatmaps) == 3 + 6 * config.n_layer
    for name, shape in zip(info.param_names, [s.shape for s in info.specs]):
        heatmap = pane.heatmaps[name]
        assert heatmap.shape == shape == report.grads[name].shape
        assert name in heatmap.title.text() and f"{shape[0]} × {shape[1]}" in heatmap.title.text()
        np.testing.assert_array_equal(heatmap.image_data(), report.grads[name])
    chars = list(info.chars) + ["BOS"]
    for name in ("wte", "lm_head"):
        labels = [pane.heatmaps[name].row_label(r) for r in range(info.vocab_size)]
        assert labels == ["␣" if c == " " else c for c in chars]
    assert [pane.heatmaps["wpe"].row_label(r) for r in range(config.block_size)] == [
        str(p) for p in range(config.block_size)
    ]
    assert pane.heatmaps["wte"].shape == (info.vocab_size, config.n_embd)
    assert pane.heatmaps["layer0.mlp_fc1"].shape == (4 * config.n_embd, config.n_embd)


def test_clicking_a_cell_shows_the_report_values(qtbot, pane, small_run):
    info, reports, _ = small_run
    report = reports[-1]
    pane.on_reset(info)
    pane.on_report(report)
    pane.inspector.all_digits.setChecked(True)
    for name, row, col in (("wte", report.tokens[1], 3), ("layer0.mlp_fc1", 5, 2)):
        click_cell(qtbot, pane, name, row, col)
        label = html.escape(cell_name(pane.specs[name], row, col, report.chars))
        assert shown(pane, "title").startswith(f"<b>{label}</b>")
        after, update = report.params[name][row, col], report.updates[name][row, col]
        m, v = report.adam_m[name][row, col], report.adam_v[name][row, col]
        assert float(shown(pane, "after")) == after
        assert float(shown(pane, "before")) == after - update
        assert float(shown(pane, "grad")) == report.grads[name][row, col]
        assert float(shown(pane, "m")) == m
        assert float(shown(pane, "v")) == v
        assert float(shown(pane, "m_hat")) == m / (1 - report.config.beta1**report.step)
        assert float(shown(pane, "v_hat")) == v / (1 - report.config.beta2**report.step)
        assert float(shown(pane, "lr")) == report.lr
        assert float(shown(pane, "update")) == update
    c = report.chars[report.tokens[1]]
    click_cell(qtbot, pane, "wte", report.tokens[1], 3)
    assert shown(pane, "meaning") == f"embedding of '{c}', dimension 3"


def test_the_update_can_be_recomputed_from_the_shown_values(qtbot, pane, small_run):
    info, reports, _ = small_run
    report, eps = reports[-1], reports[-1].config.eps
    pane.on_reset(info)
    pane.on_report(report)
    click_cell(qtbot, pane, "wpe", 1, 4)
    assert f"{eps:g}" in shown(pane, "formula")
    # update = -lr_t * m_hat / (sqrt(v_hat) + eps), from the six-digit numbers on screen
    lr, m_hat, v_hat = (float(shown(pane, k)) for k in ("lr", "m_hat", "v_hat"))
    assert -(lr * m_hat / (v_hat**0.5 + eps)) == pytest.approx(float(shown(pane, "update")), 1e-4)
    assert float(shown(pane, "before")) + float(shown(pane, "update")) == pytest.approx(
        float(shown(pane, "after")), abs=1e-5
    )
    pane.inspector.all_digits.setChecked(True)  # with every digit: the same float operations
    lr, m_hat, v_hat = (float(shown(pane, k)) for k in ("lr", "m_hat", "v_hat"))
    assert -(lr * m_hat / (v_hat**0.5 + eps)) == float(shown(pane, "update"))
    t = report.step
    assert float(shown(pane, "m")) / (1 - report.config.beta1**t) == m_hat
    assert float(shown(pane, "v")) / (1 - report.config.beta2**t) == v_hat


def test_zero_gradient_rows_are_outlined_and_explained(qtbot, pane, small_run):
    info, reports, _ = small_run
    report = reports[-1]
    pane.on_reset(info)
    pane.on_report(report)
    n, inputs = report.n, set(report.tokens[: report.n])
    assert n < SMALL.block_size, "the example must leave unused positions"
    absent = next(i for i, c in enumerate(report.chars) if c not in report.doc)
    assert not report.grads["wte"][absent].any()
    path = pane.heatmaps["wte"].outline.path()
    for row in range(info.vocab_size):
        assert path.contains(QPointF(0.5, row + 0.5)) == (row in inputs)
    click_cell(qtbot, pane, "wte", absent, 2)
    note = pane.inspector.note
    assert note.isVisible()
    assert f"zero gradient: '{report.chars[absent]}' did not occur in this example" in note.text()
    wpe_path = pane.heatmaps["wpe"].outline.path()
    assert [wpe_path.contains(QPointF(0.5, r + 0.5)) for r in range(SMALL.block_size)] == [
        r < n for r in range(SMALL.block_size)
    ]
    click_cell(qtbot, pane, "wpe", n, 0)
    assert not report.grads["wpe"][n].any()
    assert f"has only {n} positions" in note.text() and f"position {n} was not used" in note.text()
    click_cell(qtbot, pane, "wpe", n - 1, 0)
    assert report.grads["wpe"][n - 1, 0] != 0 and not note.isVisible()


def test_grad_norm_history_keeps_every_point_and_restores(pane, small_run, qtbot):
    info, reports, trainer = small_run
    history = trainer.history
    pane.on_reset(info)
    pane.on_points(history.points(0, 1))
    pane.on_points(history.points(1))

    def check(p):
        curves = p.norms.curves
        assert len(curves) == len(info.param_names) + 1
        for i, curve in enumerate(curves):
            x, y = curve.getData()
            np.testing.assert_array_equal(x, [h.step for h in history])
            np.testing.assert_array_equal(y, [np.float16(h.grad_norms[i]) for h in history])
        labels = [label.text for _, label in p.norms.legend.items]
        assert labels[:3] == ["wte", "wpe", "lm_head"] and labels[-1] == "all"

    check(pane)
    assert not pane.norms.empty.isVisible()
    restored_run = RunState()
    restored = GradientsPane(restored_run)
    qtbot.addWidget(restored)
    restored_run.reset.emit(trainer.info())
    check(restored)
    assert len(history) == len(reports)
    assert history[-1].grad_norms[-1] == pytest.approx(
        math.sqrt(sum(n**2 for n in history[-1].grad_norms[:-1])), rel=2e-3
    )  # float16 history: 3 significant digits


def test_view_switch_changes_the_image_data(pane, small_run):
    info, reports, _ = small_run
    pane.on_reset(info)
    for report in reports[-2:]:
        pane.on_report(report)
    report, views = reports[-1], {}
    for i in range(pane.view.count()):
        pane.view.setCurrentIndex(i)
        views[pane.view_key] = pane.heatmaps["wte"].image_data().copy()
        low, high = pane.heatmaps["wte"].bar.levels()
        largest = np.abs(views[pane.view_key]).max()
        assert largest <= high <= 2 * largest  # a steady round number above the data
        assert low == (0 if pane.view_key == "mean_abs" else -high)
    np.testing.assert_array_equal(views["grad"], report.grads["wte"])
    np.testing.assert_array_equal(views["value"], report.params["wte"])
    np.testing.assert_array_equal(views["update"], report.updates["wte"])
    d, ema = MEAN_DECAY, 0.0  # every step so far: debiased exponential mean of |grad|
    for r in reports:
        ema = d * ema + (1 - d) * np.abs(r.grads["wte"])
    expected = ema / (1 - d ** len(reports))
    np.testing.assert_allclose(views["mean_abs"], expected, rtol=1e-12)
    assert not np.array_equal(views["grad"], views["value"])


def test_shared_scale_gives_every_matrix_the_same_limits(pane, small_run):
    info, reports, _ = small_run
    pane.on_reset(info)
    pane.on_report(reports[-1])
    largest = max(np.abs(g).max() for g in reports[-1].grads.values())
    top = nice_ceil(largest)  # a round number at or just above the largest gradient
    pane.shared.setChecked(True)
    assert {h.bar.levels() for h in pane.heatmaps.values()} == {(-top, top)}
    pane.shared.setChecked(False)
    for name, heatmap in pane.heatmaps.items():
        own = np.abs(reports[-1].grads[name]).max()
        low, high = heatmap.bar.levels()
        assert low == -high and own <= high <= 2 * own  # steady: moves when own leaves it


def test_colour_scale_stays_put_while_the_data_fit(pane, small_run):
    info, reports, _ = small_run
    pane.on_reset(info)
    pane.on_report(reports[0])
    heatmap = pane.heatmaps["lm_head"]
    top = heatmap.bar.levels()[1]
    heatmap.set_image(np.full(heatmap.shape, 0.6 * top), 0.6 * top)
    assert heatmap.bar.levels()[1] == top
    heatmap.set_image(np.full(heatmap.shape, 3 * top), 3 * top)
    assert heatmap.bar.levels()[1] == nice_ceil(3 * top)


def test_reports_update_items_in_place_and_the_selected_cell(qtbot, pane, small_run):
    info, reports, _ = small_run
    pane.on_reset(info)
    pane.on_report(reports[0])
    items = {name: (h, h.image, h.bar) for name, h in pane.heatmaps.items()}
    click_cell(qtbot, pane, "lm_head", 2, 1)
    pane.inspector.all_digits.setChecked(True)
    pane.on_report(reports[1])
    assert {name: (h, h.image, h.bar) for name, h in pane.heatmaps.items()} == items
    assert float(shown(pane, "grad")) == reports[1].grads["lm_head"][2, 1]
    assert pane.heatmaps["lm_head"].marker.isVisible()


def test_cell_meanings_read_like_the_issue():
    chars = tuple("abe")
    specs = {s.name: s for s in ParamLayout.build(TrainConfig(n_layer=2), len(chars) + 1).specs}
    assert cell_meaning(specs["wte"], 2, 3, chars, 4) == "embedding of 'e', dimension 3"
    assert cell_meaning(specs["wpe"], 4, 0, chars, 4) == "position 4, dimension 0"
    assert "BOS" in cell_meaning(specs["lm_head"], 3, 0, chars, 4)
    assert "head 1" in cell_meaning(specs["layer0.attn_wq"], 5, 0, chars, 4)
    hidden = cell_meaning(specs["layer1.mlp_fc2"], 0, 7, chars, 4)
    assert "hidden neuron 7" in hidden and "layer 1" in hidden


def test_reset_clears_the_run_and_reshapes_only_when_needed(qtbot, pane, small_run, docs):
    info, reports, _ = small_run
    pane.on_reset(info)
    pane.on_report(reports[0])
    click_cell(qtbot, pane, "wte", 0, 0)
    kept = dict(pane.heatmaps)
    pane.on_reset(info)  # Reset with the same shapes: same items, nothing selected, empty state
    assert pane.heatmaps == kept and pane.selected is None
    assert not kept["wte"].marker.isVisible()
    assert not pane.empty.isHidden()
    assert "Click a cell" in pane.inspector.meaning.text()
    bigger = microgpt.Trainer(docs, TrainConfig(n_embd=12, n_head=2, num_steps=5)).info()
    pane.on_reset(bigger)
    assert pane.heatmaps["wte"] is not kept["wte"]
    assert pane.heatmaps["wte"].shape == (bigger.vocab_size, 12)


def overflow(label: QLabel) -> float:
    """How many pixels label's widest unbreakable line sticks out of the label (<= 0: fits)."""
    doc = QTextDocument()
    doc.setDefaultFont(label.font())
    doc.setDocumentMargin(0)
    if label.textFormat() == Qt.PlainText:
        doc.setPlainText(label.text())
    else:
        doc.setHtml(label.text())
    width = label.contentsRect().width()
    doc.setTextWidth(width)  # wraps where it can, as the word-wrapped label does
    return doc.idealWidth() - width


def test_all_digits_fit_the_inspector_in_the_window(make_window, qtbot):
    """At 1280x800, every number, the title and the formula stay inside the side column."""
    win = make_window()
    win.resize(1280, 800)
    with qtbot.waitSignal(win.run.reported, timeout=10000):
        win.step()
    pane = win.gradients
    inspector = pane.inspector
    inspector.all_digits.setChecked(True)
    viewport = inspector.parentWidget()  # the side scroll area's viewport
    for name, row, col in (("wte", 0, 3), ("layer0.mlp_fc1", 63, 15), ("layer0.attn_wo", 15, 15)):
        pane.heatmaps[name].cell_clicked.emit(name, row, col)
        assert inspector.title.text().startswith(f"<b>{name}[")
        QApplication.processEvents()  # the posted relayout of the scroll area and the form
        labels = [w for w in inspector.findChildren(QLabel) if w.isVisibleTo(inspector)]
        assert len(labels) > 12
        assert inspector.width() <= viewport.width(), "the column scrolls sideways"
        for label in labels:
            assert label.geometry().right() < inspector.width(), label.objectName()
            assert overflow(label) <= 0, (name, label.objectName(), label.text())
