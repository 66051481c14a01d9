"""Many lab runs on any concurrent.futures.Executor: results as they finish, progress, cancel.

The default executor is a process pool sized to the cores (spawned workers: forking a
process that runs Qt threads can deadlock). A dask client's `get_executor()` works as is:
only train_run and plain data (RunSpec, Split, Channel) are submitted.
"""

import concurrent.futures as cf
import multiprocessing
import os
import tempfile
from collections.abc import Iterator

from .channel import Channel, RunCancelled
from .runner import RunResult, RunSpec, train_run
from .split import Split


def default_executor(n_runs: int, max_workers: int | None = None) -> cf.Executor:
    """A spawned process pool of min(cores, runs) workers (or max_workers)."""
    workers = max_workers or max(1, min(os.cpu_count() or 1, n_runs))
    return cf.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))


def _succeeded(f: cf.Future) -> bool:
    return f.done() and not f.cancelled() and f.exception() is None


class Sweep:
    """The runs of one experiment, submitted at once; poll() or as_completed() collects them."""

    def __init__(
        self,
        specs: list[RunSpec],
        split: Split,
        executor: cf.Executor | None = None,
        max_workers: int | None = None,
    ):
        self.specs = list(specs)
        self._folder = tempfile.TemporaryDirectory(prefix="microgpt-lab-")
        self.channel = Channel(self._folder.name)
        self._own = executor is None
        self.executor = executor or default_executor(len(self.specs), max_workers)
        self.futures = [
            self.executor.submit(train_run, spec, split, i, self.channel)
            for i, spec in enumerate(self.specs)
        ]
        self._collected: set[int] = set()
        self.cancelled = False

    def _result(self, i: int) -> RunResult | None:
        """Run i's result once its future is done; None if it was cancelled."""
        f = self.futures[i]
        if f.cancelled():
            return None
        e = f.exception()
        if isinstance(e, RunCancelled):
            return None
        if e is not None:
            return RunResult.failed(self.specs[i], i, str(e) or type(e).__name__)
        return f.result()

    def poll(self) -> list[RunResult]:
        """Results of the runs finished since the last poll; never waits."""
        out = []
        for i, f in enumerate(self.futures):
            if i not in self._collected and f.done():
                self._collected.add(i)
                r = self._result(i)
                if r is not None:
                    out.append(r)
        return out

    def as_completed(self, timeout: float | None = None) -> Iterator[RunResult]:
        """Each run's result as it finishes (cancelled runs are skipped)."""
        index = {f: i for i, f in enumerate(self.futures)}
        for f in cf.as_completed(self.futures, timeout):
            i = index[f]
            self._collected.add(i)
            r = self._result(i)
            if r is not None:
                yield r

    def progress(self) -> list[float]:
        """Per run, the share of its steps done (from the channel; 1.0 once it has a result)."""
        return [
            1.0 if _succeeded(f) else self.channel.progress(i) / s.config.num_steps
            for i, (f, s) in enumerate(zip(self.futures, self.specs))
        ]

    @property
    def done(self) -> bool:
        return all(f.done() for f in self.futures)

    def cancel(self) -> None:
        """Stop: pending runs never start, running ones stop at their next check."""
        self.cancelled = True
        self.channel.stop()
        for f in self.futures:
            f.cancel()
        if self._own:
            self.executor.shutdown(wait=False, cancel_futures=True)

    def close(self, wait: bool = True) -> None:
        """Free the pool and the channel's folder once every run has ended (cancel() first
        to stop them); wait=False returns at once, the folder (with its stop file, which the
        running runs still read) is removed when the last run ends."""
        if self._own:
            self.executor.shutdown(wait=wait)
        if wait:
            cf.wait(self.futures)
            self._folder.cleanup()
            return
        for f in self.futures:  # the callbacks keep this sweep, and its folder, alive
            f.add_done_callback(self._cleanup_when_done)

    def _cleanup_when_done(self, _future) -> None:
        if self.done:
            self._folder.cleanup()

    def __enter__(self) -> "Sweep":
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is not None:
            self.cancel()
        self.close()
