"""`microgpt train | sample | bench | sweep`: the gist's loop on the command line."""

import argparse
import json
import sys

from .bench import DEFAULT_STEPS, MAX_BENCH_STEPS, MAX_WARMUP
from .config import TrainConfig, check_cost, check_temperature
from .data import docs_for
from .destination import open_for_append, reason, short_path
from .errors import CheckpointError, ConfigError
from .lab.cli import add_sweep_parser
from .trainer import BACKENDS, Trainer, TrainingDiverged


def _temperature(t: float) -> float:
    try:
        return check_temperature(t)
    except ConfigError as e:
        raise ConfigError(f"--temperature: {e}") from None


def _check_cost(config: TrainConfig, vocab_size: int, backend: str) -> None:
    """Refuse a run this computer cannot hold; warn on stderr when a step is very slow."""
    check = check_cost(config, vocab_size, backend)
    if not check.ok:
        raise ConfigError(check.refusal)
    if check.warning:
        print(f"microgpt: warning: {check.warning}", file=sys.stderr, flush=True)


def _print_samples(samples, header=True) -> None:
    if header:
        print("\n--- inference (new, hallucinated names) ---")
    for i, s in enumerate(samples):
        print(f"sample {i + 1:2d}: {s.text}")


def _load(path: str, backend: str | None) -> Trainer:
    """Trainer.load, its refusal of an engine too small for the model saying which flag helps."""
    try:
        return Trainer.load(path, backend=backend)
    except CheckpointError as e:
        if "needs the numpy engine" in str(e):
            raise CheckpointError(f"{e} (--backend numpy)") from None
        raise


def _flagged(e: ConfigError, flags: dict[str, str]) -> ConfigError:
    """e with the command-line flag of the setting it names in front: '--lr: learning_rate ...'."""
    field = str(e).split(" ", 1)[0]
    return ConfigError(f"{flags[field]}: {e}") if field in flags else e


def _trainer(args) -> Trainer:
    """A new run, or the resumed one, from the command line's settings."""
    steps_flag = "--num-steps" if args.num_steps is not None else "--steps"
    flags = {"num_steps": steps_flag, "seed": "--seed", "learning_rate": "--lr"}
    if args.resume:
        fixed = [
            f"--{n.replace('_', '-')}"
            for n in ("data", "seed", "num_steps")
            if getattr(args, n) is not None
        ]
        if fixed:
            raise ValueError(
                f"{', '.join(fixed)} cannot change a resumed run "
                "(its data, seed and schedule are in the checkpoint)"
            )
        trainer = _load(args.resume, args.backend)
        if args.lr is not None:
            try:
                trainer.set_learning_rate(args.lr)
            except ConfigError as e:
                raise _flagged(e, flags) from None
        _check_cost(trainer.config, trainer.tokenizer.vocab_size, trainer.backend.name)
        return trainer
    num_steps = args.num_steps if args.num_steps is not None else args.steps
    overrides = {
        "num_steps": 1000 if num_steps is None else num_steps,
        "seed": 42 if args.seed is None else args.seed,
    }
    if args.lr is not None:
        overrides["learning_rate"] = args.lr
    try:
        config = TrainConfig(**overrides)
    except ConfigError as e:
        raise _flagged(e, flags) from None
    docs, backend = docs_for(args.data), args.backend or "scalar"
    _check_cost(config, len(set("".join(docs))) + 1, backend)
    return Trainer(docs, config, backend)


def cmd_train(args) -> int:
    # checked before training, so a typo does not throw away a finished run
    if not 0 <= args.samples <= 10_000:
        raise ValueError(f"--samples must be between 0 and 10000, got {args.samples}")
    temperature = _temperature(args.temperature)
    if args.save is not None:
        from .checkpoint import check_destination

        check_destination(args.save)  # before training, not after 300 steps
    trainer = _trainer(args)
    cfg = trainer.config
    until = args.steps if args.steps is not None else cfg.num_steps
    if not trainer.step_count <= until <= cfg.num_steps:
        raise ValueError(f"--steps must be between {trainer.step_count} and {cfg.num_steps}")
    if args.save is not None:
        from .checkpoint import check_fits

        check_fits(trainer, args.save, until)  # the dataset and the history fit a checkpoint
    log = open_for_append(args.log, ValueError) if args.log is not None else None
    if not args.quiet:
        print(f"num docs: {len(trainer.docs)}")
        print(f"vocab size: {trainer.tokenizer.vocab_size}")
        print(f"num params: {trainer.layout.size}")
    try:
        _train(trainer, until, args.quiet, log)
    finally:
        if log:
            log.close()
        if args.save is not None:  # even after an error or Ctrl+C, keep what was trained
            trainer.save(args.save)
    if args.samples:
        _print_samples(trainer.sample(args.samples, temperature))
    return 0


def _train(trainer: Trainer, until: int, quiet: bool, log) -> None:
    """Step until `until`, printing each loss and appending a JSON line to log."""
    cfg = trainer.config
    while trainer.step_count < until:
        point = trainer.step()
        if not quiet:
            print(f"step {point.step:4d} / {cfg.num_steps:4d} | loss {point.loss:.4f}", flush=True)
        if log:
            doc = trainer.docs[(point.step - 1) % len(trainer.docs)]
            record = {
                "step": point.step,
                "loss": point.loss,
                "lr": point.lr,
                "doc": doc,
                "backend": trainer.backend.name,
            }
            try:
                log.write(json.dumps(record) + "\n")
                log.flush()  # a full disk is seen at this step, not at the close
            except OSError as e:
                raise ValueError(f"{log.name}: could not write the log ({reason(e)})") from None


def cmd_sample(args) -> int:
    temperature = _temperature(args.temperature)
    trainer = _load(args.ckpt, args.backend)
    samples = trainer.sample(args.n, temperature, seed=args.seed, prefix=args.prefix)
    _print_samples(samples, header=False)
    return 0


def cmd_bench(args) -> int:
    from .bench import main as bench_main

    return bench_main(args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="microgpt", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser(
        "train",
        help="train and print the loss of every step, then samples",
        description="Train microgpt one document per step, print each step's loss, then "
        "generate names. The default engine is the exact, slow scalar one (the gist's own "
        "algorithm, ~0.1 s a step); --backend numpy gives the same numbers ~400x faster.",
    )
    t.add_argument(
        "--data",
        metavar="FILE",
        help="a text file, one document per line, or 'makemore' (downloads the reference "
        "names list once, needs the internet) (default: the bundled names)",
    )
    t.add_argument(
        "--steps", type=int, help="train until this step (default: the end of the schedule)"
    )
    t.add_argument(
        "--num-steps",
        type=int,
        help="length of the learning-rate schedule (default: --steps, or 1000 without it)",
    )
    t.add_argument(
        "--seed", type=int, help="seeds the shuffle, the init and sampling (default: 42)"
    )
    t.add_argument("--lr", type=float, help="base learning rate (default: 0.01)")
    t.add_argument(
        "--backend",
        choices=BACKENDS,
        help="scalar (exact, slow) or numpy (fast) (default: scalar; "
        "with --resume, the checkpoint's)",
    )
    t.add_argument(
        "--samples", type=int, default=20, help="names to generate at the end (default: 20)"
    )
    t.add_argument(
        "--temperature",
        type=float,
        default=0.5,
        help="sampling temperature, 0.01 to 100; lower is safer (default: 0.5)",
    )
    t.add_argument("--save", metavar="CKPT", help="write a checkpoint when done (default: none)")
    t.add_argument("--resume", metavar="CKPT", help="continue from a checkpoint (default: none)")
    t.add_argument(
        "--log", metavar="FILE.jsonl", help="append one JSON object per step (default: none)"
    )
    t.add_argument("--quiet", action="store_true", help="no per-step lines (default: off)")
    t.set_defaults(func=cmd_train)

    s = sub.add_parser("sample", help="generate from a checkpoint")
    s.add_argument("--ckpt", required=True, help="the checkpoint to sample from (required)")
    s.add_argument("-n", type=int, default=20, help="how many names (default: 20)")
    s.add_argument("--temperature", type=float, default=0.5, help="0.01 to 100 (default: 0.5)")
    s.add_argument(
        "--seed", type=int, help="seed for sampling (default: continue the run's random stream)"
    )
    s.add_argument(
        "--backend",
        choices=BACKENDS,
        help="the engine to sample with (default: the checkpoint's)",
    )
    s.add_argument("--prefix", default="", help="start every name with this text (default: none)")
    s.set_defaults(func=cmd_sample)

    b = sub.add_parser("bench", help="time training steps per backend")
    b.add_argument(
        "--backend",
        choices=BACKENDS + ("all",),
        default="all",
        help="which engine; all runs each in its own process (default: all)",
    )
    b.add_argument(
        "--steps",
        type=int,
        help=f"timed steps, 1 to {MAX_BENCH_STEPS} (default: "
        + ", ".join(f"{n} {name}" for name, n in DEFAULT_STEPS.items())
        + ")",
    )
    b.add_argument(
        "--warmup",
        type=int,
        default=3,
        help=f"untimed steps first, 0 to {MAX_WARMUP} (default: 3)",
    )
    b.add_argument("--data", metavar="FILE", help="dataset file (default: the bundled names)")
    b.add_argument(
        "--json", action="store_true", help="print one JSON object per backend (default: off)"
    )
    b.set_defaults(func=cmd_bench)
    add_sweep_parser(sub)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TrainingDiverged) as e:  # user errors: one line, no traceback
        print(f"microgpt: error: {e}", file=sys.stderr)
        return 1
    except OSError as e:
        where = f"{short_path(e.filename)}: " if e.filename else ""
        print(f"microgpt: error: {where}{reason(e)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("microgpt: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
