"""What Trainer.trace costs on the default model (n_embd 16, 4 heads, 1 layer): one random cell
of every matrix after each of the first steps, and the worst case, the longest name traced
from wte[BOS] and wpe[0], whose uses reach every position.

python scripts/bench_trace.py [--steps 12] [--backend scalar|numpy] [--data names.txt]
"""

import argparse
import random
import statistics
import time

from microgpt import TrainConfig, Trainer, default_docs, load_docs


def timed(trainer: Trainer, name: str, row: int, col: int) -> tuple[float, int]:
    t = time.perf_counter()
    trace = trainer.trace(name, row, col)
    return 1000 * (time.perf_counter() - t), len(trace.nodes)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--backend", default="scalar")
    ap.add_argument("--data", help="a names file (default: the bundled names)")
    args = ap.parse_args()
    docs, rng = load_docs(args.data) if args.data else default_docs(), random.Random(0)
    trainer = Trainer(docs, TrainConfig(), args.backend)
    times = []
    for _ in range(args.steps):
        trainer.step()
        for spec in trainer.layout.specs:
            rows, cols = spec.shape
            times.append(timed(trainer, spec.name, rng.randrange(rows), rng.randrange(cols))[0])
    median, top = statistics.median(times), max(times)
    print(
        f"{len(times)} traces after steps 1..{args.steps}: median {median:.0f} ms, max {top:.0f} ms"
    )
    # the worst case: move the longest name to the front of the training order
    worst = Trainer(docs, TrainConfig(), args.backend)
    i = max(range(len(worst.docs)), key=lambda k: len(worst.docs[k]))
    worst.docs[0], worst.docs[i] = worst.docs[i], worst.docs[0]
    worst.step()
    bos = worst.tokenizer.bos
    for name, row in (("wte", bos), ("wpe", 0), ("lm_head", 0)):
        runs = [timed(worst, name, row, 3) for _ in range(5)]
        ms = statistics.median(r[0] for r in runs)
        print(
            f"longest name {worst.last_step.doc!r}: {name}[{row}][3] median {ms:.0f} ms "
            f"({runs[0][1]} named nodes)"
        )


if __name__ == "__main__":
    main()
