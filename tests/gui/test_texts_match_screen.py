"""Texts that say what the screen shows (issue 21, items 5, 6 and 14): one name per
parameter, the pace and the rate of Play, colours and their words, phase notes, the update
view, the loss after the update, empty samples, the room of the cards, run names as text."""

from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QAction, QColor, QFontMetricsF
from PySide6.QtWidgets import QLabel, QSlider, QTreeWidget
from test_panes_plain_text import MARKUP, rendered

from microgpt import TrainConfig
from microgpt.report import cell_name
from microgpt_gui import theme
from microgpt_gui.panes.example.pane import told_apart
from microgpt_gui.panes.example.strip import CELL_H, GAP, PALE, confidence_colour

CONFIG = TrainConfig(num_steps=50)


def stepped(make_window, qtbot, steps=1, **kw):
    """A window whose run has taken `steps` steps and shows the last one."""
    win = make_window(config=kw.pop("config", CONFIG), backend=kw.pop("backend", "numpy"), **kw)
    win.play(steps)
    qtbot.waitUntil(lambda: win.latest is not None and win.latest.step == steps, timeout=20000)
    qtbot.waitUntil(lambda: not win.run.playing, timeout=5000)
    return win


def click_cell(qtbot, pane, name: str, row: int, col: int) -> None:
    """Hover then click the centre of name[row, col] through the heatmap's viewport."""
    heatmap = pane.heatmaps[name]
    pane.scroll.ensureWidgetVisible(heatmap)
    qtbot.waitUntil(lambda: heatmap.plot.getPlotItem().getViewBox().width() > 0)
    view = heatmap.plot
    pos = view.mapFromScene(heatmap.cell_center(row, col))
    qtbot.mouseMove(view.viewport(), pos)
    with qtbot.waitSignal(heatmap.cell_clicked):
        qtbot.mouseClick(view.viewport(), Qt.LeftButton, pos=pos)


def test_a_parameter_has_one_name_in_the_inspector_the_trace_and_tooltips(make_window, qtbot):
    win = stepped(make_window, qtbot)
    report, pane = win.latest, win.gradients
    row = report.tokens[1]  # the name's first char: lm_head['x'][11]
    spec = pane.specs["lm_head"]
    name = cell_name(spec, row, 11, report.chars)
    assert name == f"lm_head['{report.chars[row]}'][11]"
    click_cell(qtbot, pane, "lm_head", row, 11)
    inspector = pane.inspector
    assert rendered(inspector.title.text(), inspector.title.textFormat()).startswith(name)
    assert rendered(pane.heatmaps["lm_head"].plot.toolTip()).startswith(f"{name} = ")
    split_sum = inspector.findChild(QLabel, "inspector_split_sum")
    qtbot.waitUntil(lambda: name in split_sum.text(), timeout=10000)
    with qtbot.waitSignal(win.run.traced, timeout=10000):
        qtbot.mouseClick(inspector.trace, Qt.LeftButton)
    title = win.findChild(QLabel, "graph_trace_title")
    qtbot.waitUntil(lambda: title.text().startswith(f"Trace of {name}, step 1"), timeout=5000)
    assert win.graph.trace.view.shown[win.graph.trace.view.root].name == name


def achieved(win) -> float:
    """The steps/s figure the status bar says Play achieved."""
    text = win.status_text.text()
    return float(text.split(" steps/s achieved")[0].rsplit("· ", 1)[1])


def test_the_status_bar_names_the_pace_set_and_the_rate_achieved(make_window, qtbot):
    win = make_window(config=TrainConfig(num_steps=1000), backend="numpy", speed=50)
    status = win.status_text
    assert "pace 50/s set" in status.text() and "achieved" not in status.text()
    win.findChild(QAction, "action_play").trigger()
    qtbot.waitUntil(lambda: win.run.step >= 25 and "achieved" in status.text(), timeout=20000)
    playing = achieved(win)
    with qtbot.waitSignal(win.run.playing_changed, timeout=10000):
        win.findChild(QAction, "action_play").trigger()
    # a paced Play cannot go faster than its pace (the engine alone does ~2000 steps/s); the
    # margin: a tick handled late by a busy window shortens the measured span a little
    assert 0 < playing <= 75 and 0 < achieved(win) <= 75
    assert "pace 50/s set" in status.text()


def phase_step(qtbot, win, phase: str) -> None:
    """Press Shift+S and wait until the run shows `phase`."""
    with qtbot.waitSignal(
        win.run.phase_changed, timeout=10000, check_params_cb=lambda p, r: p == phase
    ):
        qtbot.keyClick(win, Qt.Key_S, Qt.ShiftModifier)


def card_colours(strip) -> list[QColor]:
    """The fill of each drawn card, read off the painted strip (left of its centred text)."""
    image = strip.grab().toImage()
    cw = strip._cell_width()
    return [
        image.pixelColor(round(GAP + k * (cw + GAP) + 5), GAP + CELL_H // 2)
        for k in range(strip.shown)
    ]


def distance(a: QColor, b: QColor) -> int:
    return sum(abs(x - y) for x, y in zip(a.getRgb()[:3], b.getRgb()[:3]))


def test_card_colours_match_their_words_from_the_untrained_model_on(make_window, qtbot):
    win = stepped(make_window, qtbot)
    strip, report = win.example.strip, win.latest
    vocab = len(report.chars) + 1
    tip = strip.toolTip()
    assert "pale yellow when no better than a blind guess" in tip and f"p = 1/{vocab}" in tip
    assert confidence_colour(1.0, vocab) == theme.GOOD  # green: sure and right
    assert confidence_colour(1 / vocab, vocab) == PALE  # a blind guess
    assert confidence_colour(vocab**-2, vocab) == theme.BAD  # surprised
    # the untrained model guesses blindly (p ≈ 1/27): every card is pale, none orange-red
    colours = card_colours(strip)
    assert len(colours) == report.n
    for colour, (_, _, p, _) in zip(colours, strip.cells):
        assert distance(colour, confidence_colour(p, vocab)) <= 6  # drawn as computed
        assert distance(colour, PALE) < distance(colour, theme.BAD), (p, colour.name())


def test_the_loss_phase_note_has_its_heading_like_the_others(make_window, qtbot):
    win = make_window(config=CONFIG, backend="numpy")
    for phase in ("forward", "loss", "backward", "update"):
        heading = f"{phase.capitalize()}."
        phase_step(qtbot, win, phase)
        assert win.example.mean.text().startswith(f"<b>{heading}</b>"), phase


def test_the_loss_after_the_update_shows_the_digits_that_changed(make_window, qtbot):
    # the last step of a run decays the smallest allowed rate to 1e-4 / 100: it moves the loss
    # in the 5th decimal, as step 1000 of 1000 does
    config = TrainConfig(num_steps=100, learning_rate=1e-4)
    win = stepped(make_window, qtbot, steps=100, config=config)
    r, text = win.latest, win.example.after.text()
    before, after = text.split(" costs ")[1].split(" (")[0].split(" → ")
    assert before != after and f"{r.loss:.3f}" == f"{r.loss_after:.3f}"
    assert (float(after) < float(before)) == (r.loss_after < r.loss)
    verdict = "lower: the step helped" if r.loss_after < r.loss else "higher: this step"
    assert verdict in text
    assert told_apart(2.5, 2.5) == ("2.5", "2.5")  # 'unchanged' only when they are equal


def outlined(heatmap, row: int) -> bool:
    return heatmap.outline.path().contains(QPointF(0.5, row + 0.5))


def test_the_update_view_says_which_rows_move_and_outlines_them(make_window, qtbot):
    win = stepped(make_window, qtbot, steps=12)
    pane, r = win.gradients, win.latest
    pane.view.setCurrentIndex(pane.view.findData("update"))
    hint = pane.hint.text()
    assert "about the same" not in hint and "momentum" in hint and "stay still" in hint
    moved = r.updates["wte"].any(axis=1)
    used = set(r.tokens[: r.n])
    carried = [row for row in range(len(moved)) if moved[row] and row not in used]
    still = [row for row in range(len(moved)) if not moved[row]]
    assert carried and still  # momentum moved rows this name did not use; some never moved
    wte = pane.heatmaps["wte"]
    assert all(outlined(wte, row) for row in used | set(carried))
    assert not any(outlined(wte, row) for row in still)
    assert all(outlined(pane.heatmaps["lm_head"], row) for row in range(len(moved)))
    pane.view.setCurrentIndex(pane.view.findData("grad"))  # back to the rows used
    assert not any(outlined(wte, row) for row in carried)
    assert not outlined(pane.heatmaps["lm_head"], 0)


def test_an_empty_name_is_neither_new_nor_in_the_data(make_window, qtbot):
    win = make_window(config=CONFIG, backend="numpy")
    pane = win.sampling
    win.docks["sampling_pane"].raise_()
    pane.temperature.setValue(1.0)
    pane.count.setValue(20)
    pane.seed.setText("0")  # the untrained model's 20 names at T = 1, seed 0: one is empty
    with qtbot.waitSignal(win.run.sampled, timeout=10000) as blocker:
        qtbot.mouseClick(pane.generate, Qt.LeftButton)
    samples = blocker.args[0]
    empty = [k for k, s in enumerate(samples) if s.text == ""]
    assert len(empty) == 1 and not any(s.in_data for s in samples)
    item = pane.results.item(empty[0])
    assert item.text() == "(empty name)    — empty, neither new nor in the data"
    assert "neither new nor in the data" in rendered(item.toolTip())
    assert pane.summary.text().startswith(
        "19 of 20 names are new (made up by the model); 1 is empty (the model ended at once)."
    )


def test_a_run_name_is_plain_text_wherever_it_is_shown(make_window, qtbot):
    win = stepped(make_window, qtbot, steps=20, config=TrainConfig(num_steps=80))
    runs = win.findChild(QTreeWidget, "runs_list")
    qtbot.waitUntil(lambda: runs.topLevelItemCount() == 1, timeout=5000)
    runs.topLevelItem(0).setText(0, MARKUP)  # double-click and type, as the learner does
    qtbot.waitUntil(lambda: win.run.timeline.runs[0].name == MARKUP, timeout=5000)
    win.findChild(QSlider, "timeline").setValue(10)
    qtbot.waitUntil(lambda: win.run.step == 10, timeout=10000)
    win.toolbar.lr_box.setValue(0.05)  # a branch: the new run comes 'from <markup> at step 10'
    qtbot.waitUntil(lambda: runs.topLevelItemCount() == 2, timeout=5000)
    current, old = runs.topLevelItem(0), runs.topLevelItem(1)
    assert f"from {MARKUP} at step 10" in current.text(4)
    assert f"from {MARKUP} at step 10" in rendered(current.toolTip(4))
    assert rendered(old.toolTip(0)) == MARKUP and old.text(0) == MARKUP
    legend = win.time_travel.overlay.legend
    qtbot.waitUntil(legend.isVisible, timeout=5000)
    assert MARKUP in rendered(legend.text(), legend.textFormat())
    y = float(win.run.history.loss[4])  # hover over step 5's point
    win.loss.plot.scene().sigMouseMoved.emit(
        win.loss.plot.getPlotItem().vb.mapViewToScene(QPointF(5, y))
    )
    readout = win.loss.readout
    assert readout.textFormat() == Qt.PlainText and MARKUP in readout.text()


def test_the_gradients_empty_text_leaves_the_first_title_readable(make_window, qtbot):
    win = make_window(config=CONFIG, backend="numpy")  # first launch: no step yet
    win.resize(1280, 800)
    pane = win.gradients
    empty, title = pane.empty, pane.heatmaps["wte"].title
    qtbot.waitUntil(title.isVisible, timeout=3000)  # the grid lays the heatmaps out
    assert empty.isVisible()

    def title_rect():
        return QRect(title.mapTo(pane.scroll, QPoint(0, 0)), title.size())

    qtbot.waitUntil(lambda: not empty.geometry().intersects(title_rect()), timeout=3000)
    assert pane.scroll.rect().contains(empty.geometry().topLeft())


def test_cards_fit_the_pane_up_to_block_size_positions(qtbot):
    from microgpt_gui.app import MainWindow

    long_names = ["abcdefghijklmnopqrst", "mississippiriverbank"]  # 16 positions each
    win = MainWindow(docs=long_names, config=CONFIG, backend="numpy", restore_settings=False)
    qtbot.addWidget(win)
    try:
        win.resize(1280, 800)
        win.show()
        qtbot.waitUntil(lambda: win.info is not None, timeout=5000)
        with qtbot.waitSignal(win.run.reported, timeout=10000):
            win.step()
        pane, strip = win.example, win.example.strip
        assert len(strip.cells) == CONFIG.block_size
        qtbot.waitUntil(lambda: strip.width() <= pane.scroll.viewport().width(), timeout=3000)
        assert not pane.scroll.horizontalScrollBar().isVisible()
        assert strip.cell_rect(len(strip.cells) - 1).right() <= strip.width()
        for k in range(len(strip.cells)):
            lines = strip.cell_lines(k)
            font, bold = strip.card_fonts(lines)
            assert font.pointSizeF() >= 6
            for text, is_bold in lines:
                width = QFontMetricsF(bold if is_bold else font).horizontalAdvance(text)
                assert width <= strip.cell_rect(k).width() - 4, (k, text)
        strip.grab().save("/tmp/shots21/cards_16.png")
    finally:
        assert win.shutdown()
