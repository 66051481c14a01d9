"""Issue 21 (items 7, 9, 12, 13, 15, 16): settings in one range, destinations checked before
training, a model refused by an engine too small for it, and messages in the user's words."""

import functools
import json
import os
import socket

import numpy as np
import pytest

import microgpt.config
from microgpt import CheckpointError, ConfigError, DatasetError, TrainConfig, Trainer
from microgpt.cli import main
from microgpt.config import LEARNING_RATE_RANGE, MAX_SEED
from microgpt.expr.language import ExprError, evaluate

DOCS = ["emma", "olivia", "ava", "isabella", "sophia", "mia"]
CFG = TrainConfig(num_steps=20)


def one_line_error(err: str, *words) -> None:
    assert err.startswith("microgpt: error: ") and err.count("\n") == 1, err
    assert "Errno" not in err and "Traceback" not in err, err
    for w in words:
        assert w in err, err


@pytest.fixture
def ckpt(tmp_path):
    t = Trainer(DOCS, CFG, "numpy")
    t.step()
    path = tmp_path / "run.npz"
    t.save(path)
    return path


def rewrite_meta(path, change) -> None:
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(arrays.pop("meta").tobytes().decode())
    change(meta)
    raw = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(path, meta=raw, **arrays)


# --- one range per setting (items 9, 15) ----------------------------------------------------


def test_the_seed_range_is_what_a_spin_box_holds_in_config_cli_and_checkpoints(ckpt, capsys):
    assert MAX_SEED == 2**31 - 1
    assert TrainConfig(seed=MAX_SEED).seed == MAX_SEED
    for seed in (MAX_SEED + 1, 99999999999999999999):
        with pytest.raises(ConfigError, match=f"seed must be between 0 and {MAX_SEED}"):
            TrainConfig(seed=seed)
        assert main(["train", "--seed", str(seed), "--steps", "1"]) == 1
        one_line_error(capsys.readouterr().err, "--seed: seed must be between 0 and 2147483647")
    rewrite_meta(ckpt, lambda m: m["config"].update(seed=MAX_SEED + 1))
    with pytest.raises(CheckpointError, match="seed must be between 0 and 2147483647"):
        Trainer.load(ckpt)


def test_a_sampling_seed_has_the_same_range():
    t = Trainer(DOCS, CFG, "numpy")
    assert len(t.sample(1, seed=MAX_SEED)) == 1
    with pytest.raises(ValueError, match="seed must be between 0 and 2147483647"):
        t.sample(1, seed=MAX_SEED + 1)


def test_the_learning_rate_range_is_defined_once():
    lo, hi = LEARNING_RATE_RANGE
    assert TrainConfig(learning_rate=lo).learning_rate == lo
    assert TrainConfig(learning_rate=hi).learning_rate == hi
    for lr in (lo / 2, hi * 1.01):
        with pytest.raises(ConfigError, match=f"learning_rate must be between {lo:g} and {hi:g}"):
            TrainConfig(learning_rate=lr)


# --- an engine too small for the model (item 7) ---------------------------------------------


def test_a_checkpoint_too_big_for_the_scalar_engine_is_refused_before_building(
    ckpt, monkeypatch, capsys
):
    # as if the model needed more than the limit on scalar (but not on numpy): no gigabytes
    scalar = microgpt.config.estimate(CFG, 7, "scalar").memory
    monkeypatch.setattr(microgpt.config, "MAX_MEMORY", scalar - 1)
    with pytest.raises(CheckpointError) as info:
        Trainer.load(ckpt, backend="scalar")
    assert str(info.value).startswith(f"{ckpt}: this model needs the numpy engine")
    assert "too big for the scalar engine" in str(info.value)
    assert Trainer.load(ckpt, backend="numpy").step_count == 1
    with pytest.raises(ConfigError, match="this model needs the numpy engine"):
        Trainer(DOCS, CFG, "scalar")
    rewrite_meta(ckpt, lambda m: m.update(backend="scalar"))  # as saved by the scalar engine
    assert main(["sample", "--ckpt", str(ckpt)]) == 1
    one_line_error(capsys.readouterr().err, "this model needs the numpy engine", "--backend numpy")
    assert main(["sample", "--ckpt", str(ckpt), "--backend", "numpy", "-n", "2"]) == 0


# --- where files go (items 12, 13) ----------------------------------------------------------


@pytest.mark.parametrize(
    "name, words",
    [
        ("", "no checkpoint name given"),
        ("/proc/x.npz", "files cannot be created in the folder /proc"),
        ("a" * 300 + ".npz", "the file name is too long (304 characters"),
    ],
    ids=["empty", "proc", "long"],
)
def test_save_destinations_are_refused_before_training_in_words(name, words, capsys):
    assert main(["train", "--steps", "2", "--save", name]) == 1
    out = capsys.readouterr()
    one_line_error(out.err, words)
    assert "step " not in out.out and len(out.err) < 250


def test_a_run_whose_checkpoint_would_be_too_large_is_refused_before_training(
    tmp_path, monkeypatch, capsys
):
    import microgpt.checkpoint

    data = tmp_path / "names.txt"
    data.write_text("\n".join(f"name{i}" for i in range(2000)), encoding="utf-8")
    monkeypatch.setattr(microgpt.checkpoint, "MAX_META_BYTES", 20_000)  # docs JSON: ~22 KB
    save = tmp_path / "run.npz"
    assert main(["train", "--data", str(data), "--steps", "3", "--save", str(save)]) == 1
    out = capsys.readouterr()
    one_line_error(out.err, "too large for a checkpoint")
    assert "step " not in out.out and not save.exists()


def test_the_size_check_agrees_with_the_saved_size(tmp_path):
    from microgpt.checkpoint import check_fits

    t = Trainer(DOCS, CFG, "numpy")
    path = tmp_path / "run.npz"
    check_fits(t, path, 5)
    for _ in range(5):
        t.step()
    t.save(path)
    with np.load(path) as z:
        saved = sum(z[k].nbytes for k in z.files)
    import microgpt.checkpoint as ck

    ck_max = ck.MAX_CHECKPOINT_BYTES
    try:  # the estimate refuses a limit one byte under what was saved
        ck.MAX_CHECKPOINT_BYTES = saved - 1
        with pytest.raises(CheckpointError, match="too large for a checkpoint"):
            check_fits(Trainer(DOCS, CFG, "numpy"), path, 5)
    finally:
        ck.MAX_CHECKPOINT_BYTES = ck_max


@pytest.mark.parametrize(
    "where, words",
    [
        (lambda d: "/proc/x.jsonl", "files cannot be created in the folder /proc"),
        (lambda d: str(d), "is a folder"),
        (lambda d: "/dev/full", "/dev/full: is not a regular file"),
        (lambda d: str(d / "missing" / "x.jsonl"), "does not exist"),
    ],
    ids=["proc", "folder", "dev-full", "missing-folder"],
)
def test_log_destinations_are_refused_before_training_in_words(tmp_path, where, words, capsys):
    assert main(["train", "--steps", "2", "--samples", "0", "--log", where(tmp_path)]) == 1
    out = capsys.readouterr()
    one_line_error(out.err, words)
    assert "step " not in out.out


def test_a_log_to_a_fifo_is_refused_without_waiting(tmp_path, capsys):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    codes = []
    args = ["train", "--steps", "1", "--samples", "0", "--log", str(fifo)]
    t = threading.Thread(target=lambda: codes.append(main(args)), daemon=True)
    t.start()
    t.join(30)
    assert codes == [1], "opening the FIFO waited for a reader"
    one_line_error(capsys.readouterr().err, "is not a regular file")


def test_a_log_that_cannot_be_written_mid_run_says_so_and_keeps_the_checkpoint(
    tmp_path, monkeypatch, capsys
):
    import microgpt.cli

    def full(path, error):
        f = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
        f.write = functools.partial(_raise, OSError(28, "No space left on device"))
        return f

    monkeypatch.setattr(microgpt.cli, "open_for_append", full)
    save = tmp_path / "run.npz"
    args = ["train", "--steps", "2", "--samples", "0", "--log", "x", "--save", str(save)]
    assert main(args) == 1
    one_line_error(capsys.readouterr().err, "could not write the log (No space left on device)")
    assert Trainer.load(save).step_count == 1  # what was trained is kept


def _raise(e, *args):
    raise e


# --- messages that say what is wrong (item 16) ----------------------------------------------


@pytest.mark.parametrize(
    "args, words",
    [
        (["--lr", "nan"], "--lr: learning_rate must be a finite number"),
        (["--lr", "inf"], "--lr: learning_rate must be a finite number"),
        (["--steps", "-1"], "--steps: num_steps must be at least 1"),
        (["--num-steps", "0"], "--num-steps: num_steps must be at least 1"),
    ],
)
def test_cli_setting_errors_name_the_flag(args, words, capsys):
    assert main(["train", *args]) == 1
    one_line_error(capsys.readouterr().err, words)


def test_a_resumed_run_with_a_bad_lr_names_the_flag(ckpt, capsys):
    assert main(["train", "--resume", str(ckpt), "--lr", "nan"]) == 1
    one_line_error(capsys.readouterr().err, "--lr: learning_rate must be a finite number")


def test_utf16_without_a_bom_is_named(tmp_path):
    from microgpt.data import load_docs

    for codec in ("utf-16-le", "utf-16-be"):
        path = tmp_path / f"{codec}.txt"
        path.write_bytes("emma\nolivia\nzoë\n".encode(codec))
        with pytest.raises(DatasetError, match="looks like UTF-16 text without a byte-order mark"):
            load_docs(path)
    binary = tmp_path / "binary.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(DatasetError, match="looks like a binary file"):
        load_docs(binary)


def test_an_unknown_random_state_version_is_said_in_words(ckpt):
    rewrite_meta(ckpt, lambda m: m["rng"].update(version=99))
    with pytest.raises(CheckpointError) as info:
        Trainer.load(ckpt)
    message = str(info.value)
    assert "the random-number state is of an unknown kind (version 99" in message
    assert "setstate" not in message and "Random" not in message


def test_makemore_offline_gives_no_errno(tmp_path):
    from microgpt.data import download_names

    with socket.socket() as s:  # a loopback port with no listener: refused, no network used
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DatasetError) as info:
        download_names(f"http://127.0.0.1:{port}/names.txt", cache=tmp_path, timeout=5)
    assert "could not download" in str(info.value) and "Errno" not in str(info.value)
    assert "Connection refused" in str(info.value)


def test_an_oserror_with_a_long_name_prints_no_errno(tmp_path, capsys):
    name = str(tmp_path / ("b" * 300))
    assert main(["train", "--data", name]) == 1
    err = capsys.readouterr().err
    assert "Errno" not in err and len(err) < 300


def test_a_5000_digit_number_in_a_program_is_said_in_words():
    with pytest.raises(ExprError) as info:
        evaluate("y = " + "1" * 5000)
    message = str(info.value)
    assert "this number has 5000 digits; at most 400" in message
    assert "set_int_max_str_digits" not in message and len(message) < 200


# Every fix a message suggests, with x = 2 before it, must itself be a valid program.
BAD_PROGRAMS = [
    "y = param()",
    "y = param",
    "y = param(1, 2)",
    "y = exp",
    "y = exp(x, x)",
    "x //= 2",
    "x %= 2",
    "x @= 2",
    "x += 1",
    "x ** 2",
    "y = x ^ 2",
    "y = ~x",
    "y: float = 1",
    "y = (z := 3 * x)",
    "",
]


@pytest.mark.parametrize("program", BAD_PROGRAMS)
def test_every_fix_an_expression_message_suggests_is_accepted(program):
    import re

    with pytest.raises(ExprError) as info:
        evaluate(f"x = 2\n{program}" if program else "")
    message = str(info.value)
    fixes = re.findall(r"(?:like|write) +(.+?)(?: instead|$|\. )", message)
    for fix in fixes:
        fix = fix.split(" like ")[-1].strip()  # "write lines like  y = 3 * x"
        line = fix if "=" in fix else f"y = {fix}"
        evaluate(f"x = 2\n{line}")  # raises if the suggested fix is refused


def test_the_largest_allowed_model_on_the_scalar_engine_is_refused_in_words_not_numpy():
    from microgpt.config import LIMITS

    largest = TrainConfig(
        n_embd=LIMITS["n_embd"],
        n_head=LIMITS["n_head"],
        n_layer=LIMITS["n_layer"],
        block_size=LIMITS["block_size"],
    )
    with pytest.raises(ConfigError) as info:  # before any array is allocated
        Trainer(DOCS, largest, "scalar")
    message = str(info.value)
    assert message.startswith("this model needs the numpy engine: it is too big for the scalar")
    assert "Unable to allocate" not in message and "shape" not in message
