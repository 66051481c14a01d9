"""The scale lab: many small models trained side by side, against counting baselines.

split.py holds the fixed held-out names and the held-out loss of any parameters;
baselines.py the uniform guess and the bigram/trigram counting models; runner.py one
run (a spec in, plain results out); channel.py the progress and stop files a run shares
with its sweep; sweep.py many runs on any concurrent.futures Executor, cancellable,
results as they finish; table.py a sweep's text table and CSV; cli.py `microgpt sweep`.
Nothing here imports Qt.
"""

from .baselines import Baselines, NgramModel, compute_baselines
from .runner import AXES, RunResult, RunSpec, specs_for_axis
from .split import Split, held_out_loss, make_split
from .sweep import Sweep

__all__ = [
    "AXES",
    "Baselines",
    "NgramModel",
    "RunResult",
    "RunSpec",
    "Split",
    "Sweep",
    "compute_baselines",
    "held_out_loss",
    "make_split",
    "specs_for_axis",
]
