"""One rate budget per account for every ordertui process on this machine.

Two terminals (or a terminal and a script) cancelling on the same key would each believe the
whole 30 requests/s are theirs and meet 429s. So the limiter's state (ratelimit.WindowState:
when requests left, slots granted but not sent yet, the pace, pauses, the other clients'
share the server reported, a 418) lives in one small JSON file per account in the user state
directory, read and written under an exclusive `fcntl.flock` for each decision (well under a
millisecond). The file is named after a hash of the exchange, host and access key (never the
key itself), or after the profile's `pocket = "NAME"` when keys of one pocket are to share.

A process that dies (SIGKILL included) never leaves the budget locked: the kernel drops a
flock with its holder. Its sent requests age out of the window as any do; its granted-but-
unsent slots are dropped as soon as its pid is gone. A lock held too long (a process stopped
with Ctrl+Z in the middle of a decision) is not waited for: the decision is made on this
process's own state and a warning is logged once. Times are time.monotonic(), one clock for
the whole machine; a file from before a reboot (another clock origin) is ignored.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tui.core.rate_state import WindowState

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no sharing, each process on its own
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

LOCK_PATIENCE_S = 0.25  # how long a decision waits for another process's
STALE_FILE_S = 24 * 3600  # budget files untouched this long are removed when a budget opens
_SAFE = re.compile(r"[^A-Za-z0-9_-]+")


def budget_name(*, exchange: str, host: str, secret: str | None, pocket: str | None) -> str:
    """The file name's stem: the pocket's name when given, else a hash of the account's key."""
    if pocket:
        digest = hashlib.sha256(f"{exchange}\0{pocket}".encode()).hexdigest()[:12]
        return f"pocket-{_SAFE.sub('_', pocket)[:40]}-{digest}"
    digest = hashlib.sha256(f"{exchange}\0{host}\0{secret or ''}".encode()).hexdigest()[:24]
    return f"key-{digest}"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # somebody else's: it exists
        return True
    except OSError:
        return False
    return True


def _clock_origin() -> float:
    """Wall time of the monotonic clock's zero: the same for every process until a reboot."""
    return time.time() - time.monotonic()


class SharedBudget:
    """The budget file of one account; `store(group)` is a ratelimit.WindowStore over it."""

    def __init__(self, path: Path, *, patience: float = LOCK_PATIENCE_S) -> None:
        if fcntl is None:
            raise OSError("sharing a rate budget needs fcntl (POSIX)")
        self.path = path
        self.patience = patience
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        self._local: dict[str, WindowState] = {}  # used only when the lock cannot be had
        self._warned = False
        self.lock_timeouts = 0

    @classmethod
    def in_dir(cls, directory: Path, name: str) -> SharedBudget:
        _sweep(directory)
        return cls(directory / f"{name}.json")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self._fd)

    def store(self, group: str) -> _FileStore:
        return _FileStore(self, group)

    # ---- the file -------------------------------------------------------------------------
    def _lock(self) -> bool:
        deadline = time.monotonic() + self.patience
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(0.0005)

    def _read(self) -> dict[str, Any]:
        try:
            size = os.fstat(self._fd).st_size
            raw = os.pread(self._fd, min(size, 1 << 20), 0) if size else b""
            data = json.loads(raw) if raw else {}
            origin = float(data.get("origin", 0))
        except (OSError, ValueError, TypeError, AttributeError):  # torn by a crash mid-write
            return {}
        if abs(origin - _clock_origin()) > 5:
            return {}  # written before a reboot: another clock
        return data

    def _write(self, data: dict[str, Any]) -> None:
        raw = json.dumps(data, separators=(",", ":")).encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, raw, 0)

    @contextlib.contextmanager
    def transaction(self, group: str) -> Iterator[WindowState]:
        if not self._lock():
            self.lock_timeouts += 1
            if not self._warned:
                self._warned = True
                log.warning(
                    "the shared rate budget %s stayed locked; deciding alone for now", self.path
                )
            yield self._local.setdefault(group, WindowState())
            return
        try:
            data = self._read()
            groups = data.get("groups")
            if not isinstance(groups, dict):
                groups = {}
            state = WindowState.from_dict(groups.get(group, {}))
            state.held = [h for h in state.held if _alive(h[0])]  # a dead process's slots
            yield state
            groups[group] = state.to_dict()
            self._write({"origin": _clock_origin(), "groups": groups})
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)


class _FileStore:
    def __init__(self, budget: SharedBudget, group: str) -> None:
        self._budget, self._group = budget, group

    def transaction(self) -> contextlib.AbstractContextManager[WindowState]:
        return self._budget.transaction(self._group)


def _sweep(directory: Path) -> None:
    """Remove budget files nobody touched for a day (one per key ever used, demo keys too)."""
    try:
        entries = list(directory.glob("*.json"))
    except OSError:
        return
    edge = time.time() - STALE_FILE_S
    for entry in entries:
        with contextlib.suppress(OSError):
            if entry.stat().st_mtime < edge:
                entry.unlink()


def budget_dir() -> Path:
    from tui.core.paths import state_dir

    return state_dir() / "budgets"


def shared_stores(
    *, exchange: str, host: str, secret: str | None, pocket: str | None
) -> Callable[[str], _FileStore] | None:
    """The `stores` argument of RateLimits for this account, or None (each process alone)
    when the state directory cannot hold the file (read-only home, no fcntl) or the user
    turned sharing off (ORDERTUI_SHARED_BUDGET=off, e.g. a home on a filesystem without flock)."""
    if os.environ.get("ORDERTUI_SHARED_BUDGET", "").strip().lower() in ("0", "off", "no", "false"):
        return None
    name = budget_name(exchange=exchange, host=host, secret=secret, pocket=pocket)
    try:
        budget = SharedBudget.in_dir(budget_dir(), name)
    except OSError as exc:
        log.warning("no shared rate budget (%s): this process keeps its own", exc.strerror or exc)
        return None
    return budget.store
