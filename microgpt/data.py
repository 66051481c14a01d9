"""Documents and the character tokenizer, as microgpt builds them."""

import os
import urllib.error
import urllib.request
from pathlib import Path

from .errors import DatasetError, VocabularyError

MAKEMORE_URL = "https://raw.githubusercontent.com/karpathy/makemore/refs/heads/master/names.txt"
MAX_VOCAB = 1000  # more distinct characters than this is not a char-level toy any more


def parse_docs(text: str, source: str = "<text>") -> list[str]:
    """One document per line, stripped, blank lines skipped (microgpt's rule)."""
    if "\x00" in text:
        raise DatasetError(f"{source}: looks like a binary file (it contains NUL bytes)")
    docs = [line.strip() for line in text.strip().split("\n") if line.strip()]
    if not docs:
        raise DatasetError(f"{source}: is empty (no non-blank lines)")
    n_chars = len(set("".join(docs)))
    if n_chars > MAX_VOCAB:
        raise DatasetError(
            f"{source}: has {n_chars} distinct characters; at most {MAX_VOCAB} are supported"
        )
    return docs


def load_docs(path) -> list[str]:
    """Read a UTF-8 text file, one document per line; DatasetError if it cannot be used."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DatasetError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise DatasetError(f"{path}: is a folder, not a text file") from None
    except OSError as e:
        raise DatasetError(f"{path}: cannot be read ({e.strerror or e})") from None
    if b"\x00" in raw:
        raise DatasetError(f"{path}: looks like a binary file (it contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DatasetError(f"{path}: is not UTF-8 text (bad byte at offset {e.start})") from None
    return parse_docs(text, str(path))


def assets_dir() -> Path:
    """The bundled assets: inside the package in a wheel, beside it in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "assets", here.parent / "assets"):
        if (candidate / "names.txt").is_file():
            return candidate
    raise DatasetError("the bundled dataset is missing from this installation")


def default_docs() -> list[str]:
    """The bundled dataset: US Census 1990 first names (see README)."""
    return load_docs(assets_dir() / "names.txt")


def cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("microgpt", appauthor=False))


def download_names(url: str = MAKEMORE_URL, cache: Path | None = None, timeout: float = 10.0):
    """Fetch makemore's names.txt once into the user cache; return its path."""
    target = Path(cache or cache_dir()) / "names.txt"
    if target.is_file():
        return target
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            raw = response.read()
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        raise DatasetError(f"could not download {url}: {reason}") from None
    try:
        parse_docs(raw.decode("utf-8-sig"), url)
    except UnicodeDecodeError:
        raise DatasetError(f"{url}: the download is not UTF-8 text") from None
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(raw)
    os.replace(tmp, target)
    return target


class CharTokenizer:
    """Characters of the docs, sorted; BOS is one extra id, len(chars)."""

    def __init__(self, docs: list[str]):
        self.chars = sorted(set("".join(docs)))
        self.bos = len(self.chars)
        self.vocab_size = len(self.chars) + 1
        self._ids = {ch: i for i, ch in enumerate(self.chars)}

    def encode(self, text: str) -> list[int]:
        """Ids of the characters of text; VocabularyError names an unknown one."""
        ids = []
        for ch in text:
            if ch not in self._ids:
                raise VocabularyError(f"the character {ch!r} is not in the vocabulary")
            ids.append(self._ids[ch])
        return ids

    def decode(self, ids) -> str:
        """Text of the ids; BOS is skipped."""
        return "".join(self.chars[i] for i in ids if i != self.bos)

    def token_name(self, i: int) -> str:
        """A printable name for one id: the char, or 'BOS'."""
        return "BOS" if i == self.bos else self.chars[i]
