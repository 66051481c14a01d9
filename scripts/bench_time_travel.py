"""Time travel: how long going to a step takes, and what the snapshots of a long run hold.

python scripts/bench_time_travel.py            # go-to times; memory of 100k steps by the policy
python scripts/bench_time_travel.py --train-long   # ... and by really training 100,000 steps

Go to step: a 1000-step numpy run of the default model, then goto(k) for k spread over the
run, each timed with microgpt.bench.median_ms; "+ report" adds the detailed report the
window shows after going there. Memory: the Timeline's snapshots and random-stream marks
(Timeline.nbytes) after a 1000-step run, checked against the policy (timeline.planned),
then the policy's figure for 100,000 steps, or the measured one with --train-long.
"""

import argparse
import statistics

from microgpt import TrainConfig, Trainer, default_docs
from microgpt.bench import median_ms
from microgpt.timeline import MARK_BYTES, SNAPSHOT_BUDGET, Timeline, planned

MB = 1e6


def trained(steps: int) -> Timeline:
    tl = Timeline(Trainer(default_docs(), TrainConfig(num_steps=steps), "numpy"))
    for _ in range(steps):
        tl.step()
    return tl


def go_to_times(tl: Timeline, points: int, repeats: int) -> None:
    ks = [round(i * tl.furthest / (points - 1)) for i in range(points)]
    plain = [median_ms(lambda k=k: tl.goto(k), repeats) for k in ks]
    shown = [
        median_ms(lambda k=k: (tl.goto(k), tl.trainer.report(detail=True)), repeats) for k in ks
    ]
    print(f"go to step k of a {tl.furthest}-step numpy run ({points} k from 0 to {tl.furthest}):")
    for what, times in (("goto", plain), ("goto + report", shown)):
        print(
            f"  {what:14s} median {statistics.median(times):7.2f} ms   "
            f"max {max(times):7.2f} ms   min {min(times):6.2f} ms"
        )


def memory(tl: Timeline, train_long: bool) -> None:
    snapshot = tl.snapshots[0].nbytes
    plan = planned(tl.furthest, snapshot)
    print(
        f"snapshots after {tl.furthest} steps: {len(tl.snapshots)} every {tl.interval} steps, "
        f"{tl.nbytes() / MB:.2f} MB measured; policy says {plan[1]} every {plan[0]}"
    )
    if train_long:
        long = trained(100_000)
        interval, count, nbytes = long.interval, len(long.snapshots), long.nbytes()
        how = "measured (100,000 numpy steps trained)"
    else:
        interval, count = planned(100_000, snapshot)
        nbytes = count * snapshot + MARK_BYTES
        how = "from the policy (timeline.planned; --train-long measures it)"
    print(
        f"100,000-step numpy run: {count} snapshots every {interval} steps, "
        f"{nbytes / MB:.1f} MB (budget {SNAPSHOT_BUDGET / MB:.1f} MB), {how}"
    )
    history = 100_000 * 36
    print(f"  + the run's record of its history: {history / MB:.1f} MB (36 bytes a step)")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--points", type=int, default=21, help="how many k to go to")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--train-long", action="store_true", help="train 100,000 steps (~40 s)")
    args = p.parse_args()
    tl = trained(1000)
    go_to_times(tl, args.points, args.repeats)
    memory(tl, args.train_long)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
