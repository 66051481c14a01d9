"""`microgpt train | sample | bench`: output, exit codes, one-line errors."""

import json
import os
import re
import subprocess
import sys

import pytest

from microgpt import TrainConfig, Trainer, default_docs
from microgpt.cli import main

STEP_LINE = re.compile(r"^step +(\d+) / +(\d+) \| loss (\d+\.\d{4})$")


def run_cli(*args, cwd=None):
    """python -m microgpt ARGS in a subprocess."""
    env = {**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning"}
    return subprocess.run(
        [sys.executable, "-m", "microgpt", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
        check=False,
    )


def step_lines(out):
    return [m.groups() for m in map(STEP_LINE.match, out.splitlines()) if m]


def sample_lines(out):
    return [line.split(": ", 1)[1] for line in out.splitlines() if line.startswith("sample ")]


@pytest.fixture(scope="module")
def three_steps():
    """What the Trainer itself gives for `train --steps 3`: losses and the 20 samples."""
    t = Trainer(default_docs(), TrainConfig(num_steps=3))
    losses = [t.step().loss for _ in range(3)]
    return losses, [s.text for s in t.sample(20, 0.5)]


def test_train_prints_the_gists_lines_and_samples(three_steps):
    out = run_cli("train", "--steps", "3")
    assert out.returncode == 0, out.stderr
    assert out.stderr == ""
    losses, samples = three_steps
    assert "num docs: " in out.stdout and "vocab size: " in out.stdout
    assert "step    1 /    3 | loss " in out.stdout
    assert step_lines(out.stdout) == [
        (str(i + 1), "3", f"{loss:.4f}") for i, loss in enumerate(losses)
    ]
    assert "--- inference (new, hallucinated names) ---" in out.stdout
    assert "sample  1: " in out.stdout
    assert sample_lines(out.stdout) == samples


def test_log_writes_one_json_object_per_step_at_full_precision(tmp_path, capsys, three_steps):
    log = tmp_path / "run.jsonl"
    assert main(["train", "--steps", "3", "--samples", "0", "--quiet", "--log", str(log)]) == 0
    assert capsys.readouterr().out == ""  # --quiet and no samples
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["step"] for r in records] == [1, 2, 3]
    assert [r["loss"] for r in records] == three_steps[0]  # == : every bit survives JSON
    assert all(r["backend"] == "scalar" for r in records)
    # the log is appended to
    assert main(["train", "--steps", "1", "--samples", "0", "--quiet", "--log", str(log)]) == 0
    assert len(log.read_text().splitlines()) == 4


def test_num_steps_sets_the_schedule_and_steps_where_to_stop(tmp_path, capsys):
    ckpt = tmp_path / "run.npz"
    argv = ["train", "--num-steps", "6", "--steps", "2", "--samples", "0", "--save", str(ckpt)]
    assert main(argv) == 0
    lines = step_lines(capsys.readouterr().out)
    assert [(s, n) for s, n, _ in lines] == [("1", "6"), ("2", "6")]
    t = Trainer.load(ckpt)
    assert (t.config.num_steps, t.step_count) == (6, 2)
    assert main(["train", "--steps", "2", "--samples", "0", "--save", str(ckpt)]) == 0
    assert Trainer.load(ckpt).config.num_steps == 2


def test_resume_continues_until_steps_bit_identically(tmp_path, capsys):
    ckpt, log_a, log_b = tmp_path / "run.npz", tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    common = ["--samples", "0", "--quiet", "--num-steps", "5"]
    assert main(["train", "--steps", "2", "--save", str(ckpt), "--log", str(log_a), *common]) == 0
    resume = ["train", "--resume", str(ckpt), "--steps", "4", "--samples", "3"]
    assert main([*resume, "--log", str(log_a), "--save", str(ckpt)]) == 0
    resumed_out = capsys.readouterr().out
    assert [s for s, _, _ in step_lines(resumed_out)] == ["3", "4"]
    assert main(["train", "--steps", "4", "--log", str(log_b), *common]) == 0
    straight = [json.loads(x)["loss"] for x in log_b.read_text().splitlines()]
    resumed = [json.loads(x)["loss"] for x in log_a.read_text().splitlines()]
    assert resumed == straight
    assert Trainer.load(ckpt).step_count == 4
    # --resume without --steps trains to the end of the schedule
    assert (
        main(["train", "--resume", str(ckpt), "--samples", "0", "--quiet", "--save", str(ckpt)])
        == 0
    )
    assert Trainer.load(ckpt).step_count == 5


@pytest.mark.parametrize("steps", ["1", "6"])
def test_resume_outside_the_schedule_is_an_error(tmp_path, capsys, steps):
    ckpt = tmp_path / "run.npz"
    main(
        [
            "train",
            "--num-steps",
            "5",
            "--steps",
            "2",
            "--samples",
            "0",
            "--quiet",
            "--save",
            str(ckpt),
        ]
    )
    capsys.readouterr()
    assert main(["train", "--resume", str(ckpt), "--steps", steps]) == 1
    err = capsys.readouterr().err
    assert "--steps" in err and err.count("\n") == 1


def one_line_error(err, *words):
    assert err.startswith("microgpt: error: ")
    assert err.count("\n") == 1 and err.endswith("\n")
    assert "Traceback" not in err
    for w in words:
        assert w in err


def test_missing_data_file_in_a_subprocess(tmp_path):
    missing = tmp_path / "nope.txt"
    out = run_cli("train", "--data", str(missing), "--steps", "1")
    assert out.returncode == 1
    one_line_error(out.stderr, str(missing), "not found")
    assert out.stdout == ""


@pytest.mark.parametrize(
    ("content", "word"),
    [(b"", "empty"), (b"\x00\x01binary", "binary"), ("zoë".encode("latin-1"), "UTF-8")],
)
def test_bad_data_file(tmp_path, capsys, content, word):
    path = tmp_path / "data.txt"
    path.write_bytes(content)
    assert main(["train", "--data", str(path), "--steps", "1"]) == 1
    out = capsys.readouterr()
    one_line_error(out.err, str(path), word)
    assert out.out == ""


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["train", "--num-steps", "0", "--steps", "3"], "num_steps"),
        (["train", "--steps", "0"], "num_steps"),
        (["train", "--steps", "-3"], "num_steps"),
        (["train", "--steps", "3", "--lr", "-1"], "learning_rate"),
        (["train", "--steps", "3", "--seed", "-1"], "seed"),
        (["train", "--num-steps", "3", "--steps", "5"], "--steps"),
        (["train", "--steps", "3", "--temperature", "0"], "--temperature"),
        (["train", "--steps", "3", "--temperature", "nan"], "--temperature"),
        (["train", "--steps", "3", "--samples", "-2"], "--samples"),
        (["bench", "--backend", "scalar", "--steps", "0"], "--steps"),
        # #9, item 11: trained, then crashed in sampling with an OverflowError
        (["train", "--steps", "3", "--temperature", "1e-320"], "between 0.01 and 100"),
        (["train", "--steps", "3", "--temperature", "1000"], "between 0.01 and 100"),
        # #9, item 12: trained 300 steps, then failed with the temp file's name
        (["train", "--steps", "3", "--save", "/nonexistent/dir/x.npz"], "does not exist"),
        # #9, item 13: a TrainingComplete traceback
        (["bench", "--backend", "scalar", "--warmup", "-1"], "--warmup must be between 0 and"),
        (["bench", "--warmup", "-1"], "--warmup"),
        (["bench", "--backend", "numpy", "--steps", "100000000"], "--steps must be between 1"),
    ],
)
def test_bad_values_fail_before_training(capsys, argv, word):
    assert main(argv) == 1
    out = capsys.readouterr()
    one_line_error(out.err, word)
    assert step_lines(out.out) == []


def test_save_to_a_folder_fails_before_training(tmp_path, capsys):
    assert main(["train", "--steps", "3", "--save", str(tmp_path)]) == 1
    out = capsys.readouterr()
    one_line_error(out.err, str(tmp_path), "is a folder")
    assert ".tmp" not in out.err and step_lines(out.out) == []
    assert list(tmp_path.iterdir()) == []


def test_a_run_the_computer_cannot_hold_is_refused_before_training(capsys, monkeypatch):
    import microgpt.config

    monkeypatch.setattr(microgpt.config, "MAX_MEMORY", 2**20)  # as if the model needed 1 MB+
    assert main(["train", "--steps", "3"]) == 1
    out = capsys.readouterr()
    one_line_error(out.err, "too big for the scalar engine", "Use the numpy engine")
    assert step_lines(out.out) == []


def test_a_resumed_run_too_big_for_its_engine_is_refused(ckpt, capsys, monkeypatch):
    import microgpt.config

    monkeypatch.setattr(microgpt.config, "MAX_MEMORY", 2**20)
    assert main(["train", "--resume", str(ckpt), "--backend", "scalar"]) == 1
    one_line_error(capsys.readouterr().err, "too big for the scalar engine")
    assert main(["train", "--resume", str(ckpt), "--backend", "numpy", "--samples", "0"]) == 0


def test_a_very_slow_run_is_warned_about_and_trains(capsys, monkeypatch):
    import microgpt.config

    monkeypatch.setattr(microgpt.config, "SLOW_STEP", 1e-9)
    assert main(["train", "--steps", "2", "--samples", "0"]) == 0
    out = capsys.readouterr()
    assert out.err.startswith("microgpt: warning: very slow on the scalar engine: about ")
    assert out.err.count("\n") == 1
    assert len(step_lines(out.out)) == 2


def test_sample_refuses_a_temperature_that_would_overflow(ckpt, capsys):
    assert main(["sample", "--ckpt", str(ckpt), "--temperature", "1e-320"]) == 1
    one_line_error(capsys.readouterr().err, "--temperature", "between 0.01 and 100")


@pytest.mark.parametrize("command", ["train", "sample", "bench"])
def test_help_shows_every_default(capsys, command):
    with pytest.raises(SystemExit) as info:
        main([command, "--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out.split("options:", 1)[1]
    entries = re.split(r"\n  (?=-)", text)  # one per option, wrapped lines included
    options = [" ".join(e.split()) for e in entries if e.strip() and not e.strip().startswith("-h")]
    assert len(options) >= 5
    for option in options:
        assert "(default: " in option or "(required)" in option, option


def test_train_help_says_the_default_engine_is_the_slow_scalar_one(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: scalar" in text and "slow" in text and "--backend numpy" in text


def test_makemore_offline_suggests_a_local_file(capsys, monkeypatch):
    import functools
    import socket

    import microgpt.data

    with socket.socket() as s:  # a port with no listener: no network is used
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    offline = functools.partial(
        microgpt.data.download_names, url=f"http://127.0.0.1:{port}/names.txt", timeout=5
    )
    monkeypatch.setattr(microgpt.data, "download_names", offline)
    assert main(["train", "--data", "makemore", "--steps", "1"]) == 1
    one_line_error(capsys.readouterr().err, "could not download", "--data path/to/names.txt")


def test_unwritable_log_is_a_one_line_error(tmp_path, capsys):
    assert main(["train", "--steps", "1", "--log", str(tmp_path)]) == 1
    one_line_error(capsys.readouterr().err)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["fly"],
        ["train", "--steps", "three"],
        ["train", "--backend", "cuda"],
        ["train", "--bogus"],
        ["sample"],
        ["sample", "--ckpt", "x", "-n", "many"],
        ["bench", "--backend", "gpu"],
    ],
)
def test_argparse_misuse_exits_2(capsys, argv):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_argparse_misuse_in_a_subprocess():
    out = run_cli("train", "--steps", "x")
    assert out.returncode == 2
    assert "usage:" in out.stderr and "Traceback" not in out.stderr


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    path = tmp_path_factory.mktemp("cli") / "run.npz"
    t = Trainer(default_docs(), TrainConfig(n_embd=8, n_head=2, block_size=8, num_steps=4))
    t.step(), t.step()
    t.save(path)
    return path


def test_sample_from_a_checkpoint(ckpt, capsys):
    assert main(["sample", "--ckpt", str(ckpt), "-n", "4", "--seed", "3", "--prefix", "a"]) == 0
    expected = [s.text for s in Trainer.load(ckpt).sample(4, 0.5, seed=3, prefix="a")]
    assert sample_lines(capsys.readouterr().out) == expected
    # no seed: the run's own stream, as if sampling right after training
    assert main(["sample", "--ckpt", str(ckpt), "-n", "3"]) == 0
    assert sample_lines(capsys.readouterr().out) == [s.text for s in Trainer.load(ckpt).sample(3)]


@pytest.mark.parametrize(
    ("argv", "word"),
    [
        (["--prefix", "A9"], "'A'"),
        (["-n", "0"], "samples"),
        (["--temperature", "-1"], "temperature"),
    ],
)
def test_sample_with_bad_arguments(ckpt, capsys, argv, word):
    assert main(["sample", "--ckpt", str(ckpt), *argv]) == 1
    one_line_error(capsys.readouterr().err, word)


def test_sample_from_a_corrupt_checkpoint(tmp_path, ckpt):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(ckpt.read_bytes()[:300])
    out = run_cli("sample", "--ckpt", str(bad))
    assert out.returncode == 1
    one_line_error(out.stderr, str(bad))
    assert out.stdout == ""


def test_resume_from_a_corrupt_checkpoint(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_text("not a checkpoint")
    assert main(["train", "--resume", str(bad), "--steps", "2"]) == 1
    one_line_error(capsys.readouterr().err, str(bad))


def test_bench_scalar_prints_the_median(capsys):
    assert main(["bench", "--backend", "scalar", "--steps", "2", "--warmup", "0"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "median ms" in out[0] and "steps/s" in out[0]
    row = out[1].split()
    assert row[0] == "scalar" and row[1] == "2"
    median, low, high = map(float, row[2:5])
    assert 0 < low <= median <= high


def test_bench_json(capsys):
    assert main(["bench", "--backend", "scalar", "--steps", "2", "--warmup", "0", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["backend"] == "scalar" and r["steps"] == 2
    assert r["min_ms"] <= r["median_ms"] <= r["max_ms"]


def test_bench_scalar_in_a_subprocess():
    out = run_cli("bench", "--backend", "scalar", "--steps", "2", "--warmup", "1")
    assert out.returncode == 0, out.stderr
    assert "median" in out.stdout


def test_python_dash_m_help():
    out = run_cli("--help")
    assert out.returncode == 0
    for command in ("train", "sample", "bench"):
        assert command in out.stdout


def test_console_script_help():
    script = os.path.join(os.path.dirname(sys.executable), "microgpt")
    if not os.path.exists(script):
        pytest.skip(f"no console script beside {sys.executable}")
    out = subprocess.run([script, "train", "--help"], capture_output=True, text=True, check=False)
    assert out.returncode == 0
    assert "--resume" in out.stdout and "--log" in out.stdout


def test_data_makemore_uses_the_downloaded_list(tmp_path, capsys, monkeypatch):
    # the download itself is tested against a local server in test_data.py; never the internet
    import microgpt.data

    names = tmp_path / "names.txt"
    names.write_text("emma\nolivia\nava\nisabella\nsophia\n")
    calls = []
    monkeypatch.setattr(microgpt.data, "download_names", lambda: calls.append(1) or names)
    assert main(["train", "--data", "makemore", "--steps", "1", "--samples", "0"]) == 0
    assert calls == [1]
    assert "num docs: 5" in capsys.readouterr().out


def test_resume_refuses_options_it_cannot_honour(tmp_path):
    from microgpt.cli import main

    ckpt = tmp_path / "run.npz"
    assert (
        main(
            [
                "train",
                "--steps",
                "1",
                "--num-steps",
                "5",
                "--samples",
                "0",
                "--quiet",
                "--save",
                str(ckpt),
            ]
        )
        == 0
    )
    assert main(["train", "--resume", str(ckpt), "--seed", "3", "--quiet"]) == 1


def test_checkpoint_follows_the_umask(tmp_path):
    import os

    from microgpt import TrainConfig, Trainer, default_docs

    old = os.umask(0o022)
    try:
        Trainer(default_docs(), TrainConfig(num_steps=2)).save(tmp_path / "c.npz")
    finally:
        os.umask(old)
    assert (tmp_path / "c.npz").stat().st_mode & 0o777 == 0o644
