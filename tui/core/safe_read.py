"""Opening files that come from outside (imports, the config, journal files) without hanging.

Only regular files are read: a FIFO would block `open()` until a writer comes, a device such as
`/dev/zero` never ends. The type is checked with stat() before opening and again with fstat()
on the opened descriptor (the path may be swapped in between), and the open itself never blocks
(O_NONBLOCK). A size limit is checked on both stats and enforced by reading at most limit + 1
bytes, so a file that grows meanwhile is still refused.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from tui.core.sizes import mib

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


class FileRefused(Exception):
    """The file cannot be read; `message` is one line naming it and saying why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def describe_size(size: int) -> str:
    """Limits are binary, so they are said in MiB (one place: `tui.core.sizes`)."""
    return mib(size)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _check(info: os.stat_result, name: str, limit: int | None, what: str) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise FileRefused(f"{name} is a directory, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        raise FileRefused(f"{name} is not a regular file (it is {_kind(info.st_mode)})")
    if limit is not None and info.st_size > limit:
        raise FileRefused(
            f"{name} is {describe_size(info.st_size)}; the limit is {describe_size(limit)}"
        )


def open_regular(path: str | Path, *, limit: int | None = None, what: str = "file") -> BinaryIO:
    """Open a regular file for binary reading, never blocking; FileRefused otherwise."""
    name = str(path)
    try:
        _check(os.stat(path), name, limit, what)
        fd = os.open(path, _OPEN_FLAGS)
        try:
            _check(os.fstat(fd), name, limit, what)
            if hasattr(os, "set_blocking"):
                os.set_blocking(fd, True)  # a regular file: reads are normal from here on
            return os.fdopen(fd, "rb")
        except BaseException:
            os.close(fd)
            raise
    except FileNotFoundError:
        raise FileRefused(f"no such file: {name}") from None
    except IsADirectoryError:
        raise FileRefused(f"{name} is a directory, not a {what}") from None
    except PermissionError:
        raise FileRefused(f"cannot read {name}: permission denied") from None
    except OSError as exc:
        raise FileRefused(f"cannot read {name}: {exc.strerror or exc}") from None


def read_regular(path: str | Path, *, limit: int, what: str = "file") -> bytes:
    """The whole content of a regular file of at most `limit` bytes; FileRefused otherwise."""
    name = str(path)
    with open_regular(path, limit=limit, what=what) as handle:
        try:
            data = handle.read(limit + 1)  # bounded even if the file grows meanwhile
        except OSError as exc:
            raise FileRefused(f"cannot read {name}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise FileRefused(f"{name} is larger than {describe_size(limit)}")
    return data
