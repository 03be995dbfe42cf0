"""Standard streams that die under a run: the terminal hung up (SIGHUP: an SSH drop, a closed
window) or the reader of a pipe went away.

Writing to a hung-up terminal fails with EIO, to a pipe nobody reads with EPIPE, and reading
a hung-up terminal returns end-of-file at once, forever. None of that may cost a run its
journal, its exit code, or put a traceback anywhere: the dead descriptor is pointed at
/dev/null and the program carries on writing into the void. (Standard input gets /dev/null
too: end-of-file, as from the hung-up terminal, but a read can never block. A reader that
polls it must stop reading, as the TUI's input thread is told to.)
"""

from __future__ import annotations

import errno
import os
from typing import Any

STDIO = (0, 1, 2)
DEAD_ERRNOS = frozenset({errno.EIO, errno.EPIPE, errno.ENXIO, errno.EBADF})

_was_tty: dict[int, bool] = {}


def remember() -> None:
    """Note which standard descriptors are terminals now (call once at start)."""
    for fd in STDIO:
        _was_tty.setdefault(fd, _isatty(fd))


def hung_up(fd: int) -> bool:
    """The descriptor was a terminal at start and is no longer one (the terminal hung up)."""
    return _was_tty.get(fd, False) and not _isatty(fd)


def detach_hung_up() -> list[int]:
    """Point every standard descriptor whose terminal hung up at the void; returns them."""
    gone = [fd for fd in STDIO if hung_up(fd)]
    for fd in gone:
        detach(fd)
    return gone


def detach(fd: int) -> None:
    """Point a dead standard descriptor at /dev/null."""
    try:
        null = os.open(os.devnull, os.O_RDONLY if fd == 0 else os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except OSError:
        pass


def is_dead_stream_error(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in DEAD_ERRNOS


def write(stream: Any, text: str) -> bool:
    """Write and flush `text`; a dead stream is detached and False returned, never raised."""
    if stream is None:
        return False
    try:
        stream.write(text)
        stream.flush()
        return True
    except (OSError, ValueError):
        detach_stream(stream)
        return False


def flush(stream: Any) -> None:
    """Flush `stream`, detaching it if it is dead (so that the interpreter's own flush at exit
    does not fail and turn the exit code into 120)."""
    if stream is None:
        return
    try:
        stream.flush()
    except (OSError, ValueError):
        detach_stream(stream)
        try:
            stream.flush()  # what was buffered goes to the void now
        except (OSError, ValueError):
            pass


def detach_stream(stream: Any) -> None:
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):
        return
    if fd in (1, 2):
        detach(fd)


def _isatty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False
