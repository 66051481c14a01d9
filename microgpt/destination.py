"""Where a file is written (a checkpoint, a log): checked before any work, errors in words."""

import errno
import os
import stat
import tempfile
from pathlib import Path

EXAMPLES = {"checkpoint": "run.npz", "log file": "run.jsonl"}  # a name to suggest
NAME_MAX = 255  # bytes in one file name on Linux, macOS and Windows file systems


def reason(e: OSError) -> str:
    """What went wrong, without Python's '[Errno N]' and the path it repeats."""
    if e.errno == errno.ENAMETOOLONG:
        return "the name is too long"
    return e.strerror or type(e).__name__


def checked_target(path, error: type[ValueError] = ValueError, what: str = "file") -> Path:
    """path if a `what` can be created or replaced there; error(why not) if not."""
    if str(path).strip() == "":
        raise error(f"no {what} name given; give one, e.g. {EXAMPLES.get(what, 'run.npz')}")
    path = Path(path)
    where, folder = short_path(path), short_path(path.parent)
    example = EXAMPLES.get(what, "run.npz")
    if len(os.fsencode(path.name)) > NAME_MAX:
        raise error(
            f"{where}: the file name is too long ({len(path.name)} characters; "
            f"at most {NAME_MAX} bytes)"
        )
    try:
        if path.is_dir():
            raise error(f"{where}: is a folder; give a file name, e.g. {path / example}")
        if not path.name or path.name in (".", ".."):
            raise error(f"{where}: no file name; give one, e.g. {example}")
        if not path.parent.exists():
            raise error(f"{where}: the folder {folder} does not exist")
        if not path.parent.is_dir():
            raise error(f"{where}: {folder} is not a folder")
        if path.exists() and not path.is_file():  # a FIFO or a device would be replaced
            raise error(f"{where}: is not a regular file; choose another name")
    except OSError as e:  # e.g. a path longer than the system allows
        raise error(f"{where}: cannot be written ({reason(e)})") from None
    return path


def make_temp(path: Path, error: type[ValueError] = ValueError) -> tuple[int, str]:
    """mkstemp beside path (.run.npz.k2j_9x0a.tmp); errors name the folder, not the temp file."""
    folder = path.parent
    try:
        return tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except PermissionError:
        raise error(
            f"{short_path(path)}: cannot write in the folder {short_path(folder)} "
            "(permission denied)"
        ) from None
    except OSError as e:  # /proc exists, but no file can be made in it (ENOENT)
        raise error(f"{short_path(path)}: {_cannot_create(folder, e)}") from None


def open_for_append(path, error: type[ValueError] = ValueError):
    """A regular file opened to append text (created if missing), checked as checked_target;
    a FIFO or a device is refused before it is opened, so nothing here waits."""
    path = checked_target(path, error, "log file")
    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags, 0o666)
    except PermissionError:
        raise error(f"{short_path(path)}: cannot be written (permission denied)") from None
    except OSError as e:
        raise error(f"{short_path(path)}: {_cannot_create(path.parent, e)}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # swapped since the check
        os.close(fd)
        raise error(f"{short_path(path)}: is not a regular file; choose another name")
    return os.fdopen(fd, "a", encoding="utf-8")


def _cannot_create(folder: Path, e: OSError) -> str:
    where = short_path(folder)
    if isinstance(e, FileNotFoundError) and folder.is_dir():
        return f"files cannot be created in the folder {where}"
    if isinstance(e, FileNotFoundError):
        return f"the folder {where} does not exist"
    return f"cannot write in the folder {where} ({reason(e)})"


def short_path(path, limit: int = 120) -> str:
    """A path cut to limit characters, its end kept: …aaaa.npz."""
    text = str(path)
    return text if len(text) <= limit else "…" + text[-(limit - 1) :]
