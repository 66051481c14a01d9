"""Checkpoints: bit-identical resume, atomic save, and a CheckpointError for every bad file."""

import io
import json
import os
import pickle
import random
import stat
import tempfile
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

from microgpt import CheckpointError, TrainConfig, Trainer, default_docs

CFG = TrainConfig(n_embd=8, n_head=2, block_size=8, num_steps=20)


@pytest.fixture(scope="module")
def docs():
    return default_docs()


@pytest.fixture(scope="module")
def saved(docs, tmp_path_factory):
    """A checkpoint after 3 steps, and the trainer that wrote it."""
    t = Trainer(docs, CFG)
    for _ in range(3):
        t.step()
    path = tmp_path_factory.mktemp("ckpt") / "run.npz"
    t.save(path)
    return path, t


def state_of(t):
    """Everything a load must not touch, as comparable plain data."""
    return (
        t.params.tolist(),
        t.m.tolist(),
        t.v.tolist(),
        t.step_count,
        list(t.history),
        t.rng.getstate(),
        list(t.docs),
        t.config,
    )


def assert_reports_equal(a, b):
    for name in ("step", "num_steps", "loss", "lr", "doc", "tokens", "backend", "chars", "config"):
        assert getattr(a, name) == getattr(b, name), name
    assert a.grad_norms == b.grad_norms
    for name in ("target_probs", "position_losses", "attention"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for name in ("params", "grads", "adam_m", "adam_v", "updates"):
        da, db = getattr(a, name), getattr(b, name)
        assert list(da) == list(db)
        assert all(np.array_equal(da[k], db[k]) for k in da), name


# --- resume -----------------------------------------------------------------------------


def test_resume_is_bit_identical(docs, tmp_path):
    straight = Trainer(docs, CFG)
    losses_straight = [straight.step().loss for _ in range(20)]
    samples_straight = [s.text for s in straight.sample(8)]  # seed None: the run's own stream

    first = Trainer(docs, CFG)
    losses = [first.step().loss for _ in range(10)]
    path = tmp_path / "half.npz"
    first.save(path)
    resumed = Trainer.load(path)
    assert resumed.step_count == 10
    assert resumed.history == first.history
    assert_reports_equal(resumed.report(), first.report())
    assert resumed.rng.getstate() == first.rng.getstate()
    assert resumed.docs == first.docs and resumed.config == first.config
    losses += [resumed.step().loss for _ in range(10)]

    assert losses == losses_straight
    assert resumed.params.tolist() == straight.params.tolist()
    assert resumed.history == straight.history
    assert [s.text for s in resumed.sample(8)] == samples_straight


def test_resume_of_a_fresh_run(docs, tmp_path):
    t = Trainer(docs, CFG)
    t.save(tmp_path / "zero.npz")
    loaded = Trainer.load(tmp_path / "zero.npz")
    assert (loaded.step_count, loaded.history, loaded.report()) == (0, [], None)
    assert [loaded.step().loss for _ in range(2)] == [t.step().loss for _ in range(2)]


def test_load_with_another_backend_name_is_checked(saved):
    path, _ = saved
    with pytest.raises(ValueError, match="backend"):
        Trainer.load(path, backend="cuda")


# --- atomic save --------------------------------------------------------------------------


def test_save_leaves_no_temp_files_and_replaces_an_existing_file(docs, tmp_path):
    t = Trainer(docs, CFG)
    path = tmp_path / "run.npz"
    t.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]
    t.step()
    t.step()
    t.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]
    assert Trainer.load(path).step_count == 2


def test_save_keeps_the_exact_path_without_npz_suffix(docs, tmp_path):
    t = Trainer(docs, CFG)
    t.save(tmp_path / "ckpt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt"]
    assert Trainer.load(tmp_path / "ckpt").params.tolist() == t.params.tolist()


def test_failed_save_keeps_the_old_file_and_no_temp(docs, tmp_path, monkeypatch):
    t = Trainer(docs, CFG)
    path = tmp_path / "run.npz"
    t.save(path)
    old = path.read_bytes()
    t.step()

    def broken_savez(f, **arrays):
        f.write(b"PK\x03\x04 half a zip")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", broken_savez)
    with pytest.raises(CheckpointError) as info:
        t.save(path)
    assert str(info.value) == f"{path}: could not write the checkpoint (No space left on device)"
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.npz"]


# --- bad checkpoints ----------------------------------------------------------------------


def read_ckpt(path):
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    return json.loads(arrays.pop("meta").tobytes().decode()), arrays  # UTF-8 JSON bytes


def write_ckpt(path, meta, arrays):
    np.savez(path, meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8), **arrays)


def expect_checkpoint_error(path, victim):
    """Loading path fails with a CheckpointError naming it; the trainer in memory is untouched."""
    before = state_of(victim)
    with pytest.raises(CheckpointError) as info:
        Trainer.load(path)
    assert isinstance(info.value, ValueError)
    message = str(info.value)
    assert str(path) in message
    words = message.replace(str(path), "<path>")
    assert "pickle" not in words.lower() and ".tmp" not in words  # no internals
    assert state_of(victim) == before
    return message


def test_missing_file(saved, tmp_path):
    expect_checkpoint_error(tmp_path / "nope.npz", saved[1])


def test_a_folder(saved, tmp_path):
    expect_checkpoint_error(tmp_path, saved[1])


@pytest.mark.parametrize("keep", [0, 10, 0.5, -22])
def test_truncated_file(saved, tmp_path, keep):
    path, victim = saved
    raw = path.read_bytes()
    cut = raw[: int(len(raw) * keep)] if isinstance(keep, float) else raw[:keep]
    bad = tmp_path / "cut.npz"
    bad.write_bytes(cut)
    expect_checkpoint_error(bad, victim)


def test_random_bytes(saved, tmp_path):
    bad = tmp_path / "noise.npz"
    bad.write_bytes(random.Random(0).randbytes(5000))
    expect_checkpoint_error(bad, saved[1])


def test_plain_text_file(saved, tmp_path):
    bad = tmp_path / "names.txt"
    bad.write_text("emma\nolivia\n")
    expect_checkpoint_error(bad, saved[1])


def test_npz_without_our_metadata(saved, tmp_path):
    bad = tmp_path / "foreign.npz"
    np.savez(bad, params=np.zeros(10), weights=np.ones((3, 3)))
    expect_checkpoint_error(bad, saved[1])


def test_npy_file(saved, tmp_path):
    bad = tmp_path / "params.npy"
    np.save(bad, saved[1].params)
    expect_checkpoint_error(bad, saved[1])


class _Tripwire:
    """Unpickling this creates a file: proof that a load ran pickle."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))


def test_pickle_bearing_npz_is_refused_without_unpickling(saved, tmp_path):
    path, victim = saved
    meta, arrays = read_ckpt(path)
    marker = tmp_path / "pickle-ran"
    arrays["params"] = np.array([_Tripwire(marker)], dtype=object)  # np.savez pickles this
    bad = tmp_path / "pickled.npz"
    write_ckpt(bad, meta, arrays)
    assert b"pickle-ran" in bad.read_bytes()
    expect_checkpoint_error(bad, victim)
    assert not marker.exists()


def test_pickled_metadata_is_refused(saved, tmp_path):
    path, victim = saved
    meta, arrays = read_ckpt(path)
    buf = io.BytesIO()
    np.save(buf, np.array([meta], dtype=object), allow_pickle=True)
    bad = tmp_path / "pickled-meta.npz"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("meta.npy", buf.getvalue())
        for name, a in arrays.items():
            b = io.BytesIO()
            np.save(b, a)
            z.writestr(f"{name}.npy", b.getvalue())
    expect_checkpoint_error(bad, victim)


def test_raw_pickle_file(saved, tmp_path):
    bad = tmp_path / "raw.pkl"
    bad.write_bytes(pickle.dumps({"params": [1.0, 2.0]}))
    expect_checkpoint_error(bad, saved[1])


def _tampered_arrays(name, fn):
    return pytest.param(name, fn, id=name)


ARRAY_TAMPERING = [
    ("params too short", lambda a: a.update(params=a["params"][:-1])),
    ("params 2-d", lambda a: a.update(params=a["params"].reshape(2, -1))),
    ("params float32", lambda a: a.update(params=a["params"].astype(np.float32))),
    ("params ints", lambda a: a.update(params=np.zeros(a["params"].shape, dtype=np.int64))),
    ("params strings", lambda a: a.update(params=np.array(["x"] * a["params"].size))),
    ("params NaN", lambda a: a["params"].__setitem__(5, np.nan)),
    ("adam_m inf", lambda a: a["adam_m"].__setitem__(0, np.inf)),
    ("adam_v missing", lambda a: a.pop("adam_v")),
    ("params missing", lambda a: a.pop("params")),
    ("history too long", lambda a: a.update(history_loss=np.zeros(7))),
    ("grad norms wrong", lambda a: a.update(history_grad_norms=np.zeros((3, 2)))),
    ("last_grads short", lambda a: a.update(last_grads=a["last_grads"][:3])),
    ("last_attention wrong", lambda a: a.update(last_attention=np.zeros((1, 1, 1, 1)))),
]


@pytest.mark.parametrize(("what", "tamper"), ARRAY_TAMPERING, ids=[w for w, _ in ARRAY_TAMPERING])
def test_wrong_arrays(saved, tmp_path, what, tamper):
    path, victim = saved
    meta, arrays = read_ckpt(path)
    tamper(arrays)
    bad = tmp_path / "bad.npz"
    write_ckpt(bad, meta, arrays)
    expect_checkpoint_error(bad, victim)


def _set(*keys_and_value):
    *keys, value = keys_and_value

    def tamper(meta):
        d = meta
        for k in keys[:-1]:
            d = d[k]
        d[keys[-1]] = value

    return tamper


META_TAMPERING = [
    ("step negative", _set("step", -1)),
    ("step past the schedule", _set("step", 21)),
    ("step string", _set("step", "3")),
    ("step float", _set("step", 3.0)),
    ("step bool", _set("step", True)),
    ("step null", _set("step", None)),
    ("step other than history", _set("step", 2)),
    ("rng state short", lambda m: m["rng"].update(state=m["rng"]["state"][:-1])),
    ("rng state too big", lambda m: m["rng"]["state"].__setitem__(3, 2**32)),
    ("rng state negative", lambda m: m["rng"]["state"].__setitem__(3, -1)),
    ("rng index out of range", lambda m: m["rng"]["state"].__setitem__(624, 10**6)),
    ("rng state strings", lambda m: m["rng"].update(state=["1"] * 625)),
    ("rng state not a list", _set("rng", "state", 12345)),
    ("rng version", _set("rng", "version", 99)),
    ("rng gauss_next", _set("rng", "gauss_next", "x")),
    ("rng missing", lambda m: m.pop("rng")),
    ("rng a list", _set("rng", [1, 2, 3])),
    ("format", _set("format", "something-else")),
    ("version", _set("version", 4)),
    ("config invalid", _set("config", "n_embd", 0)),
    ("config unknown field", _set("config", "dropout", 0.1)),
    ("config not a dict", _set("config", [1, 2])),
    ("config num_steps smaller", _set("config", "num_steps", 2)),
    ("chars", _set("chars", ["a", "b"])),
    ("docs empty", _set("docs", [])),
    ("docs not strings", _set("docs", [1, 2, 3])),
    ("docs a string", _set("docs", "emma")),
    ("backend", _set("backend", "cuda")),
    ("last timings a list", _set("last", "timings", [1, 2])),
    ("last timings strings", _set("last", "timings", {"forward": "fast"})),
    ("last a string", _set("last", "oops")),
]


@pytest.mark.parametrize(("what", "tamper"), META_TAMPERING, ids=[w for w, _ in META_TAMPERING])
def test_tampered_metadata(saved, tmp_path, what, tamper):
    path, victim = saved
    meta, arrays = read_ckpt(path)
    tamper(meta)
    bad = tmp_path / "bad.npz"
    write_ckpt(bad, meta, arrays)
    expect_checkpoint_error(bad, victim)


@pytest.mark.parametrize("meta", ['"just a string"', "[1, 2]", "{not json", "null"])
def test_metadata_that_is_not_an_object(saved, tmp_path, meta):
    path, victim = saved
    _, arrays = read_ckpt(path)
    bad = tmp_path / "bad.npz"
    np.savez(bad, meta=np.array(meta), **arrays)
    expect_checkpoint_error(bad, victim)


def test_untampered_copy_loads(saved, tmp_path):
    # the tampering helpers themselves produce a loadable file when nothing is changed
    path, victim = saved
    meta, arrays = read_ckpt(path)
    good = tmp_path / "good.npz"
    write_ckpt(good, meta, arrays)
    loaded = Trainer.load(good)
    assert state_of(loaded)[:5] == state_of(victim)[:5]


def test_a_version_1_checkpoint_loads(saved, tmp_path):
    # version 1 kept the metadata as one numpy unicode string (4 bytes a character)
    path, victim = saved
    meta, arrays = read_ckpt(path)
    old = tmp_path / "v1.npz"
    np.savez(old, meta=np.array(json.dumps({**meta, "version": 1})), **arrays)
    assert state_of(Trainer.load(old)) == state_of(victim)


def test_step_true_is_not_step_one(docs, tmp_path):
    # JSON true is a bool, and bool is an int in Python: it must not pass as step 1
    t = Trainer(docs, CFG)
    t.step()
    path = tmp_path / "one.npz"
    t.save(path)
    meta, arrays = read_ckpt(path)
    meta["step"] = True
    write_ckpt(path, meta, arrays)
    expect_checkpoint_error(path, t)


def test_plain_text_file_says_not_a_checkpoint_and_never_mentions_pickle(saved, tmp_path):
    bad = tmp_path / "names.npz"
    bad.write_text("emma\nolivia\n")
    message = expect_checkpoint_error(bad, saved[1])
    assert message == f"{bad}: not a microgpt checkpoint (it is not an .npz archive)"


# --- files that are not checkpoints at all (#9, item 3) -------------------------------------


def _load_in_a_thread(path):
    """Trainer.load(path) in a thread; the join timeout only turns a hang into a failure."""
    result = {}

    def run():
        try:
            result["trainer"] = Trainer.load(path)
        except Exception as e:  # noqa: BLE001 - handed to the test
            result["error"] = e

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=60)
    return thread, result


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "run.npz"
    os.mkfifo(fifo)
    thread, result = _load_in_a_thread(fifo)
    if thread.is_alive():  # the old code blocks in open(): give it a writer and an EOF
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join()
        pytest.fail("Trainer.load blocked on a named pipe")
    assert isinstance(result.get("error"), CheckpointError), result
    assert "named pipe, not a regular file" in str(result["error"])


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero here")
def test_a_device_is_refused():
    with pytest.raises(CheckpointError, match="/dev/zero: is a device, not a regular file"):
        Trainer.load("/dev/zero")


def test_a_file_over_the_size_limit_is_refused_from_its_size(saved, tmp_path):
    from microgpt.checkpoint import MAX_CHECKPOINT_BYTES

    big = tmp_path / "big.npz"
    with open(big, "wb") as f:  # sparse: nothing written to the disk
        f.truncate(MAX_CHECKPOINT_BYTES + 1)
    message = expect_checkpoint_error(big, saved[1])
    assert "checkpoints are limited to 512 MB" in message


# --- sizes are checked from the headers, before any data is read (#9, item 6) ---------------


def _npy_header(shape, dtype) -> bytes:
    buf = io.BytesIO()
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False}
    np.lib.format.write_array_header_1_0(buf, {**header, "shape": shape})
    return buf.getvalue()


def _write_members(path, members: dict):
    """An .npz from name -> bytes or (header, n_zero_bytes): the zeros streamed, compressed."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, body in members.items():
            with z.open(f"{name}.npy", "w", force_zip64=True) as m:
                if isinstance(body, bytes):
                    m.write(body)
                    continue
                header, n = body
                m.write(header)
                chunk = bytes(2**20)
                for _ in range(n // len(chunk)):
                    m.write(chunk)


def _npy(a) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a, allow_pickle=False)
    return buf.getvalue()


def _members_of(path) -> dict:
    meta, arrays = read_ckpt(path)
    return {"meta": _npy(np.array(json.dumps(meta))), **{k: _npy(a) for k, a in arrays.items()}}


def _peak_bytes_of_load(path) -> tuple[int, str]:
    tracemalloc.start()
    try:
        with pytest.raises(CheckpointError) as info:
            Trainer.load(path)
        return tracemalloc.get_traced_memory()[1], str(info.value)
    finally:
        tracemalloc.stop()


def test_an_array_far_larger_than_its_model_is_refused_before_it_is_unpacked(saved, tmp_path):
    # the file: a 1.1 MB .npz whose params unpack to 1 GB of zeros; here 128 MB
    path, victim = saved
    members = _members_of(path)
    n = 2**24
    members["params"] = (_npy_header((n,), np.float64), 8 * n)
    bomb = tmp_path / "bomb.npz"
    _write_members(bomb, members)
    assert bomb.stat().st_size < 2**20
    peak, message = _peak_bytes_of_load(bomb)
    assert peak < 16 * 2**20, f"{peak / 2**20:.0f} MB allocated"  # the old code: 128 MB
    assert f"'params' has shape ({n},) float64, expected ({victim.layout.size},) float64" in message


def test_an_unknown_entry_is_refused_without_reading_it(saved, tmp_path):
    path, _ = saved
    members = _members_of(path)
    members["padding"] = (_npy_header((2**24,), np.float64), 8 * 2**24)
    bad = tmp_path / "padded.npz"
    _write_members(bad, members)
    peak, message = _peak_bytes_of_load(bad)
    assert peak < 16 * 2**20, f"{peak / 2**20:.0f} MB allocated"
    assert message == f"{bad}: not a microgpt checkpoint (unexpected entry 'padding')"


def test_metadata_larger_than_the_limit_is_refused_from_its_header(saved, tmp_path):
    # the file: an unknown 200 MB metadata key in a 0.97 MB file (loaded at 1.9 GB)
    path, _ = saved
    members = _members_of(path)
    members["meta"] = (_npy_header((), np.dtype(f"<U{50 * 2**20}")), 4 * 2**20)  # says 200 MB
    bad = tmp_path / "fat-meta.npz"
    _write_members(bad, members)
    peak, message = _peak_bytes_of_load(bad)
    assert peak < 16 * 2**20, f"{peak / 2**20:.0f} MB allocated"
    assert "the metadata is 200 MB; at most 128 MB" in message


def test_an_unknown_metadata_key_is_refused(saved, tmp_path):
    path, victim = saved
    meta, arrays = read_ckpt(path)
    meta["padding"] = "x" * 1000
    bad = tmp_path / "bad.npz"
    write_ckpt(bad, meta, arrays)
    assert "unknown metadata key 'padding'" in expect_checkpoint_error(bad, victim)


def test_a_checkpoint_too_large_to_load_is_not_saved(docs, tmp_path, monkeypatch):
    import microgpt.checkpoint

    monkeypatch.setattr(microgpt.checkpoint, "MAX_META_BYTES", 1000)
    with pytest.raises(CheckpointError, match="too large for a checkpoint"):
        Trainer(docs, CFG).save(tmp_path / "run.npz")
    assert list(tmp_path.iterdir()) == []


def test_a_fortran_ordered_array_loads(saved, tmp_path):
    path, victim = saved
    meta, arrays = read_ckpt(path)
    arrays["history_grad_norms"] = np.asfortranarray(arrays["history_grad_norms"])
    good = tmp_path / "fortran.npz"
    write_ckpt(good, meta, arrays)
    assert Trainer.load(good).history == victim.history


# --- stale temp files of a killed save (#9, item 6) -------------------------------------------


def test_save_removes_its_own_stale_temp_files(docs, tmp_path):
    hour_ago = time.time() - 3600
    stale = tmp_path / ".run.npz.k2j_9x0a.tmp"  # what mkstemp names a killed save's file
    other_target = tmp_path / ".other.npz.k2j_9x0a.tmp"
    not_ours = tmp_path / ".run.npz.notes.tmp"
    fresh = tmp_path / ".run.npz.abcd1234.tmp"  # maybe another app's save, right now
    for p in (stale, other_target, not_ours, fresh):
        p.write_bytes(b"half a zip")
    for p in (stale, other_target, not_ours):
        os.utime(p, (hour_ago, hour_ago))
    Trainer(docs, CFG).save(tmp_path / "run.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["run.npz", other_target.name, not_ours.name, fresh.name]
    )


# --- destinations, in the user's words (#9, items 10, 12) ------------------------------------


def test_saving_into_a_missing_folder_names_the_folder(docs, tmp_path):
    target = tmp_path / "nope" / "run.npz"
    with pytest.raises(CheckpointError) as info:
        Trainer(docs, CFG).save(target)
    assert str(info.value) == f"{target}: the folder {target.parent} does not exist"


def test_saving_onto_a_folder_says_so(docs, tmp_path):
    with pytest.raises(CheckpointError) as info:
        Trainer(docs, CFG).save(tmp_path)
    assert str(info.value) == f"{tmp_path}: is a folder; give a file name, e.g. {tmp_path}/run.npz"


def test_saving_under_a_file_says_it_is_not_a_folder(docs, tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(CheckpointError, match="is not a folder"):
        Trainer(docs, CFG).save(tmp_path / "f" / "run.npz")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_saving_onto_a_named_pipe_is_refused(docs, tmp_path):
    fifo = tmp_path / "run.npz"
    os.mkfifo(fifo)
    with pytest.raises(CheckpointError, match="not a regular file"):
        Trainer(docs, CFG).save(fifo)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)  # left as it was
    assert [p.name for p in tmp_path.iterdir()] == ["run.npz"]


def test_saving_where_writing_is_denied_says_permission_denied(docs, tmp_path, monkeypatch):
    # as root a read-only folder does not bite: make the temp file's creation fail
    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".run.npz.x7_ab2cd.tmp"))

    monkeypatch.setattr(tempfile, "mkstemp", deny)
    with pytest.raises(CheckpointError) as info:
        Trainer(docs, CFG).save(tmp_path / "run.npz")
    assert str(info.value) == (
        f"{tmp_path / 'run.npz'}: cannot write in the folder {tmp_path} (permission denied)"
    )


def test_check_destination_accepts_a_new_or_existing_file_and_leaves_nothing(saved, tmp_path):
    from microgpt.checkpoint import check_destination

    assert check_destination(tmp_path / "new.npz") == tmp_path / "new.npz"
    assert list(tmp_path.iterdir()) == []
    existing = saved[0]
    before = sorted(existing.parent.iterdir())
    assert check_destination(existing) == existing
    assert sorted(existing.parent.iterdir()) == before


@pytest.mark.parametrize(
    ("where", "words"),
    [
        (lambda d: d / "missing" / "x.npz", "does not exist"),
        (lambda d: d, "is a folder"),
        (lambda d: Path(""), "is a folder"),
    ],
    ids=["missing-folder", "a-folder", "empty"],
)
def test_check_destination_refuses_in_the_users_words(tmp_path, where, words):
    from microgpt.checkpoint import check_destination

    with pytest.raises(CheckpointError, match=words):
        check_destination(where(tmp_path))


def test_history_costs_at_most_64_bytes_a_step_in_a_checkpoint(tmp_path):
    """loss and lr float64, grad norms float16 (an overflowing norm is kept as inf)."""
    from microgpt import StepPoints

    t = Trainer(default_docs(), TrainConfig(num_steps=20_000), "numpy")
    t.step()
    k = len(t.layout.names) + 1
    n = 20_000
    norms = np.full((n, k), 0.5, dtype=np.float16)
    norms[3, 0] = np.inf
    history = StepPoints(1, np.full(n, 2.5), np.full(n, 0.01), norms)
    big = Trainer.from_state(
        t.docs,
        t.config,
        "numpy",
        params=t.params,
        m=t.m,
        v=t.v,
        rng_state=t.rng.getstate(),
        history=history,
    )
    path = tmp_path / "long.npz"
    big.save(path)
    assert path.stat().st_size / n <= 64
    loaded = Trainer.load(path)
    assert loaded.history == big.history and loaded.history.grad_norms[3, 0] == np.inf
