"""The scale lab's speed: a five-point width sweep with 1 and 2 workers, and the numpy step time.

python scripts/bench_lab.py [--repeats 3] [--steps 5000] [--widths 4,8,16,32,64]

Sweep: n_embd over --widths, --steps steps each, all training names of the bundled data,
the default process pool (spawned workers, so start-up is included), wall time of the whole
sweep. Step: one numpy train_pass + Adam on a training name, n_embd 16 to 128 (n_head 4,
1 layer, block_size 16), median over 2000 steps after 100 warm-up steps. Medians are printed.
"""

import argparse
import os
import random
import statistics
import time

import numpy as np

from microgpt import TrainConfig, default_docs
from microgpt.fast import NumpyBackend
from microgpt.lab import Sweep, make_split, specs_for_axis
from microgpt.lab.runner import window
from microgpt.model import ParamLayout, init_params
from microgpt.optim import lr_at


def sweep_seconds(split, widths, steps, workers) -> float:
    specs = specs_for_axis("n_embd", widths, TrainConfig(num_steps=steps), len(split.train))
    t0 = time.perf_counter()
    with Sweep(specs, split, max_workers=workers) as sweep:
        results = list(sweep.as_completed())
    assert len(results) == len(specs) and not any(r.error for r in results)
    return time.perf_counter() - t0


def step_ms(split, n_embd: int, steps: int = 2000) -> float:
    cfg = TrainConfig(n_embd=n_embd, num_steps=steps + 100)
    v = split.tokenizer.vocab_size
    layout = ParamLayout.build(cfg, v)
    rng = random.Random(0)
    params, backend = init_params(layout, rng, 0.08), NumpyBackend(cfg, layout, v)
    m, s2 = np.zeros(layout.size), np.zeros(layout.size)
    tokens = [split.tokens(d) for d in split.train[: steps + 100]]
    times = []
    for s in range(steps + 100):
        t0 = time.perf_counter()
        p = backend.train_pass(params, window(tokens[s], cfg.block_size, rng))
        backend.adam(params, p.grads, m, s2, s, lr_at(cfg, s), cfg)
        times.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(times[100:])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--steps", type=int, default=5000)
    ap.add_argument("--widths", default="4,8,16,32,64")
    args = ap.parse_args()
    split = make_split(default_docs())
    widths = [int(w) for w in args.widths.split(",")]
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    for e in (16, 32, 64, 128):
        print(f"numpy step, n_embd {e:3d}: median {step_ms(split, e):.3f} ms", flush=True)
    for workers in (1, 2):
        runs = [sweep_seconds(split, widths, args.steps, workers) for _ in range(args.repeats)]
        print(
            f"sweep n_embd {args.widths} x {args.steps} steps, {workers} worker(s): "
            f"median {statistics.median(runs):.1f} s (runs {', '.join(f'{r:.1f}' for r in runs)})",
            flush=True,
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
