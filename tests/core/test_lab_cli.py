"""`microgpt sweep`: a table with the baselines, a CSV, one-line errors."""

import csv

from microgpt.cli import main


def test_sweep_prints_a_table_and_writes_csv(tmp_path, capsys):
    out_csv = tmp_path / "out.csv"
    args = "sweep --axis n_embd --values 4,8 --steps 30 --names 40 --workers 2".split()
    assert main([*args, "--csv", str(out_csv)]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    header = lines.index(next(x for x in lines if x.startswith("value")))
    rows = [x.split() for x in lines[header + 1 : header + 3]]
    assert [r[0] for r in rows] == ["4", "8"]
    assert all(0 < float(r[2]) < 4 for r in rows)  # held-out loss below ~ln(27)
    assert "bigram held-out loss" in out and "trigram held-out loss" in out
    assert "2/2 runs, 100%" in err
    with open(out_csv, newline="", encoding="utf-8") as f:
        records = list(csv.DictReader(f))
    assert [(r["value"], r["n_embd"], r["training_names"]) for r in records] == [
        ("4", "4", "40"),
        ("8", "8", "40"),
    ]
    assert [f"{float(r['held_out_loss']):.4f}" for r in records] == [r[2] for r in rows]


def test_sweep_refuses_bad_values_in_one_line(capsys):
    for values, message in [
        ("4,x", "n_embd takes whole numbers"),
        ("4,4", "listed twice"),
        ("1000", "n_embd must be at most"),
    ]:
        assert main(["sweep", "--axis", "n_embd", "--values", values]) == 1
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
