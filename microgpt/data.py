"""Documents and the character tokenizer, as microgpt builds them."""

import codecs
import os
import stat
import urllib.error
import urllib.request
from importlib import resources
from pathlib import Path

from .destination import short_path
from .errors import DatasetError, VocabularyError

MAKEMORE_URL = "https://raw.githubusercontent.com/karpathy/makemore/refs/heads/master/names.txt"
MAX_VOCAB = 1000  # more distinct characters than this is not a char-level toy any more
MAX_DATASET_BYTES = 50 * 2**20  # makemore's names.txt is 0.2 MB; 50 MB is ~6 million names
# byte-order marks, UTF-32 first: its little-endian mark starts with UTF-16's
BOMS = [
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]


def parse_docs(text: str, source: str = "<text>") -> list[str]:
    """One document per line, stripped, blank lines skipped (microgpt's rule).

    Lines end at \\n, \\r\\n or a lone \\r (old Mac files), as Python's text mode reads them.
    """
    if "\x00" in text:
        raise DatasetError(f"{source}: looks like a binary file (it contains NUL bytes)")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    docs = [doc for doc in (line.strip() for line in lines) if doc]
    if not docs:
        raise DatasetError(f"{source}: is empty (no non-blank lines)")
    n_chars = len(set("".join(docs)))
    if n_chars > MAX_VOCAB:
        raise DatasetError(
            f"{source}: has {n_chars} distinct characters; at most {MAX_VOCAB} are supported"
        )
    return docs


def open_regular_file(path: Path, max_bytes: int, error: type[ValueError], what: str):
    """path opened for binary reading if it is a regular file of at most max_bytes.

    Anything else is error(message): a FIFO, a device (/dev/zero) or a socket is refused
    from its stat, before it is opened, and the open is non-blocking, so nothing here
    waits for a writer. `what` names the kind of file in the size message ("datasets").
    """
    where = short_path(path)  # a 300-character name is cut, its end kept
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise error(f"{where}: is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{where}: is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > max_bytes:
            raise error(f"{where}: is {_size(info.st_size)}; {_limit(what, max_bytes)}")
        f = os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb")
    except (FileNotFoundError, NotADirectoryError):
        raise error(f"{where}: file not found") from None
    except OSError as e:
        raise error(f"{where}: cannot be read ({e.strerror or e})") from None
    if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):  # swapped since the stat
        f.close()
        raise error(f"{where}: is not a regular file")
    return f


def read_regular_file(path: Path, max_bytes: int, error: type[ValueError], what: str) -> bytes:
    """The bytes of path, checked as open_regular_file does."""
    where = short_path(path)
    with open_regular_file(path, max_bytes, error, what) as f:
        try:
            raw = f.read(max_bytes + 1)
        except OSError as e:
            raise error(f"{where}: cannot be read ({e.strerror or e})") from None
    if len(raw) > max_bytes:  # grew since the stat
        raise error(f"{where}: is over {_size(max_bytes)}; {_limit(what, max_bytes)}")
    return raw


def _limit(what: str, max_bytes: int) -> str:
    return f"{what} are limited to {_size(max_bytes)}"


def _size(n: int) -> str:
    """51 MB, 2048 KB: what a size limit says."""
    return f"{n / 2**20:.0f} MB" if n >= 2**20 else f"{n / 1024:.0f} KB"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"


def decode_text(raw: bytes, source: str) -> str:
    """UTF-8 (a BOM allowed), or UTF-16/UTF-32 when a byte-order mark says so."""
    for bom, codec in BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError as e:
                raise DatasetError(
                    f"{source}: is not valid {codec.upper()} text (bad bytes at offset {e.start})"
                ) from None
    if b"\x00" in raw:
        if _utf16_without_bom(raw):
            raise DatasetError(
                f"{source}: looks like UTF-16 text without a byte-order mark; "
                "save it as UTF-8 (or as UTF-16 with a BOM)"
            )
        raise DatasetError(f"{source}: looks like a binary file (it contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DatasetError(f"{source}: is not UTF-8 text (bad byte at offset {e.start})") from None


def _utf16_without_bom(raw: bytes) -> bool:
    """Is raw UTF-16 text, most of whose characters are ASCII (a NUL in every other byte)?"""
    half = len(raw) // 2
    if len(raw) % 2 or half == 0:
        return False
    for codec, zeros in (("utf-16-le", raw[1::2]), ("utf-16-be", raw[0::2])):
        if zeros.count(0) >= 0.9 * half:
            try:
                raw.decode(codec)
            except UnicodeDecodeError:
                return False
            return True
    return False


def load_docs(path) -> list[str]:
    """Read a text file (UTF-8, or UTF-16/32 with a BOM), one document per line.

    DatasetError if it cannot be used: missing, not a regular file, over MAX_DATASET_BYTES,
    binary, not text, empty.
    """
    path = Path(path)
    raw = read_regular_file(path, MAX_DATASET_BYTES, DatasetError, "datasets")
    return parse_docs(decode_text(raw, str(path)), str(path))


def assets_dir() -> Path:
    """The bundled assets: microgpt/assets in a wheel or the app bundle, ../assets in a checkout."""
    package = Path(str(resources.files(__package__)))  # a folder in all three, never a zip
    candidates = [package / "assets"]
    if (package.parent / "pyproject.toml").is_file():  # a source checkout, installed or not
        candidates.append(package.parent / "assets")
    for candidate in candidates:
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
            raw = response.read(MAX_DATASET_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", None) or e
        if isinstance(reason, OSError) and reason.strerror:  # not '[Errno 111] Connection ...'
            reason = reason.strerror
        raise DatasetError(
            f"could not download {url}: {reason}. Without internet access, "
            "use a copy of the file on this computer instead"
        ) from None
    if len(raw) > MAX_DATASET_BYTES:
        limit = MAX_DATASET_BYTES // 2**20
        raise DatasetError(
            f"{url}: the download is over {limit} MB; datasets are limited to {limit} MB"
        )
    parse_docs(decode_text(raw, url), url)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".tmp{os.getpid()}")
    tmp.write_bytes(raw)
    os.replace(tmp, target)
    return target


def docs_for(spec: str | None) -> list[str]:
    """The docs a --data option names: the bundled names (None), makemore's, or a file."""
    if spec is None:
        return default_docs()
    if spec == "makemore":
        try:
            path = download_names()
        except DatasetError as e:
            raise DatasetError(f"{e} (--data path/to/names.txt)") from None
        return load_docs(path)
    return load_docs(spec)


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


def doc_tokens(tokenizer: CharTokenizer, doc: str, block_size: int) -> tuple[int, ...]:
    """[BOS] + ids + [BOS], cut to the block_size + 1 tokens a step uses (only those encoded)."""
    bos = tokenizer.bos
    return tuple(([bos] + tokenizer.encode(doc[:block_size]) + [bos])[: block_size + 1])
