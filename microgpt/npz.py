"""Reading a checkpoint .npz without pickle: what it may hold (the format, its arrays, their
shapes from the metadata), with sizes and types checked from the headers before any data."""

import json
import math
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .config import TrainConfig
from .data import MAX_VOCAB, open_regular_file
from .errors import CheckpointError, ConfigError
from .model import ParamLayout

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
