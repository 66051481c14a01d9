"""The loss pane (pane.py): the raw and smoothed loss of the run, and the earlier runs
drawn over it (runs_overlay)."""
