"""What the worker's side keeps per step of a long run (issue 21 item 18), with tracemalloc.

The trainer's history is the one per-step store: 36 bytes a step with the default model
(loss and lr float64, 10 gradient norms float16), shared with the timeline's record at the
furthest step. The timeline's snapshots stay within their budget; nothing else grows.
"""

import tracemalloc
from pathlib import Path

from microgpt import TrainConfig, Trainer, default_docs
from microgpt.timeline import Timeline

CORE = Path(__file__).resolve().parents[2] / "microgpt"
BUDGET = 2**20  # small, so the snapshots are at their budget within the first steps


def test_the_trainer_and_timeline_keep_36_bytes_a_step():
    docs = default_docs()[:100]  # every document encoded (a cache per document) early on
    tl = Timeline(Trainer(docs, TrainConfig(num_steps=100_000), "numpy"), budget=BUDGET)
    tracemalloc.start()
    try:
        for _ in range(3000):
            tl.step()
        before, n = tracemalloc.take_snapshot(), tl.trainer.step_count
        for _ in range(n):  # to twice the step
            tl.step()
        after = tracemalloc.take_snapshot()
    finally:
        tracemalloc.stop()
    assert tl.record is tl.trainer.history and tl.trainer.history.nbytes() == 36 * 2 * n
    assert tl.nbytes() <= BUDGET
    own = [tracemalloc.Filter(False, tracemalloc.__file__)]  # the snapshot `before` itself
    after, before = after.filter_traces(own), before.filter_traces(own)
    grown = {s.traceback[0].filename: s.size_diff for s in after.compare_to(before, "filename")}
    snapshots = grown.pop(str(CORE / "timeline.py"), 0)
    history = grown.pop(str(CORE / "history.py"), 0)
    assert snapshots <= BUDGET and history <= 36 * 1.5 * 2 * n  # its arrays grow by half
    others = {f: b / n for f, b in grown.items() if b > 0}
    assert sum(others.values()) < 1, f"other stores, bytes/step: {others}"
