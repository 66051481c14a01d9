"""One module per pane.

A training pane is a QWidget that renders snapshots and never touches the Trainer:
    on_reset(info: RunInfo)          a new, reset or loaded run; clear and re-shape
    on_points(points: list[StepPoint])  every step's compact numbers, batched
    on_report(report: StepReport)    the latest full report (at most ~30 per second)
"""
