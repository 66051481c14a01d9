"""Regenerate assets/penguins.csv: the Palmer penguins table (344 rows, data CC0).

The table ships inside the PyPI package `palmerpenguins` 0.1.6 as
palmerpenguins/data/penguins.csv. This script downloads that wheel (no dependencies,
nothing installed) into a temporary folder and copies the file, checked:
python scripts/make_penguins_asset.py            (uses pip download)
python scripts/make_penguins_asset.py WHEEL      (an already downloaded wheel)
"""

import csv
import io
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PACKAGE = "palmerpenguins==0.1.6"
MEMBER = "palmerpenguins/data/penguins.csv"
COLUMNS = [
    "species",
    "island",
    "bill_length_mm",
    "bill_depth_mm",
    "flipper_length_mm",
    "body_mass_g",
    "sex",
    "year",
]
N_ROWS = 344


def download_wheel(folder: Path) -> Path:
    """pip download the pinned wheel into folder; its path."""
    cmd = [sys.executable, "-m", "pip", "download", PACKAGE, "--no-deps", "--only-binary=:all:"]
    subprocess.run([*cmd, "-d", str(folder)], check=True)
    (wheel,) = folder.glob("palmerpenguins-0.1.6-*.whl")
    return wheel


def checked_table(text: str) -> str:
    """The CSV text with \\n line ends, after checking its header, row count and fields."""
    rows = list(csv.reader(io.StringIO(text)))
    if rows[0] != COLUMNS:
        raise SystemExit(f"unexpected columns {rows[0]}")
    if len(rows) - 1 != N_ROWS or any(len(r) != len(COLUMNS) for r in rows):
        raise SystemExit(f"expected {N_ROWS} rows of {len(COLUMNS)} fields")
    for r in rows[1:]:  # a measurement is a number or NA (missing)
        for x in r[2:6]:
            if x != "NA":
                float(x)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def main() -> None:
    out = Path(__file__).resolve().parent.parent / "assets" / "penguins.csv"
    with tempfile.TemporaryDirectory() as tmp:
        wheel = Path(sys.argv[1]) if len(sys.argv) > 1 else download_wheel(Path(tmp))
        with zipfile.ZipFile(wheel) as z:
            text = z.read(MEMBER).decode("utf-8")
    table = checked_table(text)
    out.write_text(table, encoding="utf-8", newline="")
    print(f"wrote {table.count(chr(10)) - 1} penguins to {out}")


if __name__ == "__main__":
    main()
