"""The journal: one append-only JSON Lines file per run, so no cancel is ever lost track of.

Before each request goes out, its intent (run, request, endpoint, order references) is
written, flushed and fsynced. Outcomes follow as they are learnt. A crash (kill -9, power
loss) can therefore leave an order sent-but-unanswered, never sent-but-unrecorded; such
orders show up as unresolved and `ordertui reconcile` settles them by look-up.

Records (`type`): run, intent, outcome, finish, reconcile. Never any secret or header.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tui.core import decimal_json
from tui.core.events import OrderResult, RunReport
from tui.core.planner import Plan
from tui.core.redact import Redactor
from tui.core.refs import IdKind, OrderRef

FINAL_OUTCOMES = frozenset({"cancelled", "failed", "open", "not_sent"})
SUFFIX = ".jsonl"


def default_dir() -> Path:
    """Where runs are journaled: the user data dir's `journal/` (ORDERTUI_JOURNAL_DIR overrides)."""
    override = os.environ.get("ORDERTUI_JOURNAL_DIR")
    if override:
        return Path(override)
    from tui.core.config import data_dir

    return data_dir() / "journal"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def ref_from_key(key: str) -> OrderRef:
    kind, _, value = key.partition(":")
    return OrderRef(IdKind(kind), value)


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
        self._handle = None
        self._since_sync = 0
        self._fsync_every = fsync_outcomes_every
        self._run_id = self._exchange = ""

    # ---- RunRecorder ----------------------------------------------------------------------
    def start(self, run_id: str, exchange: str, target: str, plan: Plan) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        prune(self.directory, max_bytes=self.max_bytes, keep_runs=self.keep_runs)
        self._run_id, self._exchange = run_id, exchange
        self.path = self.directory / f"{run_id}{SUFFIX}"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self._handle = os.fdopen(fd, "a", encoding="utf-8")
        _fsync_dir(self.directory)
        self._write(
            {
                "type": "run",
                "t": _now(),
                "run_id": run_id,
                "exchange": exchange,
                "target": target,
                "profile": self.profile,
                "demo": self.demo,
                "requests": plan.request_count,
                "duplicates": plan.duplicates,
                "refs": [r.key for r in plan.refs] + [r.key for r in plan.unsupported],
            },
            sync=True,
        )

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
        record["id"] = row.id
        record["market"] = row.market
        record["state"] = row.state
        if row.identifier:
            record["identifier"] = row.identifier
    if result.error is not None:
        record["error"] = result.error.as_dict()
    if result.same_as:
        record["same_as"] = result.same_as  # the same order as that ref: counted there
    return record


def append_records(
    path: Path, records: Iterable[dict[str, Any]], redactor: Redactor | None = None
) -> None:
    """Append records (e.g. reconcile results) to an existing run file, durably."""
    scrub = (redactor or Redactor()).scrub
    with open(path, "a", encoding="utf-8") as handle:
        for record in records:
            handle.write(scrub(decimal_json.dumps(record)) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


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


# ---- reading --------------------------------------------------------------------------------
@dataclass(slots=True)
class OrderState:
    ref: str
    outcome: str = "not_sent"  # latest known outcome
    sent: bool = False  # an intent naming it was written
    state: str | None = None  # exchange state last seen
    market: str | None = None
    id: str | None = None
    error: dict[str, Any] | None = None
    reconciled: bool = False
    awaiting: bool = False  # an intent was written and no outcome followed it (yet)


@dataclass(slots=True)
class RunRecord:
    path: Path
    run_id: str = ""
    exchange: str = ""
    target: str = ""
    profile: str | None = None
    demo: bool = False
    started: str | None = None
    finished: bool = False
    halted: str | None = None
    aborted: bool = False
    orders: dict[str, OrderState] = field(default_factory=dict)
    bad_lines: int = 0
    aliases: dict[str, str] = field(default_factory=dict)  # ref -> the ref of the same order

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for order in self.orders.values():
            counts[order.outcome] = counts.get(order.outcome, 0) + 1
        return counts

    def unresolved(self) -> list[OrderState]:
        """Unknown outcomes, and in a run that never finished every order not settled."""
        out = []
        for order in self.orders.values():
            if order.outcome == "unknown" or order.outcome == "needs_manual_check":
                out.append(order)
            elif (
                not self.finished
                and not order.reconciled
                and order.outcome not in ("cancelled", "failed")
            ):
                out.append(order)
        return out


def read_run(path: Path) -> RunRecord:
    """Read one run file. A torn last line (crash mid-write) and any unreadable line are skipped."""
    run = RunRecord(path=path, run_id=path.name.removesuffix(SUFFIX))
    for record in _records(path, run):
        kind = record.get("type")
        if kind == "run":
            run.run_id = str(record.get("run_id") or run.run_id)
            run.exchange = str(record.get("exchange") or "")
            run.target = str(record.get("target") or "")
            run.profile = record.get("profile")
            run.demo = bool(record.get("demo"))
            run.started = record.get("t")
            for key in record.get("refs") or []:
                run.orders.setdefault(str(key), OrderState(str(key)))
        elif kind == "intent":
            if not run.exchange:  # the header line is unreadable: each intent says it too
                run.exchange = str(record.get("exchange") or "")
                run.profile = record.get("profile", run.profile)
            for key in record.get("refs") or []:
                order = run.orders.setdefault(str(key), OrderState(str(key)))
                order.sent = True
                order.awaiting = True
        elif kind in ("outcome", "reconcile"):
            key = str(record.get("ref") or "")
            if not key or key in run.aliases:
                continue
            if record.get("same_as"):  # one order named twice: it counts under the other ref
                run.aliases[key] = str(record["same_as"])
                run.orders.pop(key, None)
                continue
            order = run.orders.setdefault(key, OrderState(key))
            order.outcome = str(record.get("outcome") or order.outcome)
            order.state = record.get("state") or order.state
            order.market = record.get("market") or order.market
            order.id = record.get("id") or order.id
            order.error = record.get("error") if "error" in record else order.error
            order.awaiting = False
            if kind == "reconcile":
                order.reconciled = True
        elif kind == "finish":
            run.finished = True
            run.halted = record.get("halted")
            run.aborted = bool(record.get("aborted"))
    # A request went out and no outcome followed it in the file (a crash before the answer was
    # written): whatever was known before, the exchange may have acted since. Unknown. An
    # explicit outcome after the intent stands, `not_sent` included (a 418 or 429 means the
    # exchange did not act).
    for order in run.orders.values():
        if order.awaiting:
            order.outcome = "unknown"
    return run


def _records(path: Path, run: RunRecord) -> Iterator[dict[str, Any]]:
    try:
        data = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        run.bad_lines += 1
        return
    for line in data.split("\n"):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            run.bad_lines += 1  # a torn line: the crash happened while writing it
            continue
        if isinstance(record, dict):
            yield record
        else:
            run.bad_lines += 1


def run_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    files = [p for p in directory.iterdir() if p.suffix == SUFFIX and p.is_file()]
    # Oldest first: names start with the start second; within one second, by creation order.
    return sorted(files, key=lambda p: (p.name[:15], _mtime_ns(p), p.name))


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def list_runs(directory: Path) -> list[RunRecord]:
    return [read_run(p) for p in run_files(directory)]


def prune(directory: Path, *, max_bytes: int, keep_runs: int) -> list[Path]:
    """Delete the oldest settled runs while over either cap. Runs with unresolved orders stay."""
    files = run_files(directory)
    sizes = {p: p.stat().st_size for p in files}
    total = sum(sizes.values())
    removed: list[Path] = []
    count = len(files)
    for path in files:  # oldest first (names start with the start time)
        if count < keep_runs and total <= max_bytes:
            break
        if read_run(path).unresolved():
            continue
        try:
            path.unlink()
        except OSError:
            continue
        removed.append(path)
        total -= sizes[path]
        count -= 1
    return removed
