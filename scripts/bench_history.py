"""What a long run's history costs without the GUI: memory, checkpoint size and load time.

python scripts/bench_history.py --steps 1000000

Builds a trainer whose history holds `--steps` steps (real numpy steps for the first 2000,
then the same points repeated: the cost depends on the count, not on the values), and
measures the history's bytes, the RSS it adds, and a checkpoint's size, save and load time.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np

from microgpt import StepPoints, TrainConfig, Trainer, default_docs


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=1_000_000)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    config = TrainConfig(num_steps=max(args.steps, 2000))
    real = Trainer(default_docs(), config, "numpy")
    for _ in range(2000):
        real.step()
    seed = real.history.points()
    before = rss_mb()
    reps = -(-args.steps // len(seed))
    history = StepPoints(
        first=1,
        loss=np.tile(seed.loss, reps)[: args.steps],
        lr=np.tile(seed.lr, reps)[: args.steps],
        grad_norms=np.tile(seed.grad_norms, (reps, 1))[: args.steps],
    )
    t = Trainer.from_state(
        real.docs,
        config,
        "numpy",
        params=real.params,
        m=real.m,
        v=real.v,
        rng_state=real.rng.getstate(),
        history=history,
    )
    del history
    added = rss_mb() - before
    print(f"{args.steps:,} steps of history: {t.history.nbytes() / args.steps:.0f} bytes/step")
    print(f"  RSS added by the trainer's history: {added:.1f} MB")
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "run.npz")
        saves, loads = [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            t.save(path)
            saves.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            Trainer.load(path)
            loads.append(time.perf_counter() - t0)
        size = os.path.getsize(path) / 2**20
    print(f"  checkpoint: {size:.1f} MB")
    save, load = statistics.median(saves), statistics.median(loads)
    print(f"  save: median {save:.2f} s, load: median {load:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
