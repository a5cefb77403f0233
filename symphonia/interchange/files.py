"""Reading and writing the files users name, safely: every reader and writer goes through here.

Reading. A path a user gives may be anything: a FIFO (opening it for reading blocks until a
writer comes, so the command hangs), a symlink to ``/dev/zero`` or a device (reading never
ends, and memory runs out), a directory, or a multi-gigabyte file given by mistake.
:func:`read_bytes` opens without blocking, checks what the open file *is* (``fstat`` on the
descriptor, so a path swapped between the check and the read cannot slip through), refuses
anything but a regular file, and never reads more than a cap. Its refusal is an
:class:`InputFileError`, an ``OSError`` carrying the path and a reason, so every caller that
already reports unreadable files reports these the same way.

Writing. A report or an export replaces the file it is written to; writing in place would
leave a truncated file when the disk fills or the process dies half-way, and the previous
good copy would be gone. :func:`write_atomically` writes a temporary file in the target's
directory, flushes it to disk (``fsync``) and renames it over the target, so a reader sees the
old file or the new one, never half of either. A target that is a pipe or a character device
(``--out /dev/stdout``) is written to as it is: renaming over it would replace the device.
"""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path
from types import MappingProxyType

from symphonia.core.errors import SymphoniaError

MAX_DATA_FILE_BYTES = 512 * 1024 * 1024
"""Largest data file read (fragments, ratings, items, a Polis export's CSV files): a large
Polis conversation's votes.csv is tens of megabytes; 512 MiB is past any real round."""

MAX_STUDY_FILE_BYTES = 1024 * 1024
"""Largest study.toml read: a study definition is a page of settings and a panel list."""

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class InputFileError(SymphoniaError, OSError):
    """A path that is not a file Symphonia will read; ``strerror`` says why.

    A refusal under the error root, and an ``OSError`` too, so that every caller that
    already reports unreadable files (``filename: strerror``) reports these the same way.
    """

    def __init__(self, path: str | Path, reason: str) -> None:
        OSError.__init__(self, errno.EINVAL, reason, str(path))  # errno, strerror, filename
        self.code = "not_a_regular_file"
        self.context = MappingProxyType({"path": str(path)})


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MiB" if n >= 1024 * 1024 else f"{n} bytes"


def read_bytes(path: str | Path, limit: int = MAX_DATA_FILE_BYTES) -> bytes:
    """The bytes of the regular file at `path` (symlinks followed), at most `limit` of them.

    Raises :class:`InputFileError` for anything that is not a regular file or is larger than
    `limit`, and the usual ``OSError`` (``FileNotFoundError``, ``PermissionError``) otherwise.
    """
    # O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer;
    # it changes nothing for the regular files that are then read.
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputFileError(path, f"is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise InputFileError(path, f"is {_size(info.st_size)}; the limit is {_size(limit)}")
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = handle.read(limit + 1)  # a file that grows while being read stops here too
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputFileError(path, f"is larger than the limit of {_size(limit)}")
    return data


def write_atomically(path: str | Path, data: str | bytes, *, mode: int = 0o644) -> Path:
    """Replace `path` with `data` (text is written as UTF-8, ``\\n`` line ends) all at once.

    The temporary file lives in the target's directory (a rename across file systems is not
    atomic), is fsynced before the rename, and is removed if anything fails, leaving any
    previous file untouched. Missing parent directories are created. Returns the path.
    """
    target = Path(path)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        info = os.stat(target)  # follows a symlink: what would a write reach?
    except FileNotFoundError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory; give a file name", str(target))
        if stat.S_ISFIFO(info.st_mode) or stat.S_ISCHR(info.st_mode):
            _write_through(target, payload)  # /dev/stdout, a pipe: written, never replaced
            return target
        raise InputFileError(target, f"is {_kind(info.st_mode)}, not a file that can be written")
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)  # mkstemp makes 0600; reports and exports are for sharing
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_directory(target.parent)
    return target


def _write_through(target: Path, payload: bytes) -> None:
    """Write to a pipe or a character device as it is (``--out /dev/stdout``, a FIFO that a
    process reads): a rename would replace the device node itself. A FIFO nobody reads is
    refused at once rather than waited on (O_NONBLOCK makes that open fail with ENXIO)."""
    try:
        fd = os.open(target, os.O_WRONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise InputFileError(target, "is a FIFO that no process is reading from") from None
        raise
    try:
        os.set_blocking(fd, True)
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (best effort: not every file system allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
