"""How running runs and their sweep talk on one machine: a folder of progress files and a stop file.

Plain strings cross to the workers, so any executor can carry them; a worker on another
machine (dask) finds no folder, reports nothing and can only be cancelled before it starts.
"""

import os
from dataclasses import dataclass

REPORT_EVERY = 100  # steps between progress writes and stop checks (~10-50 ms of training)


class RunCancelled(RuntimeError):
    """A run stopped because its sweep was cancelled."""


@dataclass(frozen=True)
class Channel:
    folder: str

    def _progress_path(self, index: int) -> str:
        return os.path.join(self.folder, f"run{index}.step")

    def report(self, index: int, step: int) -> None:
        """Record that run `index` has done `step` steps (atomically: write, then rename)."""
        path = self._progress_path(index)
        try:
            with open(path + ".tmp", "w", encoding="ascii") as f:
                f.write(str(step))
            os.replace(path + ".tmp", path)
        except OSError:  # the folder is gone (the sweep ended) or on another machine
            pass

    def progress(self, index: int) -> int:
        """Steps run `index` last reported; 0 before its first report."""
        try:
            with open(self._progress_path(index), encoding="ascii") as f:
                return int(f.read() or 0)
        except (OSError, ValueError):
            return 0

    def stop(self) -> None:
        open(os.path.join(self.folder, "stop"), "w").close()

    def stopped(self) -> bool:
        return os.path.exists(os.path.join(self.folder, "stop"))
