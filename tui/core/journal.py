"""The journal: one append-only JSON Lines file per run, so no cancel is ever lost track of.

Before each request goes out, its intent (run, request, endpoint, order references) is
written, flushed and fsynced. Outcomes follow as they are learnt. A crash (kill -9, power
loss) can therefore leave an order sent-but-unanswered, never sent-but-unrecorded; such
orders show up as unresolved and `ordertui reconcile` settles them by look-up.

Records (`type`): run, plan, intent, outcome, finish, reconcile (journal_records checks each
when read). Never any secret or header.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from tui.core import decimal_json
from tui.core.events import OrderResult, RunReport
from tui.core.journal_read import (  # noqa: F401 - the journal's reading side, re-exported
    MAX_LINE,
    SUFFIX,
    OrderState,
    RunRecord,
    list_runs,
    read_run,
    ref_from_key,
    run_files,
)
from tui.core.planner import Plan
from tui.core.redact import Redactor
from tui.core.refs import OrderRef

try:
    import fcntl
except ImportError:  # not POSIX: appends are not locked against each other
    fcntl = None  # type: ignore[assignment]

FINAL_OUTCOMES = frozenset({"cancelled", "failed", "open", "not_sent"})
PLAN_CHUNK = 1000  # planned references per line: every line stays far below MAX_LINE
CLIP = 2000  # characters kept of any text an exchange sent (an error message, a state)


def default_dir() -> Path:
    """Where runs are journaled: the user data dir's `journal/` (ORDERTUI_JOURNAL_DIR overrides)."""
    override = os.environ.get("ORDERTUI_JOURNAL_DIR")
    if override:
        return Path(override)
    from tui.core.paths import data_dir

    return data_dir() / "journal"


def make_dir(directory: Path) -> None:
    """Create the journal directory (0700) if needed. OSError naming what is in the way, where
    mkdir alone would say "File exists" of a dangling symlink or a file."""
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except FileExistsError as exc:
        blocker = Path(exc.filename or directory)
        if blocker.is_symlink() and not blocker.exists():
            reason = f"a symbolic link to {os.readlink(blocker)}, which does not exist"
        else:
            reason = "not a directory"
        raise OSError(errno.ENOTDIR, reason, str(blocker)) from None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Journal:
    """A RunRecorder writing `<dir>/<run_id>.jsonl`."""

    def __init__(
        self,
        directory: Path,
        *,
        profile: str | None = None,
        demo: bool = False,
        redactor: Redactor | None = None,
        max_mb: float = 100.0,
        keep_runs: int = 500,
        fsync_outcomes_every: int = 200,
    ) -> None:
        self.directory = Path(directory)
        self.profile = profile
        self.demo = demo
        self.redactor = redactor or Redactor()
        self.max_bytes = int(max_mb * 1024 * 1024)
        self.keep_runs = keep_runs
        self.path: Path | None = None
        self._handle: TextIO | None = None
        self._since_sync = 0
        self._fsync_every = fsync_outcomes_every
        self._run_id = self._exchange = ""

    # ---- RunRecorder ----------------------------------------------------------------------
    def start(self, run_id: str, exchange: str, target: str, plan: Plan) -> None:
        make_dir(self.directory)
        prune(self.directory, max_bytes=self.max_bytes, keep_runs=self.keep_runs)
        self._run_id, self._exchange = run_id, exchange
        self.path = self.directory / f"{run_id}{SUFFIX}"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        # backslashreplace: a lone surrogate in an exchange's text is written as its JSON escape
        self._handle = os.fdopen(fd, "a", encoding="utf-8", errors="backslashreplace")
        _fsync_dir(self.directory)
        keys = [r.key for r in plan.refs] + [r.key for r in plan.unsupported]
        header: dict[str, Any] = {
            "type": "run",
            "t": _now(),
            "run_id": run_id,
            "exchange": exchange,
            "target": target,
            "profile": self.profile,
            "demo": self.demo,
            "requests": plan.request_count,
            "duplicates": plan.duplicates,
            "refs": keys[:PLAN_CHUNK],
        }
        # A plan of many orders goes on several lines, so no line is ever long (the reader
        # refuses lines longer than MAX_LINE); all of them are durable before any request.
        parts = [
            {"type": "plan", "refs": keys[i : i + PLAN_CHUNK]}
            for i in range(PLAN_CHUNK, len(keys), PLAN_CHUNK)
        ]
        for i, record in enumerate([header, *parts]):
            self._write(record, sync=i == len(parts))

    def intent(self, request_id: str, endpoint: str, refs: tuple[OrderRef, ...]) -> None:
        # Self-describing: run, exchange and profile are repeated so that each intent alone says
        # where to look the orders up.
        self._write(
            {
                "type": "intent",
                "t": _now(),
                "run_id": self._run_id,
                "request_id": request_id,
                "exchange": self._exchange,
                "profile": self.profile,
                "endpoint": endpoint,
                "refs": [r.key for r in refs],
            },
            sync=True,
        )

    def outcome(self, result: OrderResult) -> None:
        self._since_sync += 1
        self._write(outcome_record(result), sync=self._since_sync >= self._fsync_every)

    def finish(self, report: RunReport) -> None:
        self._write(
            {
                "type": "finish",
                "t": _now(),
                "counts": report.counts,
                "requests": report.requests,
                "elapsed_s": round(report.elapsed_s, 3),
                "halted": report.halted,
                "aborted": report.aborted,
                # Bugs of ours the engine caught and survived (logged with their traceback).
                "internal_errors": report.internal_errors,
            },
            sync=True,
        )
        self.close()

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    # ---- writing --------------------------------------------------------------------------
    def _write(self, record: dict[str, Any], *, sync: bool) -> None:
        if self._handle is None:
            return
        line = self.redactor.scrub(decimal_json.dumps(record))
        self._handle.write(line + "\n")
        self._handle.flush()
        if sync:
            os.fsync(self._handle.fileno())
            self._since_sync = 0


def outcome_record(result: OrderResult, *, source: str = "run") -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": "outcome" if source == "run" else "reconcile",
        "t": _now(),
        "ref": result.ref.key,
        "outcome": result.outcome.value,
        "confirmed": result.confirmed,
        "attempts": result.attempts,
    }
    row = result.row
    if row is not None and row.known:
        record["id"] = clip_text(row.id)
        record["market"] = clip_text(row.market)
        record["state"] = clip_text(row.state)
        if row.identifier:
            record["identifier"] = clip_text(row.identifier)
    if result.error is not None:
        error = result.error.as_dict()
        record["error"] = {k: clip_text(v) if isinstance(v, str) else v for k, v in error.items()}
    if result.same_as:
        record["same_as"] = result.same_as  # the same order as that ref: counted there
    return record


def clip_text(text: str | None) -> str | None:
    """What an exchange sent, cut to CLIP characters: no answer can make a line too long."""
    return text if text is None or len(text) <= CLIP else text[: CLIP - 1] + "…"


def append_records(
    path: Path, records: Iterable[dict[str, Any]], redactor: Redactor | None = None
) -> None:
    """Append records (e.g. reconcile results) to an existing run file, durably.

    A crash mid-write leaves a last line without its newline: the first record appended would
    be glued onto it and lost with it. So, under an exclusive lock on the same handle, the last
    byte is read first and a newline written before the records when it is missing."""
    scrub = (redactor or Redactor()).scrub
    data = "".join(scrub(decimal_json.dumps(record)) + "\n" for record in records)
    flags = os.O_RDWR | os.O_APPEND | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, f"{path} is not a regular file")
        os.set_blocking(fd, True)
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # released when fd is closed
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            data = "\n" + data  # the torn line stays a (reported) bad line; the records count
        payload = data.encode("utf-8", errors="backslashreplace")
        while payload:
            payload = payload[os.write(fd, payload) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(directory: Path) -> None:
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


def prune(directory: Path, *, max_bytes: int, keep_runs: int) -> list[Path]:
    """Delete the oldest settled runs while over either cap.

    Only a run that finished, was read whole and clean and has nothing unresolved is ever
    deleted: a run still going on or cut short by a crash, a file with a bad line, a file that
    cannot be read (or is no regular file) all stay. Reading stops at a file's first problem,
    so a huge foreign file costs at most MAX_LINE bytes of reading."""
    files: list[tuple[Path, int]] = []
    for path in run_files(directory):
        try:
            info = path.stat()
        except OSError:
            continue
        if stat.S_ISREG(info.st_mode):
            files.append((path, info.st_size))
    total = sum(size for _, size in files)
    removed: list[Path] = []
    count = len(files)
    for path, size in files:  # oldest first (names start with the start time)
        if count < keep_runs and total <= max_bytes:
            break
        if not read_run(path, stop_at_problem=True).prunable:
            continue
        try:
            path.unlink()
        except OSError:
            continue
        removed.append(path)
        total -= size
        count -= 1
    return removed
