"""`microgpt bench`: time per training step, per backend, in a process of its own."""

import json
import statistics
import subprocess
import sys
from time import perf_counter

from .config import TrainConfig
from .data import docs_for
from .trainer import BACKENDS, Trainer

DEFAULT_STEPS = {"scalar": 30, "numpy": 2000}
MAX_BENCH_STEPS, MAX_WARMUP = 1_000_000, 10_000


def median_ms(fn, repeats: int = 7) -> float:
    """The median wall time of fn() over `repeats` calls, in milliseconds."""
    times = []
    for _ in range(repeats):
        t = perf_counter()
        fn()
        times.append(1000 * (perf_counter() - t))
    return statistics.median(times)


def measure(backend: str, steps: int, warmup: int, data: str | None) -> dict:
    """Run warmup + steps training steps; time each step() (the cheap StepPoint) and, apart,
    the report() that the window asks for at most 30 times a second."""
    docs = docs_for(data)
    trainer = Trainer(docs, TrainConfig(num_steps=warmup + steps), backend)
    for _ in range(warmup):
        trainer.step()
    times, reports, tokens = [], [], 0
    for _ in range(steps):
        t0 = perf_counter()
        point = trainer.step()
        t1 = perf_counter()
        trainer.report()
        reports.append(perf_counter() - t1)
        times.append(t1 - t0)
        doc = trainer.docs[(point.step - 1) % len(trainer.docs)]
        tokens += len(trainer.tokens_of(doc)) - 1  # positions predicted
    ms = sorted(t * 1e3 for t in times)
    with_report = statistics.median((t + r) * 1e3 for t, r in zip(times, reports))
    return {
        "backend": backend,
        "steps": steps,
        "median_ms": statistics.median(ms),
        "min_ms": ms[0],
        "max_ms": ms[-1],
        "median_with_report_ms": with_report,
        "steps_per_s": 1e3 / statistics.median(ms),
        "tokens_per_s": tokens / sum(times),
        "peak_rss_mb": _peak_rss_mb(),
    }


def _peak_rss_mb() -> float:
    """Peak resident set size of this process; ru_maxrss is KiB on Linux, bytes on macOS."""
    import resource  # Unix only; imported here so `microgpt --help` works everywhere

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def _in_subprocess(backend: str, args) -> dict:
    # the app bundle's executable is the CLI itself (microgpt_gui/studio.py), not a Python
    this = [sys.executable] if getattr(sys, "frozen", False) else [sys.executable, "-m", "microgpt"]
    cmd = [
        *this,
        "bench",
        "--backend",
        backend,
        "--json",
        "--warmup",
        str(args.warmup),
    ]
    if args.steps:
        cmd += ["--steps", str(args.steps)]
    if args.data:
        cmd += ["--data", args.data]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if out.returncode:
        raise ValueError(f"bench of {backend} failed: {out.stderr.strip()}")
    return json.loads(out.stdout)


def check_args(args) -> None:
    """ValueError with a one-line message for numbers bench cannot use."""
    if args.steps is not None and not 1 <= args.steps <= MAX_BENCH_STEPS:
        raise ValueError(f"--steps must be between 1 and {MAX_BENCH_STEPS:,}, got {args.steps}")
    if not 0 <= args.warmup <= MAX_WARMUP:
        raise ValueError(f"--warmup must be between 0 and {MAX_WARMUP:,}, got {args.warmup}")


def main(args) -> int:
    check_args(args)
    if args.backend != "all":
        result = measure(
            args.backend, args.steps or DEFAULT_STEPS[args.backend], args.warmup, args.data
        )
        results = [result]
    else:  # one process per backend, so each peak RSS is its own
        results = [_in_subprocess(b, args) for b in BACKENDS]
    if args.json:
        for r in results:
            print(json.dumps(r))
        return 0
    print(
        f"{'backend':8} {'steps':>6} {'median ms':>10} {'min ms':>9} {'max ms':>9} "
        f"{'+report ms':>11} {'steps/s':>9} {'tokens/s':>10} {'peak RSS':>9}"
    )
    for r in results:
        print(
            f"{r['backend']:8} {r['steps']:6d} {r['median_ms']:10.3f} {r['min_ms']:9.3f} "
            f"{r['max_ms']:9.3f} {r['median_with_report_ms']:11.3f} {r['steps_per_s']:9.1f} "
            f"{r['tokens_per_s']:10.0f} {r['peak_rss_mb']:7.0f}MB"
        )
    for r in results:
        print(
            f"{r['backend']}: step() with its report takes "
            f"{r['median_with_report_ms'] / r['median_ms']:.2f}x as long as step() alone "
            "(ratio of medians; the window asks for at most 30 reports a second)"
        )
    by = {r["backend"]: r for r in results}
    if "scalar" in by and "numpy" in by:
        print(
            f"numpy/scalar speed-up: {by['scalar']['median_ms'] / by['numpy']['median_ms']:.0f}x"
            " (ratio of medians)"
        )
    else:
        print("numpy/scalar speed-up: run `microgpt bench --backend all` to measure both")
    return 0
