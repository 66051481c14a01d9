"""One folder per pane, its main class in pane.py; envelope.py and steady_range.py are
the plot pieces the loss and gradients panes share.

A training pane is a QWidget that takes the RunState in its constructor and
subscribes to what it needs (reset, advanced, reported); it renders snapshots and
never touches the Trainer, the worker or the window. A pane behind another tab only
remembers the latest report (see on_screen).
"""

from PySide6.QtWidgets import QWidget


def on_screen(widget: QWidget) -> bool:
    """Is any of widget visible? A dock behind another tab is 'visible' to Qt 6.11 but
    has an empty visible region; it gets a paint event when its tab comes forward."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()
