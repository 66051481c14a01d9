"""The runs pane (pane.py): the table of the runs kept by time travel, and which of
them the loss pane shows."""
