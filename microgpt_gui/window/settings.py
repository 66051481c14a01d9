"""What the window remembers between starts (QSettings): its geometry and dock layout, the
graph pane's program and the training speed."""

from PySide6.QtCore import QByteArray, QSettings

from microgpt_gui.run.commands import DEFAULT_SPEED, SPEEDS

# of the saved dock layout (2: the Penguins dock, 3: the Runs dock, 4: the Lessons dock);
# a layout saved by another version is not restored
VERSION = 4


def settings() -> QSettings:
    return QSettings("microgpt", "studio")


def restore(win) -> bool:
    """Put back what `save` kept; True if the dock layout was restored."""
    s = settings()
    geometry, state = s.value("window/geometry"), s.value("window/state")
    if isinstance(geometry, QByteArray):
        win.restoreGeometry(geometry)
    restored = isinstance(state, QByteArray) and win.restoreState(state, VERSION)
    source = s.value("graph/program")
    if isinstance(source, str) and source.strip():  # the first start keeps y = 3x
        win.graph.set_source(source)
    raw = str(s.value("training/speed", DEFAULT_SPEED))
    names = {("max" if choice is None else str(choice)): choice for choice in SPEEDS}
    win.toolbar.set_speed(names.get(raw, DEFAULT_SPEED))
    return restored


def save(win) -> None:
    s = settings()
    s.setValue("window/geometry", win.saveGeometry())
    s.setValue("window/state", win.saveState(VERSION))
    s.setValue("graph/program", win.graph.source())


def save_speed(speed) -> None:
    settings().setValue("training/speed", "max" if speed is None else speed)


def first_lessons_launch() -> bool:
    """True until it has been asked once: the first launch opens the Lessons pane."""
    s = settings()
    first = not s.value("lessons/opened", False, type=bool)
    s.setValue("lessons/opened", True)
    return first
