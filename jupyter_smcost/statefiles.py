"""Every file the extension keeps (or is given) on disk, read and written fail safe.

Whatever is at a path (a FIFO, a directory, a symlink to /dev/zero, a huge or hostile file),
nothing here blocks or reads without limit:

- `read_json` / `read_jsonl` return quickly: the parsed value(s), or why not, in words. A
  FIFO opens without waiting for a writer, symlinks are not followed, at most `max_bytes`
  are read.
- `write_json` / `write_atomic` write a temporary file in the same directory (named
  `.<name>.smcost-<random>.tmp`, created exclusively), fsync it, `os.replace` it over the
  target and fsync the directory: a reader sees the old file or the new one, never half.
  They refuse to replace anything but a regular file (or a symlink, when asked).
- `clean_temp_files` removes the temporary files a crash left behind (ours only).
- `append_jsonl` appends one JSON line without blocking, to regular files only, first ending
  a torn last line so it cannot swallow the new entry; the file is rotated at a size cap.
- `stored_amount` / `stored_time` take a number or a time out of a parsed file, or None.
- `set_aside` renames a bad file out of the way (`<name>.bad-<time>`) with one log line, so
  the next write starts afresh and the bad file is kept for whoever wants to look.
"""

from __future__ import annotations

import errno
import fnmatch
import json
import logging
import math
import os
import secrets
import stat
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

#: The file is not there: not an error, just nothing to read.
MISSING = "missing"

#: Marks our temporary files: `.<target name>.smcost-<16 hex>.tmp`.
TEMP_MARK = ".smcost-"
TEMP_SUFFIX = ".tmp"
#: The temporary names earlier versions used in the state directory (cleaned at start too).
LEGACY_TEMP_PATTERNS = {
    "settings.json": ".settings-*.json",
    "suggestions-dismissed.json": ".dismissed-*.tmp",
    "usage-ledger.json": ".usage-*.tmp",
    "price-cache.json": ".prices-*.tmp",
}

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


class NotRegularFile(OSError):
    """Something other than a regular file is at the path (FIFO, directory, link, device)."""

    def __init__(self, path: str | Path, what: str = "it is not a regular file") -> None:
        super().__init__(errno.EINVAL, what, str(path))


def _why(err: OSError) -> str:
    return str(err.strerror or err)


# -- reading ----------------------------------------------------------------------------


def read_bytes(
    path: str | Path, max_bytes: int, *, follow_symlinks: bool = False
) -> tuple[bytes | None, str | None]:
    """(content, None); (None, MISSING) when absent; (None, why) otherwise.
    `follow_symlinks`: for files the extension is given (SageMaker's metadata, the admin's
    prices), which may be links; what they lead to must still be a regular file."""
    nofollow = 0 if follow_symlinks else _NOFOLLOW
    try:
        # O_NONBLOCK: opening a FIFO for reading must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | nofollow | _CLOEXEC)
    except FileNotFoundError:
        return None, MISSING
    except OSError as err:
        if err.errno == errno.ELOOP:
            return None, "it is a symbolic link"
        return None, f"cannot open it ({_why(err)})"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "it is not a regular file"
        if info.st_size > max_bytes:
            return None, f"it is {info.st_size} bytes, more than {max_bytes}"
        with os.fdopen(fd, "rb") as handle:
            fd = -1
            raw = handle.read(max_bytes + 1)
    except OSError as err:
        return None, f"cannot read it ({_why(err)})"
    finally:
        if fd >= 0:
            os.close(fd)
    if len(raw) > max_bytes:
        return None, f"it is more than {max_bytes} bytes"
    return raw, None


def _parse(raw: bytes) -> tuple[Any, str | None]:
    try:
        return json.loads(raw.decode("utf-8")), None
    except RecursionError:
        return None, "it is nested too deeply"
    except (UnicodeDecodeError, ValueError) as err:
        return None, f"it is not valid JSON ({err})"


def read_json(
    path: str | Path, max_bytes: int, *, follow_symlinks: bool = False
) -> tuple[Any, str | None]:
    """(value, None) on success; (None, MISSING) when absent; (None, why) otherwise."""
    raw, why = read_bytes(path, max_bytes, follow_symlinks=follow_symlinks)
    if raw is None:
        return None, why
    return _parse(raw)


def read_jsonl(path: str | Path, max_bytes: int) -> tuple[list[Any], str | None]:
    """The values of the file's good lines, and None, MISSING or why the file was not read.

    A line that is not JSON (a torn last line after a crash, a hand edit) is skipped alone.
    """
    raw, why = read_bytes(path, max_bytes)
    if raw is None:
        return [], why
    values = []
    for line in raw.split(b"\n"):
        if line.strip():
            value, bad = _parse(line)
            if bad is None:
                values.append(value)
    return values, None


# -- writing ----------------------------------------------------------------------------


def _temp_name(base: str) -> str:
    """A fresh, unguessable name for a temporary file next to `base`."""
    return f".{base.lstrip('.')}{TEMP_MARK}{secrets.token_hex(8)}{TEMP_SUFFIX}"


def _check_target(path: str, replace_symlink: bool) -> None:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISREG(info.st_mode) or (replace_symlink and stat.S_ISLNK(info.st_mode)):
        return
    raise NotRegularFile(path)


def fsync_directory(directory: str | Path) -> None:
    """Make a rename in `directory` durable (best effort: not every filesystem can)."""
    try:
        fd = os.open(directory, os.O_RDONLY | _CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(
    path: str | Path,
    data: bytes,
    *,
    mode: int = 0o600,
    fsync: bool = True,
    create_dir: bool = True,
    replace_symlink: bool = False,
) -> None:
    """Replace the file at `path` by `data`, atomically; raises OSError (NotRegularFile when
    something other than a regular file is there, and `replace_symlink` does not allow it).

    `fsync=False` for hints whose loss does not matter, where an fsync could stall the caller.
    """
    path = os.fspath(path)
    directory, base = os.path.split(path)
    directory = directory or "."
    if create_dir:
        os.makedirs(directory, exist_ok=True)
    _check_target(path, replace_symlink)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
    for _ in range(10):
        tmp = os.path.join(directory, _temp_name(base))
        try:
            # Exclusive: whatever someone planted at this name, it is not opened.
            fd = os.open(tmp, flags, mode)
        except FileExistsError:
            continue
        break
    else:
        raise FileExistsError(errno.EEXIST, "no free temporary name", directory)
    try:
        try:
            os.fchmod(fd, mode)  # whatever the umask
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)
        # Only a complete file ever takes the target's name; a symlink at the name is
        # replaced itself, never the file it points to.
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    if fsync:
        fsync_directory(directory)


def write_json(
    path: str | Path,
    value: Any,
    max_bytes: int,
    *,
    indent: int | None = None,
    sort_keys: bool = False,
    fsync: bool = True,
) -> None:
    """`write_atomic` of `value` as JSON; ValueError for NaN, Infinity or more than
    `max_bytes` (which `read_json` would refuse next time), OSError when it cannot be written."""
    text = json.dumps(value, indent=indent, sort_keys=sort_keys, allow_nan=False)
    data = text.encode("utf-8")
    if len(data) > max_bytes:
        raise ValueError(f"{len(data)} bytes is more than {max_bytes}")
    write_atomic(path, data, fsync=fsync)


def clean_temp_files(
    directory: str | Path,
    log: logging.Logger | logging.LoggerAdapter[Any],
    names: list[str] | None = None,
) -> list[Path]:
    """Remove our temporary files in `directory` that a crash left behind (of the targets
    `names` only, else of any): regular files and symlinks we own, never directories.

    Call it at start, before anything writes there. Returns what was removed.
    """
    patterns = [f".{n.lstrip('.')}{TEMP_MARK}*{TEMP_SUFFIX}" for n in names or ["*"]]
    patterns.extend(p for n, p in LEGACY_TEMP_PATTERNS.items() if names is None or n in names)
    try:
        entries = os.listdir(directory)
    except OSError:
        return []
    removed = []
    for name in entries:
        if not any(fnmatch.fnmatchcase(name, p) for p in patterns):
            continue
        path = Path(directory) / name
        try:
            info = os.lstat(path)
            if info.st_uid != os.geteuid():
                continue  # a shared directory (/tmp): not ours to remove
            if not (stat.S_ISREG(info.st_mode) or stat.S_ISLNK(info.st_mode)):
                continue
            path.unlink()
        except OSError:
            continue
        log.info("jupyter-smcost: removed a stale temporary file %s", path)
        removed.append(path)
    return removed


def set_aside(
    path: str | Path,
    why: str,
    log: logging.Logger | logging.LoggerAdapter[Any],
    what: str = "state file",
) -> Path | None:
    """Rename the bad file at `path` to `<name>.bad-<UTC time>`, with one warning line;
    returns the new path (None when it could not be moved: it is ignored then)."""
    path = Path(path)
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    for n in range(100):
        target = path.with_name(f"{path.name}.bad-{stamp}" + (f"-{n}" if n else ""))
        if os.path.lexists(target):
            continue
        try:
            os.rename(path, target)
        except OSError as err:
            if err.errno == errno.ENOENT:
                return None  # gone meanwhile: nothing in the way any more
            log.warning(
                "jupyter-smcost: ignoring the %s %s: %s (cannot set it aside: %s)",
                what,
                path,
                why,
                _why(err),
            )
            return None
        log.warning(
            "jupyter-smcost: ignoring the %s %s: %s; set aside as %s", what, path, why, target
        )
        return target
    log.warning("jupyter-smcost: ignoring the %s %s: %s", what, path, why)
    return None


# -- JSON Lines -------------------------------------------------------------------------


def append_jsonl(path: str | Path, value: Any, max_bytes: int, *, fsync: bool = True) -> None:
    """Append `value` as one JSON line; never blocks. Raises ValueError (NaN, Infinity),
    NotRegularFile (FIFO, directory, symlink, device at the path) or OSError.

    When the file would grow past `max_bytes` it is first rotated to `<name>.1` (replacing
    the previous one), so the newest entries are always kept.
    """
    line = (json.dumps(value, default=str, allow_nan=False) + "\n").encode("utf-8")
    if len(line) > max_bytes:
        raise ValueError(f"an entry of {len(line)} bytes is more than {max_bytes}")
    path = os.fspath(path)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    for attempt in range(2):
        fd = _open_for_append(path)
        try:
            size = os.fstat(fd).st_size
            if size + len(line) + 1 > max_bytes and attempt == 0:
                os.close(fd)
                fd = -1
                os.replace(path, path + ".1")
                continue
            data = line
            # A torn last line (a crash mid-append) is ended, so it cannot swallow this entry.
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + line
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            if fsync:
                os.fsync(fd)
            return
        finally:
            if fd >= 0:
                os.close(fd)


def _open_for_append(path: str) -> int:
    # O_RDWR to read the last byte; O_NONBLOCK so a FIFO never waits for a partner (and an
    # O_RDWR FIFO open does not wait either); O_NOFOLLOW: a symlink is not followed.
    flags = os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NONBLOCK | _NOFOLLOW | _CLOEXEC
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as err:
        if err.errno in (errno.ELOOP, errno.ENXIO, errno.EISDIR):
            raise NotRegularFile(path) from None
        raise
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise NotRegularFile(path)
    except BaseException:
        os.close(fd)
        raise
    return fd


def stored_amount(value: Any) -> float | None:
    """A finite, non-negative JSON number (never a bool) from a state file, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if math.isfinite(number) and number >= 0 else None


def stored_time(value: Any) -> datetime | None:
    """An ISO 8601 time with its offset from a state file, in UTC, else None."""
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at.astimezone(timezone.utc) if at.tzinfo is not None else None
