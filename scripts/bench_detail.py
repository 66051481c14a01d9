"""What opening up one step costs, per backend: the detailed report (probs, loss after the
update), a gradient check of one cell, and its per-position split. Medians of 7 after a
few steps of training on the bundled names.

python scripts/bench_detail.py
"""

from microgpt import TrainConfig, Trainer, default_docs
from microgpt.bench import median_ms
from microgpt.trainer import gc_paused

REPEATS = 7


def main() -> None:
    docs = default_docs()
    for backend in ("numpy", "scalar"):
        trainer = Trainer(docs, TrainConfig(), backend)
        for _ in range(5):
            trainer.step()

        tokens = list(trainer.last_step.tokens)

        def detail(t=trainer, tokens=tokens):  # what report(detail=True) adds: loss after
            with gc_paused():  # as the trainer runs it
                t.backend.forward(t.params, tokens)

        step_ms = median_ms(trainer.step)
        detail_ms = median_ms(detail)
        check_ms = median_ms(lambda t=trainer: t.gradient_check("lm_head", 0, 3))
        split_ms = median_ms(lambda t=trainer: t.position_split("lm_head", 0, 3))
        print(
            f"{backend:6s} step {step_ms:7.2f} ms   detail (one forward) {detail_ms:7.2f} ms   "
            f"check lm_head[0,3] {check_ms:7.2f} ms   split {split_ms:6.2f} ms"
        )
    trainer = Trainer(docs, TrainConfig(), "numpy")
    better = 0
    for _ in range(100):
        trainer.step()
        r = trainer.report(detail=True)
        better += r.loss_after < r.loss
    print(f"loss after the update < loss before on {better} of the first 100 steps (numpy)")


if __name__ == "__main__":
    main()
