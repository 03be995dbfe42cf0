"""Progress events the cancel engine streams to the TUI and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tui.core.errors import ErrorInfo
from tui.core.models.row import OrderRow
from tui.core.refs import OrderRef


class Outcome(StrEnum):
    CANCELLED = (
        "cancelled"  # the exchange accepted the cancel (and a look-up confirmed it where possible)
    )
    FAILED = "failed"  # the exchange refused it, or the order had already filled/was gone
    UNKNOWN = "unknown"  # sent, but no answer: recorded, reconciled, never guessed
    NOT_SENT = "not_sent"  # the run stopped (abort, 418, auth failure) before it was sent


@dataclass(slots=True)
class OrderResult:
    ref: OrderRef
    outcome: Outcome
    row: OrderRow | None = None  # full fields when known
    error: ErrorInfo | None = None
    attempts: int = 0
    confirmed: bool = False  # final state seen in a look-up
    by_stream: bool = False  # ...or told by the live order stream (tui/core/engine_stream.py)
    same_as: str | None = None  # the key of the result that speaks for this order (same_order)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {self.ref.kind.value: self.ref.value}
        if self.row is not None:
            if self.row.market:
                out["market"] = self.row.market
            if self.row.identifier and self.ref.kind.value != "identifier":
                out["identifier"] = self.row.identifier
            if self.row.id_kind.value != self.ref.kind.value:
                out[self.row.id_kind.value] = self.row.id
        if self.error is not None:
            out["error"] = self.error.as_dict()
        return out


@dataclass(frozen=True, slots=True)
class PlannedRequest:
    """One request the engine will send: which endpoint, which orders."""

    endpoint: str  # e.g. "DELETE /v1/orders/uuids"
    refs: tuple[OrderRef, ...]
    batch: bool = False


@dataclass(frozen=True, slots=True)
class RunStarted:
    run_id: str
    total: int
    planned: tuple[PlannedRequest, ...]


@dataclass(frozen=True, slots=True)
class RequestSent:
    request_id: str
    endpoint: str
    refs: tuple[OrderRef, ...]
    attempt: int = 1


@dataclass(frozen=True, slots=True)
class RequestDone:
    request_id: str
    endpoint: str
    status: int | None
    elapsed_s: float


@dataclass(frozen=True, slots=True)
class OrderOutcome:
    result: OrderResult


@dataclass(frozen=True, slots=True)
class Notice:
    """Something the user should read (a back-off, a halt, a reconcile pass)."""

    level: str  # "info" | "warning" | "error"
    text: str


@dataclass(slots=True)
class RunReport:
    run_id: str
    exchange: str
    requested: int
    results: dict[str, OrderResult] = field(default_factory=dict)  # by ref key, in request order
    requests: int = 0
    elapsed_s: float = 0.0
    halted: str | None = None  # why the run stopped early (418, auth, abort)
    aborted: bool = False
    # Unexpected exceptions the engine caught so the run could go on (a bug, not the exchange):
    # each is logged with its traceback. Zero in every healthy run.
    internal_errors: int = 0
    # What a live order stream saved (tui/core/engine_stream.py): orders it settled without a
    # look-up, the look-up requests that were not needed, and orders not sent (already closed).
    stream_confirmed: int = 0
    lookups_saved: int = 0
    stream_skipped: int = 0
    # refs found to name an order another ref names (uuid and identifier): their key -> the
    # key of the result in `results` that speaks for the order (see core.same_order)
    aliases: dict[str, str] = field(default_factory=dict)

    def by_outcome(self, outcome: Outcome) -> list[OrderResult]:
        return [r for r in self.results.values() if r.outcome is outcome]

    @property
    def counts(self) -> dict[str, int]:
        counts = {o.value: 0 for o in Outcome}
        for r in self.results.values():
            counts[r.outcome.value] += 1
        return counts


@dataclass(frozen=True, slots=True)
class RunFinished:
    report: RunReport


Event = RunStarted | RequestSent | RequestDone | OrderOutcome | Notice | RunFinished
