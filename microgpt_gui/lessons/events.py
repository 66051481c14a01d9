"""Each done event of files.DONE: how the app notices it (a check on the window's state,
after the signals the driver listens to) and how Show me does it (a list of Moves)."""

from collections.abc import Callable

import numpy as np

from microgpt.penguins.data import NUMERIC, SHORT

from .files import Done
from .show_me import Move

FIRST_SAMPLE, LAST_SAMPLE = "sampled at step 0", "sampled after training"
FROM_PREFIX = "sampled after training from "  # + the prefix
READ_FIRST, READ_LAST = "read at step 0: ", "read after training"  # + the name, first
SHOW_NAME = "anna"  # the name Show me types when the learner has not typed one
SECOND_INPUTS = ("bill length", "bill depth", "body mass")  # each beside flipper, lesson 6
TRAINED_STEP = 1000  # "train to step 1000", or to the end of a shorter run


def _surprise(win) -> int | None:
    """The position of the shown step with the largest loss (None: no step shown yet)."""
    strip = win.example.strip
    cells = strip.cells
    if not cells or not strip.with_loss or strip.shown < len(cells):
        return None
    return max(range(len(cells)), key=lambda k: cells[k][3])


def _label_index(win, label: str) -> int | None:
    g = win.graph.graph
    return next((i for i, n in enumerate(g.nodes) if n.label == label), None) if g else None


def _penguin_runs(win) -> list[set[str]]:
    """The inputs of every finished row of the Penguins runs table."""
    table = win.penguins.runs
    rows = []
    for r in range(table.rowCount()):
        inputs, acc = table.item(r, 0), table.item(r, 3)
        if inputs is not None and acc is not None and acc.text():
            rows.append({w.strip() for w in inputs.text().split(",")})
    return rows


def _attention_max_clicked(win) -> bool:
    view = win.example.attention
    row = view.selected_row
    return row is not None and len(row) > 1 and row[view.grid.selected[2]] >= row.max()


def _attention_max_cell(win) -> tuple[int, int, int]:
    """(head, row, column) of the largest weight of head 1's last row."""
    view = win.example.attention
    row = view._weights[max(0, view.layer.currentIndex()), 0, -1]
    return 0, len(row) - 1, int(np.argmax(row))


def trained(win) -> bool:
    run = win.run
    return run.info is not None and (run.finished or run.step >= TRAINED_STEP)


def check(done: Done, win, seen: set[str]) -> bool:
    """Is the task done? `seen`: what the driver has noticed since the lesson started."""
    kind, args, graph = done.kind, done.args, win.graph
    if kind == "most surprised card clicked":
        k = _surprise(win)
        return k is not None and win.example.strip.selected == k
    if kind.startswith("nudged"):
        i = _label_index(win, args[0])
        if i is None or i not in graph.nudged:
            return False
        moved = graph.graph.nodes[i].data - graph.graph.steps[i].const
        return abs(abs(moved) - float(args[1])) < 1e-9
    if kind == "backward pass walked":
        return graph.steps is not None and graph.steps.walking and graph.steps.at_end
    if kind == "descended":
        return "descended" in seen
    if kind.startswith("loss fell"):
        values = graph.descent.plot.values
        return len(values) > int(args[0]) and values[-1] < values[0]
    if kind == "penguins accuracy compared":
        runs = _penguin_runs(win)
        return {"flipper"} in runs and any({"flipper", "bill length"} <= r for r in runs)
    if kind == "penguins second inputs compared":
        runs = _penguin_runs(win)
        return {"flipper"} in runs and all({"flipper", s} in runs for s in SECOND_INPUTS)
    if kind.startswith("phase"):
        return f"phase {args[0]}" in seen
    if kind == "generated before and after training":
        return LAST_SAMPLE in seen
    if kind.startswith("generated before and after training, then"):
        return LAST_SAMPLE in seen and FROM_PREFIX + args[0] in seen
    if kind == "name read at step 0 and after training":
        return READ_LAST in seen
    if kind == "attention row maximum clicked":
        return _attention_max_clicked(win)
    if kind.startswith("lab swept"):
        sweeps = _lab_sweeps(win, args[0])
        if kind.endswith("names"):
            return len({e.specs[0].n_train for e in sweeps}) >= 2
        return bool(sweeps)
    return False


def _lab_sweeps(win, axis: str) -> list:
    """The scale lab's finished experiments on axis with at least 3 runs that trained."""
    return [
        e
        for e in win.panes["experiments_pane"].experiments
        if e.axis == axis
        and e.state == "done"
        and sum(not r.error for r in e.results.values()) >= 3
    ]


def _lab_moves(win, axis: str, few_and_many: bool) -> list[Move]:
    """Choose the lab's presets on axis (both widths for few and many names) and Run each."""
    from microgpt_gui.panes.experiments import form

    pane = win.panes["experiments_pane"]
    box, run = pane.form.preset, pane.run_button
    idle = lambda: pane.sweep is None  # noqa: E731
    chosen = [i for i, p in enumerate(form.PRESETS) if p.axis == axis][: 1 + few_and_many]
    moves = []
    for i in chosen:
        moves += [
            Move(lambda: box, lambda i=i: box.setCurrentIndex(i), idle),
            Move(lambda: run, run.click),
        ]
    return moves


def task_widgets(done: Done, win) -> list:
    """The widgets a lesson's task uses: each must be on screen when the lesson opens."""
    kind, graph, pane = done.kind, win.graph, win.penguins
    button = win.toolbar.widgetForAction
    if kind == "most surprised card clicked":
        return [win.example.strip, button(win.actions_["step"])]
    if kind.startswith("nudged"):
        return [graph.inspector.spin, graph.inspector.slider, graph.inspector.function_plot.widget]
    if kind == "backward pass walked":
        return [graph.restart_button, graph.next_button, graph.view]
    if kind == "descended":
        return [graph.descent.descend, graph.view]
    if kind.startswith("loss fell"):
        return [graph.descent.count, graph.descent.train, graph.descent.plot.widget]
    if kind.startswith("penguins"):
        boxes = [pane.findChild(object, f"penguins_feature_{f}") for f in NUMERIC]
        return [*boxes, pane.reset_button, pane.train, pane.runs]
    if kind.startswith("phase"):
        return [button(win.actions_["step_phase"]), win.example.strip]
    if kind.startswith("generated"):
        sampling = win.sampling
        return [sampling.generate, sampling.prefix, sampling.results, button(win.actions_["play"])]
    if kind.startswith("name read"):
        box = win.example.name_input
        return [box.box, box.read, win.example.strip, button(win.actions_["play"])]
    if kind.startswith("attention"):
        return [win.example.tabs]
    if kind.startswith("lab swept"):
        lab = win.panes["experiments_pane"]
        return [lab.form.preset, lab.run_button, lab.table]
    return []


def show_me(done: Done, win, seen: set[str]) -> list[Move]:
    """The moves that do the task, through the widgets a learner would use."""
    kind, args, graph = done.kind, done.args, win.graph
    button = win.toolbar.widgetForAction
    idle = lambda: not win.playing and not win.run.phase  # noqa: E731
    if kind == "most surprised card clicked":
        strip = win.example.strip
        moves = []
        if _surprise(win) is None:
            moves.append(Move(lambda: button(win.actions_["step"]), win.step, idle))
        ready = lambda: _surprise(win) is not None  # noqa: E731
        return [*moves, Move(lambda: strip, lambda: strip.select(_surprise(win)), ready)]
    if kind.startswith("nudged"):
        spin = graph.inspector.spin

        def nudge() -> None:
            i = _label_index(win, args[0])
            spin.setValue(graph.graph.steps[i].const + float(args[1]))

        return [
            Move(lambda: graph.view, lambda: graph.select_label(args[0])),
            Move(lambda: spin, nudge),
        ]
    if kind == "backward pass walked":
        more = lambda: not graph.steps.at_end  # noqa: E731
        return [
            Move(lambda: graph.restart_button, graph.restart_button.click),
            Move(lambda: graph.next_button, graph.next_button.click, again=more),
        ]
    if kind == "descended":
        return [Move(lambda: graph.descent.descend, graph.descent.descend.click)]
    if kind.startswith("loss fell"):
        bar = graph.descent
        return [
            Move(lambda: bar.count, lambda: bar.count.setValue(int(args[0]))),
            Move(lambda: bar.train, bar.train.click, lambda: not bar.training),
        ]
    if kind == "penguins accuracy compared":
        return _penguin_moves(win, ("bill length",))
    if kind == "penguins second inputs compared":
        return _penguin_moves(win, SECOND_INPUTS)
    if kind.startswith("lab swept"):
        return _lab_moves(win, args[0], kind.endswith("names"))
    if kind.startswith("phase"):
        phase = win.actions_["step_phase"]
        step = Move(lambda: button(phase), phase.trigger, idle)
        more = lambda: win.run.phase != args[0]  # noqa: E731
        ready = lambda: bool(win.run.phase)  # noqa: E731
        return [step, Move(lambda: button(phase), phase.trigger, ready, more)]
    if kind.startswith("generated before and after training"):
        sampling, box = win.sampling, win.toolbar.speed_box
        go = sampling.generate
        fast = lambda: box.setCurrentIndex(box.count() - 1)  # noqa: E731
        play = win.actions_["play"]
        moves = []
        if FIRST_SAMPLE not in seen:
            at_zero = lambda: go.isEnabled() and idle() and win.run.step == 0  # noqa: E731
            moves.append(Move(lambda: go, go.click, at_zero))
        if LAST_SAMPLE not in seen:
            moves += [
                Move(lambda: box, fast, lambda: FIRST_SAMPLE in seen),
                Move(lambda: button(play), play.trigger),
                Move(lambda: go, go.click, lambda: trained(win) and not win.playing),
            ]
        if args:
            prefix = sampling.prefix
            after = lambda: LAST_SAMPLE in seen and go.isEnabled()  # noqa: E731
            moves += [
                Move(lambda: prefix, lambda: prefix.setText(args[0]), after),
                Move(lambda: go, go.click, after),
            ]
        return moves
    if kind.startswith("name read"):
        return _read_moves(win, seen)
    if kind.startswith("attention"):
        tabs, grid = win.example.tabs, win.example.attention.grid
        moves = [Move(lambda: tabs, lambda: tabs.setCurrentWidget(win.example.attention))]
        if win.run.latest is None:
            moves.append(Move(lambda: button(win.actions_["step"]), win.step, idle))
        shown = lambda: grid.isVisible() and grid._w.shape[-1] > 1  # noqa: E731

        def click() -> None:
            grid.selected = _attention_max_cell(win)
            grid.cell_clicked.emit(*grid.selected)

        return [*moves, Move(lambda: grid, click, shown)]
    return []


def _read_moves(win, seen: set[str]) -> list[Move]:
    """Read a name at step 0 (unless read), train to step 1000, read it again."""
    box, play = win.example.name_input, win.actions_["play"]
    button, speed = win.toolbar.widgetForAction, win.toolbar.speed_box
    first = next((s.removeprefix(READ_FIRST) for s in seen if s.startswith(READ_FIRST)), "")
    name = first or SHOW_NAME
    idle = lambda: not win.playing and not win.run.phase  # noqa: E731
    moves = [Move(lambda: box.box, lambda: box.box.setText(name))]
    if not first:
        at_zero = lambda: idle() and win.run.step == 0  # noqa: E731
        moves.append(Move(lambda: box.read, box.read.click, at_zero))
    return [
        *moves,
        Move(lambda: speed, lambda: speed.setCurrentIndex(speed.count() - 1)),
        Move(
            lambda: button(play), play.trigger, lambda: any(s.startswith(READ_FIRST) for s in seen)
        ),
        Move(lambda: box.read, box.read.click, lambda: trained(win) and idle()),
    ]


def _penguin_moves(win, seconds: tuple[str, ...]) -> list[Move]:
    """Train flipper alone, then flipper + each second input, unless its row is there."""
    pane = win.penguins
    boxes = {
        SHORT[f].replace("_", " "): pane.findChild(object, f"penguins_feature_{f}") for f in NUMERIC
    }
    idle = lambda: not pane.training and pane.train.isEnabled()  # noqa: E731

    def only(names) -> Callable[[], None]:
        return lambda: [box.setChecked(n in names) for n, box in boxes.items()]

    moves = []
    for names in [("flipper",)] + [("flipper", s) for s in seconds]:
        if set(names) in _penguin_runs(win):
            continue
        box = boxes[names[-1]]
        moves += [
            Move(lambda box=box: box, only(names), idle),
            Move(lambda: pane.reset_button, pane.reset_button.click, idle),
            Move(lambda: pane.train, pane.train.click, idle),
        ]
    return moves
