"""Checkpoints: one .npz of float arrays plus JSON metadata, written atomically, never pickled."""

import json
import os
import random
import re
import time
from pathlib import Path

import numpy as np

from .backend import Pass
from .config import TrainConfig, check_cost
from .data import CharTokenizer, doc_tokens
from .destination import checked_target, make_temp, reason, short_path
from .errors import CheckpointError, ConfigError
from .model import ParamLayout
from .npz import (
    DTYPES,
    FLOAT64,
    FORMAT,
    MAX_CHECKPOINT_BYTES,
    MAX_META_BYTES,
    VERSION,
    _mb,
    _read,
)
from .report import LastStep, StepPoints

RNG_VERSION = random.Random().getstate()[0]  # 3 since Python 3.2
STALE_TEMP_AGE = 60  # seconds; a save writes for far less than this (fsync included)


def save(trainer, path) -> None:
    """Write trainer's whole state to path: temp file in the same folder, then os.replace."""
    path = checked_target(path, CheckpointError, "checkpoint")
    meta = _meta(trainer)
    h = trainer.history
    arrays = {
        "params": trainer.params,
        "adam_m": trainer.m,
        "adam_v": trainer.v,
        "history_loss": h.loss,
        "history_lr": h.lr,
        "history_grad_norms": h.grad_norms,  # float16, as the history keeps them
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
        if trainer.last_step.params_before is not None:
            arrays["last_params_before"] = trainer.last_step.params_before
    meta_bytes = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8)
    _check_fits(path, meta_bytes.nbytes, sum(a.nbytes for a in arrays.values()))
    _remove_stale_temps(path)
    fd, tmp = make_temp(path, CheckpointError)
    _writing.add(tmp)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; a checkpoint is an ordinary file
        with os.fdopen(fd, "wb") as f:
            np.savez(f, meta=meta_bytes, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise CheckpointError(f"{path}: could not write the checkpoint ({reason(e)})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        _writing.discard(tmp)


def _meta(trainer) -> dict:
    """The metadata of a checkpoint of trainer, but for the last step's."""
    version, state, gauss_next = trainer.rng.getstate()
    return {
        "format": FORMAT,
        "version": VERSION,
        "config": trainer.config.to_dict(),
        "chars": trainer.tokenizer.chars,
        "docs": trainer.docs,  # in training order (already shuffled)
        "step": trainer.step_count,
        "rng": {"version": version, "state": list(state), "gauss_next": gauss_next},
        "backend": trainer.backend.name,
    }


def check_fits(trainer, path, steps: int) -> None:
    """Refuse, before training, a run whose checkpoint after `steps` steps could not be saved."""
    meta = len(json.dumps(_meta(trainer), ensure_ascii=False).encode())
    meta += 512  # the step's digits, the gauss_next and the last step's timings, backend, lr
    c, size = trainer.config, trainer.layout.size
    t, k = c.block_size, len(trainer.layout.names) + 1
    # params, Adam m, v, the last step's grads, updates and params before: float64;
    # per step: loss and lr float64, k grad norms float16; the last step's per-position data
    arrays = 6 * 8 * size + steps * (8 + 8 + 2 * k) + 8 * (2 * t + c.n_layer * c.n_head * t * t)
    _check_fits(Path(path), meta, arrays)


# --- where a checkpoint goes ----------------------------------------------------------------

_writing: set[str] = set()  # temp files this process is writing right now


def check_destination(path) -> Path:
    """path if a checkpoint can be written there (tried); CheckpointError in the user's words."""
    path = checked_target(path, CheckpointError, "checkpoint")
    fd, tmp = make_temp(path, CheckpointError)
    os.close(fd)
    os.unlink(tmp)
    return path


def _remove_stale_temps(path: Path) -> None:
    """Delete temp files a killed save of this same target left behind (not ones in use)."""
    pattern = re.compile(re.escape(f".{path.name}.") + r"[a-z0-9_]{8}\.tmp")
    now = time.time()
    try:
        entries = list(os.scandir(path.parent))
    except OSError:
        return
    for entry in entries:
        if not pattern.fullmatch(entry.name) or entry.path in _writing:
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                if now - entry.stat(follow_symlinks=False).st_mtime > STALE_TEMP_AGE:
                    os.unlink(entry.path)
        except OSError:
            pass  # someone else's to clean up


def _check_fits(path: Path, meta_bytes: int, array_bytes: int) -> None:
    """Refuse to write what load() would refuse to read."""
    total = meta_bytes + array_bytes
    if meta_bytes > MAX_META_BYTES or total > MAX_CHECKPOINT_BYTES:
        raise CheckpointError(
            f"{short_path(path)}: this run is too large for a checkpoint ({_mb(total)}, of which "
            f"{_mb(meta_bytes)} documents and metadata; the limits are "
            f"{_mb(MAX_CHECKPOINT_BYTES)} and {_mb(MAX_META_BYTES)})"
        )


def _array(arrays: dict, name: str, shape: tuple) -> np.ndarray:
    a = arrays.get(name)
    if a is None:
        raise CheckpointError(f"checkpoint has no {name!r} array")
    if a.dtype not in DTYPES.get(name, FLOAT64) or a.shape != shape:
        raise CheckpointError(f"{name!r} has shape {a.shape} {a.dtype}, expected {shape} float64")
    # a float16 norm above 65504 is kept as inf (see history.py); NaN is never valid
    bad = np.isnan(a) if name == "history_grad_norms" else ~np.isfinite(a)
    if bad.any():
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
    backend = backend or meta.get("backend", "scalar")
    check = check_cost(config, len(meta["chars"]) + 1, backend)  # before building anything
    if check.refusal:
        raise CheckpointError(check.refusal)
    trainer = cls.from_state(
        docs,
        config,
        backend,
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
    version = rng["version"]
    if isinstance(version, bool) or not isinstance(version, int):
        raise CheckpointError("the random-number state is malformed")
    if version != RNG_VERSION:  # what random.Random.getstate() writes
        raise CheckpointError(
            f"the random-number state is of an unknown kind (version {str(version)[:12]}; "
            f"this Python reads version {RNG_VERSION})"
        )
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
        # versions 1 and 2 did not keep them: the step's detail is then partly unknown
        params_before=(
            _array(arrays, "last_params_before", (size,))
            if "last_params_before" in arrays
            else None
        ),
    )
