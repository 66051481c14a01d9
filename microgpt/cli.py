"""`microgpt train | sample | bench`: the gist's loop on the command line."""

import argparse
import json
import math
import sys

from .config import TrainConfig
from .trainer import BACKENDS, Trainer, TrainingDiverged


def _docs(spec: str | None) -> list[str]:
    from .data import default_docs, download_names, load_docs

    if spec is None:
        return default_docs()
    if spec == "makemore":
        return load_docs(download_names())
    return load_docs(spec)


def _print_samples(samples, header=True) -> None:
    if header:
        print("\n--- inference (new, hallucinated names) ---")
    for i, s in enumerate(samples):
        print(f"sample {i + 1:2d}: {s.text}")


def cmd_train(args) -> int:
    # checked before training, so a typo does not throw away a finished run
    if not 0 <= args.samples <= 10_000:
        raise ValueError(f"--samples must be between 0 and 10000, got {args.samples}")
    if not (math.isfinite(args.temperature) and args.temperature > 0):
        raise ValueError(f"--temperature must be a positive number, got {args.temperature}")
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
        trainer = Trainer.load(args.resume, backend=args.backend)
        if args.lr is not None:
            trainer.set_learning_rate(args.lr)
    else:
        num_steps = args.num_steps if args.num_steps is not None else args.steps
        overrides = {
            "num_steps": 1000 if num_steps is None else num_steps,
            "seed": 42 if args.seed is None else args.seed,
        }
        if args.lr is not None:
            overrides["learning_rate"] = args.lr
        trainer = Trainer(_docs(args.data), TrainConfig(**overrides), args.backend or "scalar")
    cfg = trainer.config
    until = args.steps if args.steps is not None else cfg.num_steps
    if not trainer.step_count <= until <= cfg.num_steps:
        raise ValueError(f"--steps must be between {trainer.step_count} and {cfg.num_steps}")
    if not args.quiet:
        print(f"num docs: {len(trainer.docs)}")
        print(f"vocab size: {trainer.tokenizer.vocab_size}")
        print(f"num params: {trainer.layout.size}")
    log = open(args.log, "a", encoding="utf-8") if args.log else None
    try:
        while trainer.step_count < until:
            point = trainer.step()
            if not args.quiet:
                print(
                    f"step {point.step:4d} / {cfg.num_steps:4d} | loss {point.loss:.4f}", flush=True
                )
            if log:
                doc = trainer.docs[(point.step - 1) % len(trainer.docs)]
                record = {
                    "step": point.step,
                    "loss": point.loss,
                    "lr": point.lr,
                    "doc": doc,
                    "backend": trainer.backend.name,
                }
                log.write(json.dumps(record) + "\n")
    finally:
        if log:
            log.close()
        if args.save:  # even after an error or Ctrl+C, keep what was trained
            trainer.save(args.save)
    if args.samples:
        _print_samples(trainer.sample(args.samples, args.temperature))
    return 0


def cmd_sample(args) -> int:
    trainer = Trainer.load(args.ckpt)
    samples = trainer.sample(args.n, args.temperature, seed=args.seed, prefix=args.prefix)
    _print_samples(samples, header=False)
    return 0


def cmd_bench(args) -> int:
    from .bench import main as bench_main

    return bench_main(args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="microgpt", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train and print the loss of every step, then samples")
    t.add_argument(
        "--data",
        help="a UTF-8 text file, one document per line, or 'makemore' "
        "(downloads the reference names list once); default: bundled names",
    )
    t.add_argument("--steps", type=int, help="train until this step (default: num_steps)")
    t.add_argument("--num-steps", type=int, help="length of the lr schedule (default: --steps)")
    t.add_argument("--seed", type=int, help="default 42")
    t.add_argument("--lr", type=float, help="base learning rate (default 0.01)")
    t.add_argument("--backend", choices=BACKENDS, help="scalar (exact, slow) or numpy (fast)")
    t.add_argument("--samples", type=int, default=20, help="names to generate at the end")
    t.add_argument("--temperature", type=float, default=0.5)
    t.add_argument("--save", metavar="CKPT", help="write a checkpoint when done")
    t.add_argument("--resume", metavar="CKPT", help="continue from a checkpoint")
    t.add_argument("--log", metavar="FILE.jsonl", help="append one JSON object per step")
    t.add_argument("--quiet", action="store_true", help="no per-step lines")
    t.set_defaults(func=cmd_train)

    s = sub.add_parser("sample", help="generate from a checkpoint")
    s.add_argument("--ckpt", required=True)
    s.add_argument("-n", type=int, default=20)
    s.add_argument("--temperature", type=float, default=0.5)
    s.add_argument("--seed", type=int, help="default: continue the run's own random stream")
    s.add_argument("--prefix", default="")
    s.set_defaults(func=cmd_sample)

    b = sub.add_parser("bench", help="time training steps per backend")
    b.add_argument("--backend", choices=BACKENDS + ("all",), default="all")
    b.add_argument("--steps", type=int, help="timed steps (default: 30 scalar, 2000 numpy)")
    b.add_argument("--warmup", type=int, default=3)
    b.add_argument("--data", help="dataset file (default: bundled names)")
    b.add_argument("--json", action="store_true", help="print one JSON object per backend")
    b.set_defaults(func=cmd_bench)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, TrainingDiverged, OSError) as e:  # user errors: one line, no traceback
        print(f"microgpt: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("microgpt: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
