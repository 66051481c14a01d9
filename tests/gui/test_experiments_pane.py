"""The scale lab pane: a three-point sweep on a process pool fills the table and the plot."""

import concurrent.futures as cf
import csv
import multiprocessing

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit, QPushButton, QTableWidget

from microgpt import default_docs
from microgpt_gui.panes.experiments import ExperimentsPane


def spawned_pool() -> cf.Executor:
    """Worker processes, not threads: a thread of the GUI process that triggers the cyclic GC
    can free Qt objects off the GUI thread (a thread pool here crashed once in paintEvent)."""
    return cf.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn"))


@pytest.fixture
def pane(qtbot):
    pool = spawned_pool()
    p = ExperimentsPane(pool, docs=default_docs()[:600])
    qtbot.addWidget(p)
    p.resize(900, 760)
    p.show()
    yield p
    p.cancel()
    pool.shutdown(wait=True)


def run_sweep(qtbot, pane, values="4, 8, 16", steps=40):
    pane.form.values.setText(values)
    pane.form.steps.setValue(steps)
    run = pane.findChild(QPushButton, "experiments_run")
    with qtbot.waitSignal(pane.experiment_finished, timeout=60_000) as done:
        qtbot.mouseClick(run, Qt.LeftButton)
    return done.args[0]


def test_a_three_point_sweep_fills_the_table_and_the_plot(qtbot, pane, tmp_path):
    exp = run_sweep(qtbot, pane)
    table = pane.findChild(QTableWidget, "experiments_table")
    cells = [[table.item(r, c).text() for c in range(table.columnCount())] for r in range(3)]
    assert [c[0] for c in cells] == ["4", "8", "16"]
    assert [c[1] for c in cells] == ["done"] * 3
    losses = [float(c[3]) for c in cells]
    assert all(0 < x < np.log(27) for x in losses)
    assert [int(c[2].replace(",", "")) for c in cells] == [exp.results[i].params for i in range(3)]
    plot = pane.findChild(pg.PlotWidget, "experiments_plot")
    curve = plot.curves[exp.id]
    assert [f"{y:.4f}" for y in curve.yData] == [c[3] for c in cells]
    assert set(plot.baselines) == {"uniform", "bigram", "trigram"}
    assert plot.baselines["bigram"].value() == pytest.approx(exp.baselines.bigram)
    assert plot.getPlotItem().getAxis("bottom").logMode  # width is plotted on a log axis
    table.selectRow(1)
    text = pane.findChild(QPlainTextEdit, "experiments_samples").toPlainText()
    assert "n_embd 8" in text and "bigram counting" in text
    assert exp.results[1].samples[0] in text and exp.baselines.bigram_samples[0] in text
    # hidden, exported, deleted
    item = pane.list.item(0)
    item.setCheckState(Qt.Unchecked)
    assert exp.id not in plot.curves
    out = tmp_path / "lab.csv"
    pane.export(str(out))
    with open(out, newline="", encoding="utf-8") as f:
        assert [r["value"] for r in csv.DictReader(f)] == ["4", "8", "16"]
    qtbot.mouseClick(pane.findChild(QPushButton, "experiments_delete"), Qt.LeftButton)
    assert pane.experiments == [] and table.rowCount() == 0


def test_a_bad_value_is_a_message_and_nothing_runs(qtbot, pane):
    pane.form.values.setText("4, eight")
    qtbot.mouseClick(pane.findChild(QPushButton, "experiments_run"), Qt.LeftButton)
    assert "whole numbers" in pane.message.text()
    assert pane.experiments == [] and pane.sweep is None


def test_cancel_stops_the_sweep(qtbot, pane):
    pane.form.values.setText("4, 8")
    pane.form.steps.setValue(100_000)
    with qtbot.waitSignal(pane.experiment_finished, timeout=60_000) as done:
        pane.run_button.click()
        qtbot.waitUntil(lambda: any(p > 0 for p in pane.running.progress), timeout=30_000)
        qtbot.mouseClick(pane.cancel_button, Qt.LeftButton)
    assert done.args[0].state == "cancelled"
    assert pane.run_button.isEnabled()
    assert pane.table.item(0, 1).text() == "cancelled"


def test_the_windows_lab_counts_in_its_own_pool_and_closing_the_window_stops_its_runs(
    make_window, qtbot
):
    """No executor passed: the sweep's own pool computes the counting baselines too (the
    click no longer counts on the GUI thread), and a window closed mid-sweep stops the runs
    (an exit would otherwise wait for them) and frees the pool."""
    win = make_window(backend="numpy")
    lab = win.panes["experiments_pane"]
    lab.form.values.setText("4, 8")
    lab.form.steps.setValue(30)
    with qtbot.waitSignal(lab.experiment_finished, timeout=120_000) as done:
        lab.run_button.click()
        assert lab.running.baselines is None  # not counted in the click
    exp = done.args[0]
    assert exp.state == "done" and exp.baselines is not None
    assert set(lab.plot.baselines) == {"uniform", "bigram", "trigram"}
    lab.form.steps.setValue(100_000)
    lab.run_button.click()
    running = lab.running
    qtbot.waitUntil(lambda: any(p > 0 for p in running.progress), timeout=60_000)
    win.close()
    assert running.state == "cancelled" and lab.sweep is None
