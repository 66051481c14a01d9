"""Checkpoints: one .npz of float arrays plus JSON metadata, written atomically, never pickled."""

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from .backend import Pass
from .config import TrainConfig
from .data import CharTokenizer
from .errors import CheckpointError, ConfigError
from .model import ParamLayout
from .report import StepPoints
from .trainer import LastStep, doc_tokens

FORMAT, VERSION = "microgpt-checkpoint", 1


def save(trainer, path) -> None:
    """Write trainer's whole state to path: temp file in the same folder, then os.replace."""
    path = Path(path)
    version, state, gauss_next = trainer.rng.getstate()
    meta = {
        "format": FORMAT,
        "version": VERSION,
        "config": trainer.config.to_dict(),
        "chars": trainer.tokenizer.chars,
        "docs": trainer.docs,  # in training order (already shuffled)
        "step": trainer.step_count,
        "rng": {"version": version, "state": list(state), "gauss_next": gauss_next},
        "backend": trainer.backend.name,
    }
    h = trainer.history
    arrays = {
        "params": trainer.params,
        "adam_m": trainer.m,
        "adam_v": trainer.v,
        "history_loss": h.loss,
        "history_lr": h.lr,
        "history_grad_norms": h.grad_norms.astype(np.float64),
    }
    last = trainer.report()
    if last is not None:  # what the panes show for the last step
        flat = lambda d: np.concatenate([d[n].ravel() for n in trainer.layout.names])  # noqa: E731
        arrays |= {
            "last_grads": flat(last.grads),
            "last_updates": flat(last.updates),
            "last_target_probs": last.target_probs,
            "last_position_losses": last.position_losses,
            "last_attention": last.attention,
        }
        meta["last"] = {"timings": last.timings, "backend": last.backend, "lr": last.lr}
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a checkpoint is an ordinary file
        with os.fdopen(fd, "wb") as f:
            np.savez(f, meta=np.array(json.dumps(meta)), **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _read(path: Path) -> tuple[dict, dict]:
    if not path.is_file():
        raise CheckpointError(f"{path}: file not found")
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        meta = json.loads(str(arrays.pop("meta")))
    except Exception as e:  # truncated zip, foreign file, pickled objects: all unusable
        raise CheckpointError(f"{path}: not a readable microgpt checkpoint ({e})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a microgpt checkpoint")
    if meta.get("version") != VERSION:
        version = meta.get("version")
        raise CheckpointError(f"{path}: checkpoint version {version!r} is not supported")
    return meta, arrays


def _array(arrays: dict, name: str, shape: tuple) -> np.ndarray:
    a = arrays.get(name)
    if a is None:
        raise CheckpointError(f"checkpoint has no {name!r} array")
    if a.dtype != np.float64 or a.shape != shape:
        raise CheckpointError(f"{name!r} has shape {a.shape} {a.dtype}, expected {shape} float64")
    if not np.isfinite(a).all():
        raise CheckpointError(f"{name!r} contains NaN or infinite values")
    return a.copy()


def load(cls, path, backend: str | None = None):
    """A new trainer of class cls from path; CheckpointError (never anything else) on bad input."""
    path = Path(path)
    meta, arrays = _read(path)
    try:
        return _restore(cls, meta, arrays, backend)
    except CheckpointError as e:
        raise CheckpointError(f"{path}: {e}") from None
    except (ConfigError, KeyError, TypeError, ValueError, IndexError, AttributeError) as e:
        raise CheckpointError(f"{path}: invalid checkpoint contents ({e})") from None


def _restore(cls, meta, arrays, backend):
    config = TrainConfig.from_dict(meta["config"])
    docs = meta["docs"]
    if not isinstance(docs, list) or not docs or not all(isinstance(d, str) and d for d in docs):
        raise CheckpointError("the documents are missing or malformed")
    if sorted(set("".join(docs))) != meta["chars"]:
        raise CheckpointError("the vocabulary does not match the documents")
    layout = ParamLayout.build(config, len(meta["chars"]) + 1)
    size, k = layout.size, len(layout.names) + 1
    step = meta["step"]
    if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= config.num_steps:
        raise CheckpointError(f"step {step!r} is outside 0..{config.num_steps}")
    history = StepPoints(
        first=1,
        loss=_array(arrays, "history_loss", (step,)),
        lr=_array(arrays, "history_lr", (step,)),
        grad_norms=_array(arrays, "history_grad_norms", (step, k)),
    )
    trainer = cls.from_state(
        docs,
        config,
        backend or meta.get("backend", "scalar"),
        params=_array(arrays, "params", (size,)),
        m=_array(arrays, "adam_m", (size,)),
        v=_array(arrays, "adam_v", (size,)),
        rng_state=_rng_state(meta["rng"]),
        history=history,
        last=_last_step(docs, config, meta, arrays, size, history) if step else None,
    )
    return trainer


def _rng_state(rng: dict) -> tuple:
    state = rng["state"]
    if not (
        isinstance(state, list)
        and len(state) == 625
        and all(isinstance(x, int) and 0 <= x < 2**32 for x in state)
    ):
        raise CheckpointError("the random-number state is malformed")
    gauss_next = rng["gauss_next"]
    if gauss_next is not None and not isinstance(gauss_next, float):
        raise CheckpointError("the random-number state is malformed")
    return (rng["version"], tuple(state), gauss_next)


def _last_step(docs, config, meta, arrays, size, history) -> LastStep | None:
    """What the checkpoint kept of the last step, for the trainer's report()."""
    if "last" not in meta:
        return None
    last = meta["last"]
    step = len(history)
    doc = docs[(step - 1) % len(docs)]
    n = min(config.block_size, len(doc) + 1)
    timings = {k: float(v) for k, v in last["timings"].items()}
    p = Pass(
        loss=float(history.loss[-1]),
        grads=_array(arrays, "last_grads", (size,)),
        target_probs=_array(arrays, "last_target_probs", (n,)),
        position_losses=_array(arrays, "last_position_losses", (n,)),
        attention=_array(arrays, "last_attention", (config.n_layer, config.n_head, n, n)),
        t_forward=timings["forward"],
        t_backward=timings["backward"],
    )
    return LastStep(
        pass_=p,
        doc=doc,
        tokens=doc_tokens(CharTokenizer(docs), doc, config.block_size),
        lr=float(history.lr[-1]),
        delta=_array(arrays, "last_updates", (size,)),
        t_update=timings["update"],
        backend=str(last["backend"]),
    )
