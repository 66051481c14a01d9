"""Checkpoints: one .npz of float arrays plus JSON metadata, written atomically, never pickled."""

import json
import math
import os
import random
import re
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .backend import Pass
from .config import TrainConfig, check_cost
from .data import MAX_VOCAB, CharTokenizer, doc_tokens, open_regular_file
from .destination import checked_target, make_temp, reason, short_path
from .errors import CheckpointError, ConfigError
from .model import ParamLayout
from .report import LastStep, StepPoints

# 3: + the last step's params before its update (1 and 2 still load, without them)
# 2: the metadata is UTF-8 bytes
FORMAT, VERSION = "microgpt-checkpoint", 3
# The largest model the config LIMITS allow (~7 M parameters) keeps six arrays of its size
# (params, Adam m and v, the last step's grads, updates and params before): ~325 MB. The
# rest is history (~100 bytes a step) and metadata (the documents: up to a 50 MB dataset,
# ~2x as JSON).
MAX_CHECKPOINT_BYTES = 512 * 2**20
MAX_META_BYTES = 128 * 2**20
META_KEYS = {"format", "version", "config", "chars", "docs", "step", "rng", "backend", "last"}
FLOAT64 = (np.dtype(np.float64),)
# the history's grad norms are float16 (2 bytes a number; older checkpoints: float64)
DTYPES = {"history_grad_norms": (np.dtype(np.float16), np.dtype(np.float64))}
ARRAYS = ("params", "adam_m", "adam_v", "history_loss", "history_lr", "history_grad_norms")
LAST_ARRAYS = (
    "last_grads",
    "last_updates",
    "last_target_probs",
    "last_position_losses",
    "last_attention",
    "last_params_before",  # version 3
)
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


def _mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"


# --- reading: sizes and types from the headers first, then the data -------------------------


def _read(path: Path) -> tuple[dict, dict]:
    with open_regular_file(path, MAX_CHECKPOINT_BYTES, CheckpointError, "checkpoints") as f:
        try:
            archive = zipfile.ZipFile(f)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            f.seek(0)
            if f.read(4) == b"PK\x03\x04":  # starts as a zip: cut short or corrupted
                raise CheckpointError(f"{path}: the checkpoint is damaged (truncated?)") from None
            raise CheckpointError(f"{path}: {NOT_OURS} (it is not an .npz archive)") from None
        with archive:
            try:
                return _read_archive(archive)
            except CheckpointError as e:
                raise CheckpointError(f"{path}: {e}") from None
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, UnicodeDecodeError):
                raise CheckpointError(f"{path}: the checkpoint is damaged (truncated?)") from None


NOT_OURS = "not a microgpt checkpoint"


def _read_archive(archive: zipfile.ZipFile) -> tuple[dict, dict]:
    infos = {}
    for info in archive.infolist():
        name = info.filename.removesuffix(".npy")
        if name not in ("meta", *ARRAYS, *LAST_ARRAYS) or not info.filename.endswith(".npy"):
            raise CheckpointError(f"{NOT_OURS} (unexpected entry {name!r})")
        if name in infos:
            raise CheckpointError(f"{NOT_OURS} (two entries named {name!r})")
        infos[name] = info
    if "meta" not in infos:
        raise CheckpointError(f"{NOT_OURS} (it has no microgpt metadata)")
    if sum(i.file_size for i in infos.values()) > MAX_CHECKPOINT_BYTES:
        raise CheckpointError(f"it unpacks to more than {_mb(MAX_CHECKPOINT_BYTES)}")
    meta = _read_meta(archive, infos.pop("meta"))
    shapes = _expected_shapes(meta)
    arrays = {}
    for name, info in infos.items():
        if name not in shapes:
            raise CheckpointError(f"{NOT_OURS} (unexpected entry {name!r})")
        arrays[name] = _read_member(archive, info, name, shapes[name])
    return meta, arrays


def _header(member) -> tuple[tuple, bool, np.dtype]:
    """(shape, fortran_order, dtype) of an .npy stream, which is left at its data."""
    try:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            return np.lib.format.read_array_header_1_0(member)
        if version == (2, 0):
            return np.lib.format.read_array_header_2_0(member)
    except ValueError:
        pass
    raise CheckpointError(f"{NOT_OURS} (an entry is not a NumPy array)")


def _read_data(member, shape, fortran, dtype) -> np.ndarray:
    n = dtype.itemsize * math.prod(shape)
    raw = member.read(n)
    if len(raw) != n or member.read(1):  # reading to the end checks the entry's CRC
        raise CheckpointError("the checkpoint is damaged (truncated?)")
    return np.frombuffer(raw, dtype=dtype).reshape(shape, order="F" if fortran else "C")


def _read_member(archive, info, name: str, shape: tuple) -> np.ndarray:
    """The array in info if its header says float64 of this shape; nothing read otherwise."""
    with archive.open(info) as member:
        got, fortran, dtype = _header(member)
        if dtype not in DTYPES.get(name, FLOAT64) or got != shape:
            raise CheckpointError(
                f"{name!r} has shape {got} {_dtype_name(dtype)}, expected {shape} float64"
            )
        return _read_data(member, got, fortran, dtype)


def _dtype_name(dtype: np.dtype) -> str:
    return "Python objects" if dtype.hasobject else str(dtype)


def _read_meta(archive, info) -> dict:
    """The metadata: UTF-8 JSON bytes (version 2) or one unicode string (version 1)."""
    with archive.open(info) as member:
        shape, fortran, dtype = _header(member)
        utf8 = dtype == np.uint8 and len(shape) == 1
        if not (utf8 or (dtype.kind == "U" and shape == ())):
            raise CheckpointError(f"{NOT_OURS} (it has no microgpt metadata)")
        size = dtype.itemsize * math.prod(shape)
        if size > MAX_META_BYTES:
            raise CheckpointError(f"the metadata is {_mb(size)}; at most {_mb(MAX_META_BYTES)}")
        data = _read_data(member, shape, fortran, dtype)
    try:
        meta = json.loads(data.tobytes().decode() if utf8 else str(data[()]))
    except (ValueError, RecursionError):
        raise CheckpointError(f"{NOT_OURS} (its metadata is not readable)") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise CheckpointError(NOT_OURS)
    if meta.get("version") not in (1, 2, VERSION):
        raise CheckpointError(f"checkpoint version {meta.get('version')!r} is not supported")
    unknown = sorted(set(meta) - META_KEYS)
    if unknown:
        raise CheckpointError(f"{NOT_OURS} (unknown metadata key {unknown[0]!r})")
    return meta


def _expected_shapes(meta: dict) -> dict[str, tuple]:
    """The shape of every array this metadata calls for, before any array is read."""
    try:
        config = TrainConfig.from_dict(meta["config"])
        chars, docs, step = meta["chars"], meta["docs"], meta["step"]
        if not isinstance(chars, list) or len(chars) > MAX_VOCAB:
            raise CheckpointError("the vocabulary is malformed")
        if not isinstance(docs, list) or not docs or not all(isinstance(d, str) for d in docs):
            raise CheckpointError("the documents are missing or malformed")
        if isinstance(step, bool) or not isinstance(step, int) or not 0 <= step <= config.num_steps:
            raise CheckpointError(f"step {step!r} is outside 0..{config.num_steps}")
        layout = ParamLayout.build(config, len(chars) + 1)
    except (ConfigError, KeyError, TypeError, ValueError) as e:
        if isinstance(e, CheckpointError):
            raise
        raise CheckpointError(f"invalid checkpoint contents ({e})") from None
    size, k = layout.size, len(layout.names) + 1
    shapes = {"params": (size,), "adam_m": (size,), "adam_v": (size,)}
    shapes |= {"history_loss": (step,), "history_lr": (step,), "history_grad_norms": (step, k)}
    if step and "last" in meta:
        n = min(config.block_size, len(docs[(step - 1) % len(docs)]) + 1)
        shapes |= {"last_grads": (size,), "last_updates": (size,), "last_params_before": (size,)}
        shapes |= {"last_target_probs": (n,), "last_position_losses": (n,)}
        shapes["last_attention"] = (config.n_layer, config.n_head, n, n)
    return shapes


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
