"""The small async interface every exchange client implements (the engine's only view of one)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from tui.core.errors import Aborted
from tui.core.models.b2trader import B2TraderOrder
from tui.core.models.row import Exchange
from tui.core.models.upbit import UpbitOrder
from tui.core.refs import IdKind, OrderRef

Order = UpbitOrder | B2TraderOrder


class RunControl:
    """Per-run switch shared by the engine and the client: once aborted, nothing more is sent.

    Clients call `check()` after a rate-limit slot is granted and right before each send,
    so a request waiting for its slot (or for a retry) is never sent after an abort.
    """

    def __init__(self) -> None:
        self._aborted = False
        self.reason = ""

    @property
    def aborted(self) -> bool:
        return self._aborted

    def abort(self, reason: str = "aborted by the user") -> None:
        self._aborted = True
        self.reason = reason

    def ensure_running(self) -> None:
        """Raise Aborted once the run is aborted (safe to call any number of times)."""
        if self._aborted:
            raise Aborted(self.reason)

    def check(self) -> None:
        """Called by clients right before each send."""
        self.ensure_running()


class RequestGate(RunControl):
    """The control of one request: like its run's, and each send is announced first.

    `before_send(attempt)` runs right before every send of the request (the journal writes
    and fsyncs its intent there), after the abort check.
    """

    def __init__(self, run: RunControl, before_send: Callable[[int], None]) -> None:
        super().__init__()
        self.run = run
        self._before_send = before_send
        self.sends = 0

    @property
    def aborted(self) -> bool:
        return self.run.aborted

    def abort(self, reason: str = "aborted by the user") -> None:
        self.run.abort(reason)

    def ensure_running(self) -> None:
        self.run.ensure_running()

    def check(self) -> None:
        self.run.ensure_running()
        self._before_send(self.sends + 1)  # may raise: then nothing was sent
        self.sends += 1


@dataclass(slots=True)
class CancelAck:
    """An order the exchange named in its answer to a cancel."""

    ref: OrderRef  # the reference as sent
    id: str | None = None  # the exchange's own id (uuid / orderId) when given
    market: str | None = None
    identifier: str | None = None
    order: Order | None = None  # full object when the endpoint returns one


@dataclass(slots=True)
class BatchCancelResult:
    accepted: list[CancelAck] = field(default_factory=list)
    refused: list[CancelAck] = field(default_factory=list)  # Upbit's batch gives no reason
    unmatched: list[OrderRef] = field(default_factory=list)  # sent, but named in neither list


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Human names of the endpoints a client uses, for plans and confirm dialogs."""

    cancel_one: str
    cancel_batch: str | None
    lookup: str | None


@runtime_checkable
class ExchangeClient(Protocol):
    exchange: Exchange
    batch_cancel_max: int  # ids per batch cancel; 1 = singles only
    lookup_max: int  # ids per look-up; 0 = no look-up exists
    endpoints: Endpoints
    id_kinds: frozenset[IdKind]

    def describe(self) -> str:
        """e.g. "Upbit kr (api.upbit.com)" or "B2TRADER account 123 (broker.example)". Never secrets."""
        ...

    def on_rate(self, listener: Callable[[str, int, int], None]) -> None:
        """Call listener(group, remaining, limit) whenever the exchange reports its budget."""
        ...

    async def cancel_one(
        self, ref: OrderRef, *, control: RunControl | None = None
    ) -> CancelAck: ...

    async def cancel_batch(
        self, refs: Sequence[OrderRef], *, control: RunControl | None = None
    ) -> BatchCancelResult: ...

    async def lookup(
        self, refs: Sequence[OrderRef], *, control: RunControl | None = None
    ) -> Sequence[Order]: ...

    async def list_open(
        self, *, market: str | None = None, on_page: Callable[[int, int], None] | None = None
    ) -> Sequence[Order]: ...

    async def aclose(self) -> None: ...
