"""A sweep's results as rows: a text table for the terminal and a CSV file (the csv module)."""

import csv
import math

from .baselines import Baselines
from .runner import AXES, RunResult

COLUMNS = ("value", "parameters", "held-out loss", "train loss", "time (s)", "% new names")
CSV_FIELDS = (
    "experiment", "axis", "value", "parameters", "held_out_loss", "train_loss", "seconds",
    "new_fraction", "n_embd", "n_head", "n_layer", "block_size", "steps", "learning_rate",
    "training_names", "seed", "samples", "error",
)  # fmt: skip


def value_text(value: float) -> str:
    """4, 5000, 0.003: whole numbers without a point."""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def row(r: RunResult) -> tuple[str, ...]:
    """One line of the table, as text."""
    if r.error:
        return (value_text(r.spec.value), f"{r.params:,}" if r.params else "", r.error, "", "", "")
    return (
        value_text(r.spec.value),
        f"{r.params:,}",
        f"{r.final_held_out:.4f}",
        f"{r.final_train:.4f}",
        f"{r.seconds:.1f}",
        f"{100 * r.new_fraction:.0f}",
    )


def format_table(results: list[RunResult], baselines: Baselines | None = None) -> str:
    """Runs sorted by value in aligned columns, then the baselines' held-out losses."""
    rows = [COLUMNS] + [row(r) for r in sorted(results, key=lambda r: r.spec.value)]
    widths = [max(len(x[i]) for x in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(x, widths)).rstrip() for x in rows]
    if baselines is not None:
        lines.append("")
        lines += [f"{k:>8} held-out loss {v:.4f}" for k, v in baselines.losses().items()]
        lines.append(f"(counting models fit on {baselines.n_train:,} training names)")
    return "\n".join(lines)


def csv_record(r: RunResult, experiment: str = "") -> dict:
    c = r.spec.config
    return {
        "experiment": experiment,
        "axis": AXES[r.spec.axis].name if r.spec.axis in AXES else "",
        "value": value_text(r.spec.value),
        "parameters": r.params,
        "held_out_loss": "" if math.isnan(r.final_held_out) else repr(r.final_held_out),
        "train_loss": "" if math.isnan(r.final_train) else repr(r.final_train),
        "seconds": f"{r.seconds:.3f}",
        "new_fraction": "" if math.isnan(r.new_fraction) else r.new_fraction,
        "n_embd": c.n_embd,
        "n_head": c.n_head,
        "n_layer": c.n_layer,
        "block_size": c.block_size,
        "steps": c.num_steps,
        "learning_rate": c.learning_rate,
        "training_names": r.spec.n_train,
        "seed": c.seed,
        "samples": " ".join(r.samples),
        "error": r.error,
    }


def write_csv(path, experiments: list[tuple[str, list[RunResult]]]) -> None:
    """One row per run of each (name, results) experiment."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=CSV_FIELDS)
        w.writeheader()
        for name, results in experiments:
            for r in sorted(results, key=lambda r: r.spec.value):
                w.writerow(csv_record(r, name))
