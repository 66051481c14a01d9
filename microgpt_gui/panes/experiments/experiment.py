"""An experiment of the lab pane: its specs, the results that arrived, its baselines."""

import itertools
import math
from dataclasses import dataclass, field

from microgpt.lab import AXES, Baselines, RunResult, RunSpec
from microgpt.lab.table import value_text

_ids = itertools.count(1)


@dataclass
class Experiment:
    """One sweep, kept like a run: shown or hidden on the plot, deleted, exported."""

    axis: str
    specs: list[RunSpec]
    baselines: Baselines | None = None
    results: dict[int, RunResult] = field(default_factory=dict)  # run index -> result
    progress: list[float] = field(default_factory=list)  # per run, 0..1
    state: str = "running"  # running | done | cancelled
    shown: bool = True
    id: int = field(default_factory=lambda: next(_ids))

    @property
    def name(self) -> str:
        values = ", ".join(value_text(s.value) for s in self.specs)
        return f"#{self.id} {AXES[self.axis].name} {values}"

    def points(self) -> tuple[list[float], list[float]]:
        """(axis values, final held-out losses) of the finished runs, in value order."""
        done = sorted(
            (r.spec.value, r.final_held_out)
            for r in self.results.values()
            if math.isfinite(r.final_held_out)
        )
        return [float(x) for x, _ in done], [y for _, y in done]

    def status(self, i: int) -> str:
        """Run i as the table's progress column says it."""
        r = self.results.get(i)
        if r is not None:
            return "failed" if r.error else "done"
        if self.state == "cancelled":
            return "cancelled"
        p = self.progress[i] if i < len(self.progress) else 0.0
        return f"{p:.0%}" if p > 0 else "waiting"
