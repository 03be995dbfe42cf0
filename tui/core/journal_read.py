"""Reading run files: streamed line by line in bounded memory, record by record checked.

What cannot be used is skipped and reported as `file:line: why`, and the rest still counts:
- a torn last line (no newline at the end: a crash while writing it);
- a line that is not UTF-8, not JSON, or not a well-formed record (journal_records);
- a line longer than MAX_LINE: no record is that long, so the file is not a journal written
  here, and the rest of it is not read (a 2 GB file costs MAX_LINE bytes of reading, not 2 GB);
- after MAX_BAD_LINES bad lines, the rest of the file is not read either.
A file that cannot be opened as a regular file (permissions, a directory, a FIFO) is reported
as unreadable and never blocks. Only a run read whole and clean, finished, with nothing
unresolved may be pruned (`RunRecord.prunable`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from tui.core.journal_records import (
    Finish,
    Intent,
    OutcomeRecord,
    PlanPart,
    Record,
    RunHeader,
    check,
)
from tui.core.refs import IdKind, OrderRef
from tui.core.safe_read import FileRefused, describe_size, open_regular

SUFFIX = ".jsonl"
MAX_LINE = 8 * 1024 * 1024
MAX_BAD_LINES = 100
MAX_PROBLEMS_KEPT = 20


def ref_from_key(key: str) -> OrderRef:
    kind, _, value = key.partition(":")
    return OrderRef(IdKind(kind), value)


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
    internal_errors: int = 0  # bugs of ours the engine caught during the run (see the log)
    orders: dict[str, OrderState] = field(default_factory=dict)
    bad_lines: int = 0
    aliases: dict[str, str] = field(default_factory=dict)  # ref -> the ref of the same order
    problems: list[str] = field(default_factory=list)  # `file:line: why`, the first few
    problem_count: int = 0
    unreadable: str | None = None  # why the file could not be read at all
    read_whole: bool = True  # False when reading stopped early (see the module's docstring)

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

    @property
    def prunable(self) -> bool:
        """Read whole and clean, finished, nothing unresolved: only such a run may be deleted."""
        return (
            self.unreadable is None
            and self.read_whole
            and self.bad_lines == 0
            and self.finished
            and not self.unresolved()
        )

    def problem(self, line_no: int | None, why: str) -> None:
        self.problem_count += 1
        if len(self.problems) < MAX_PROBLEMS_KEPT:
            where = f"{self.path}:{line_no}" if line_no is not None else str(self.path)
            self.problems.append(f"{where}: {why}")

    def warnings(self) -> list[str]:
        """One line per problem found reading this run (the first few, then how many more)."""
        if self.unreadable is not None:
            return [f"{self.unreadable}: skipped (and never pruned)"]
        more = self.problem_count - len(self.problems)
        return self.problems + ([f"{self.path}: {more} more problem(s)"] if more > 0 else [])


def read_run(path: Path, *, stop_at_problem: bool = False) -> RunRecord:
    """Read one run file. Bad lines are skipped and reported (`problems`); the rest counts.
    `stop_at_problem` stops at the first one (enough to know the run may not be pruned)."""
    run = RunRecord(path=path, run_id=path.name.removesuffix(SUFFIX))
    try:
        handle = open_regular(path, what="journal file")
    except FileRefused as exc:
        run.unreadable = exc.message
        run.read_whole = False
        return run
    with handle:
        for record in _records(handle, run):
            if record is not None:
                _apply(run, record)
            elif stop_at_problem:
                run.read_whole = False
                break
    # A request went out and no outcome followed it in the file (a crash before the answer was
    # written): whatever was known before, the exchange may have acted since. Unknown. An
    # explicit outcome after the intent stands, `not_sent` included (a 418 or 429 means the
    # exchange did not act).
    for order in run.orders.values():
        if order.awaiting:
            order.outcome = "unknown"
    return run


def _apply(run: RunRecord, record: Record) -> None:
    if isinstance(record, RunHeader):
        run.run_id = record.run_id or run.run_id
        run.exchange = record.exchange or ""
        run.target = record.target or ""
        run.profile = record.profile
        run.demo = record.demo
        run.started = record.t
        for key in record.refs:
            run.orders.setdefault(key, OrderState(key))
    elif isinstance(record, PlanPart):
        for key in record.refs:
            run.orders.setdefault(key, OrderState(key))
    elif isinstance(record, Intent):
        if not run.exchange:  # the header line is unreadable: each intent says it too
            run.exchange = record.exchange or ""
            if "profile" in record.model_fields_set:
                run.profile = record.profile
        for key in record.refs:
            order = run.orders.setdefault(key, OrderState(key))
            order.sent = True
            order.awaiting = True
    elif isinstance(record, OutcomeRecord):
        if record.ref in run.aliases:
            return
        if record.same_as:  # one order named twice (uuid and identifier): it counts there
            run.aliases[record.ref] = record.same_as
            run.orders.pop(record.ref, None)
            return
        order = run.orders.setdefault(record.ref, OrderState(record.ref))
        order.outcome = record.outcome
        order.state = record.state or order.state
        order.market = record.market or order.market
        order.id = record.id or order.id
        if "error" in record.model_fields_set:
            order.error = record.error.model_dump() if record.error is not None else None
        order.awaiting = False
        if record.type == "reconcile":
            order.reconciled = True
    elif isinstance(record, Finish):
        run.finished = True
        run.halted = record.halted
        run.aborted = record.aborted
        run.internal_errors = record.internal_errors


def _records(handle: BinaryIO, run: RunRecord) -> Iterator[Record | None]:
    """Each record, or None for a bad line (counted and reported on `run`)."""
    line_no = 0
    while True:
        try:
            raw = handle.readline(MAX_LINE + 1)  # never more than this in memory
        except OSError as exc:
            run.read_whole = False
            why = exc.strerror or str(exc)
            run.problem(line_no + 1, f"cannot read on ({why}): the rest of the file is not read")
            return
        if not raw:
            return
        line_no += 1
        if not raw.endswith(b"\n"):
            run.bad_lines += 1
            if len(raw) > MAX_LINE:
                run.read_whole = False
                run.problem(
                    line_no,
                    f"a line longer than {describe_size(MAX_LINE)} is no journal record; "
                    "the rest of the file is not read",
                )
            else:
                run.problem(
                    line_no, "torn last line (no newline: a crash while writing it); skipped"
                )
            yield None
            return
        if not raw.strip():
            continue
        record, why = _parse(raw)
        if record is None:
            run.bad_lines += 1
            run.problem(line_no, f"{why}; skipped")
        yield record
        if run.bad_lines >= MAX_BAD_LINES:
            run.read_whole = False
            run.problem(line_no, f"{run.bad_lines} bad lines: the rest of the file is not read")
            return


def _parse(raw: bytes) -> tuple[Record | None, str]:
    try:
        value = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "not UTF-8 text"
    except ValueError:
        return None, "not JSON"
    record, why = check(value)
    return record, f"bad record ({why})"


def run_files(directory: Path) -> list[Path]:
    """Every `*.jsonl` entry, oldest first (a directory or FIFO among them is read as unreadable)."""
    try:
        files = [p for p in directory.iterdir() if p.suffix == SUFFIX]
    except OSError:
        return []
    # Oldest first: names start with the start second; within one second, by creation order.
    return sorted(files, key=lambda p: (p.name[:15], _mtime_ns(p), p.name))


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def list_runs(directory: Path) -> list[RunRecord]:
    return [read_run(p) for p in run_files(directory)]
