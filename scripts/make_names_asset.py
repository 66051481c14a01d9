"""Regenerate assets/names.txt from the US Census 1990 first-name lists.

The lists ship inside the PyPI package `names` (dist.male.first, dist.female.first):
pip install names && python scripts/make_names_asset.py
"""

import importlib.util
from pathlib import Path


def census_first_names() -> list[str]:
    """Lowercased, deduplicated first names, in first-seen order (male list, then female)."""
    spec = importlib.util.find_spec("names")
    if spec is None or spec.origin is None:
        raise SystemExit("the 'names' package is not installed: pip install names")
    folder = Path(spec.origin).parent
    seen: dict[str, None] = {}
    for fname in ("dist.male.first", "dist.female.first"):
        for line in (folder / fname).read_text(encoding="ascii").splitlines():
            if line.strip():
                seen.setdefault(line.split()[0].lower(), None)
    return list(seen)


def main() -> None:
    out = Path(__file__).resolve().parent.parent / "assets" / "names.txt"
    names = census_first_names()
    out.write_text("\n".join(names) + "\n", encoding="utf-8")
    print(f"wrote {len(names)} names to {out}")


if __name__ == "__main__":
    main()
