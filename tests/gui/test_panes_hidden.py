"""A pane behind another tab skips reports, and draws the latest when it comes forward."""


def test_example_behind_a_tab_catches_up_when_raised(make_window, qtbot):
    win = make_window()
    win.docks["sampling_pane"].raise_()
    qtbot.waitUntil(lambda: win.example.visibleRegion().isEmpty())
    with qtbot.waitSignal(win.run.reported, timeout=5000):
        win.step()
    assert win.example.mean_value is None  # not drawn while hidden
    win.docks["example_pane"].raise_()
    qtbot.waitUntil(lambda: win.example.mean_value is not None, timeout=5000)
    assert "Step 1" in win.example.title.text()


def test_gradients_behind_a_tab_catch_up_when_raised(make_window, qtbot):
    win = make_window()
    win.docks["graph_pane"].raise_()
    qtbot.waitUntil(lambda: win.gradients.visibleRegion().isEmpty())
    with qtbot.waitSignal(win.run.reported, timeout=5000):
        win.step()
    assert not win.gradients.empty.isHidden()  # still the empty state
    win.docks["gradients_pane"].raise_()
    qtbot.waitUntil(lambda: win.gradients.empty.isHidden(), timeout=5000)
    image = win.gradients.heatmaps["wte"].image_data()
    assert (image == win.latest.grads["wte"]).all()
