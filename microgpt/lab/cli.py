"""`microgpt sweep`: train one model per value of one setting and print a table."""

import concurrent.futures as cf
import sys

from ..config import TrainConfig
from ..data import docs_for
from ..errors import ConfigError
from .baselines import compute_baselines
from .runner import AXES, specs_for_axis
from .split import make_split
from .sweep import Sweep
from .table import format_table, write_csv

MAX_RUNS = 50


def parse_values(axis: str, text: str) -> list:
    """'4,8,16' as numbers of the axis's kind; a clear ValueError for anything else."""
    kind, parts = AXES[axis].kind, [p.strip() for p in text.split(",") if p.strip()]
    if not 1 <= len(parts) <= MAX_RUNS:
        raise ValueError(f"--values: give 1 to {MAX_RUNS} values separated by commas")
    try:
        values = [kind(p) for p in parts]
    except ValueError:
        what = "whole numbers" if kind is int else "numbers"
        raise ValueError(f"--values: {axis} takes {what}, got {text!r}") from None
    if len(set(values)) != len(values):
        raise ValueError("--values: a value is listed twice")
    return values


def progress_bar(progress: list[float], width: int = 30) -> str:
    """[#######.......] 2/5 runs done, 48%."""
    share = sum(progress) / len(progress)
    filled = round(width * share)
    done = sum(p >= 1 for p in progress)
    return f"[{'#' * filled}{'.' * (width - filled)}] {done}/{len(progress)} runs, {share:.0%}"


def cmd_sweep(args) -> int:
    values = parse_values(args.axis, args.values)
    split = make_split(docs_for(args.data))
    n_train = len(split.train) if args.names is None else args.names
    if not 1 <= n_train <= len(split.train):
        raise ValueError(f"--names must be 1 to {len(split.train)} (the rest are held out)")
    try:
        base = TrainConfig(
            n_embd=args.n_embd, n_layer=args.n_layer, block_size=args.block_size,
            learning_rate=args.lr, num_steps=args.steps, seed=args.seed,
        )  # fmt: skip
        specs = specs_for_axis(args.axis, values, base, n_train)
    except ConfigError as e:
        raise ConfigError(f"--values / settings: {e}") from None
    if args.axis == "names" and max(values) > len(split.train):
        raise ValueError(f"--values: at most {len(split.train)} training names")
    results, shown = [], ""
    with Sweep(specs, split, max_workers=args.workers) as sweep:
        while not sweep.done:
            results += sweep.poll()
            bar = progress_bar(sweep.progress())
            if bar != shown:  # redrawn in place, only when it changes
                print("\r" + bar, end="", file=sys.stderr, flush=True)
                shown = bar
            running = [f for f in sweep.futures if not f.done()]
            cf.wait(running, timeout=0.25, return_when=cf.FIRST_COMPLETED)
        results += sweep.poll()
    print("\r" + progress_bar([1.0] * len(specs)), file=sys.stderr, flush=True)
    baselines = compute_baselines(split, n_train=max(values) if args.axis == "names" else n_train)
    print(f"{AXES[args.axis].label}, {len(split.held_out)} held-out names")
    print(format_table(results, baselines))
    if args.csv:
        write_csv(args.csv, [(f"{args.axis} sweep", results)])
        print(f"wrote {args.csv}")
    return 0


def add_sweep_parser(sub) -> None:
    """The `sweep` subcommand, on the main parser's subparsers."""
    d = TrainConfig()
    w = sub.add_parser(
        "sweep",
        help="train one model per value of a setting; print held-out losses",
        description="Train one small model per value of one setting (numpy engine, runs in "
        "parallel), score each on the same held-out names, and print a table beside the "
        "counting baselines (uniform, bigram, trigram).",
    )
    w.add_argument("--axis", required=True, choices=list(AXES), help="the setting to vary")
    w.add_argument("--values", required=True, help="its values, separated by commas: 4,8,16,32")
    w.add_argument("--steps", type=int, default=d.num_steps, help="steps per run (default: 1000)")
    w.add_argument("--names", type=int, help="training names per run (default: all but held-out)")
    w.add_argument("--n-embd", type=int, default=d.n_embd, help="width (default: 16)")
    w.add_argument("--n-layer", type=int, default=d.n_layer, help="layers (default: 1)")
    w.add_argument("--block-size", type=int, default=d.block_size, help="context (default: 16)")
    w.add_argument(
        "--lr", type=float, default=d.learning_rate, help="learning rate (default: 0.01)"
    )
    w.add_argument("--seed", type=int, default=d.seed, help="seed of every run (default: 42)")
    w.add_argument("--data", metavar="FILE", help="names file (default: the bundled names)")
    w.add_argument("--workers", type=int, help="processes (default: one per core)")
    w.add_argument("--csv", metavar="FILE", help="also write the results as CSV (default: none)")
    w.set_defaults(func=cmd_sweep)
