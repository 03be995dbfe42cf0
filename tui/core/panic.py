"""Panic cancel (Upbit): two paths over two rate-limit groups at once, meeting in the middle.

- Server path: `DELETE /v1/orders/open` with the part of the rule Upbit can express (side,
  pairs or quote currencies, excluded pairs), `count=300`, `order_by=desc`, once per 2 s in
  its own `order-cancel-all` group, until fewer than 300 come back. It takes WAIT orders
  only, newest first, including orders created after the user confirmed.
- Id path: the engine, on the `default` group, cancels by id (20 per call) the listed
  matches oldest first: WATCH orders, what the server part cannot express, the oldest.

The id path skips what the server path already took (`ServerAwareClient`), and an order the
other path cancelled counts as cancelled, never as failed. Every cancel-all call is journaled
before it is sent (its own run in the journal); each order its answer names is journaled as
the answer comes back.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from tui.core.errors import Aborted, OrderTuiError
from tui.core.events import Event, Notice, OrderResult, Outcome, RunReport
from tui.core.models.row import Exchange, OrderRow
from tui.core.planner import plan_cancels
from tui.core.ports import BatchCancelResult, CancelAck, RequestGate, RunControl
from tui.core.recorder import NullRecorder, RunRecorder
from tui.core.refs import IdKind, OrderRef
from tui.core.rules import SERVER_LIST_MAX, Rule, ServerPart

log = logging.getLogger(__name__)

CANCEL_ALL_COUNT = 300
CANCEL_ALL_ENDPOINT = "DELETE /v1/orders/open"


@dataclass(slots=True)
class ServerFilters:
    """The parameters every cancel-all call of a run sends."""

    cancel_side: str
    pairs: tuple[str, ...]
    excluded_pairs: tuple[str, ...]
    quote_currencies: tuple[str, ...]

    def describe(self) -> str:
        parts = [f"side {self.cancel_side}"]
        if self.pairs:
            parts.append("pairs " + ",".join(self.pairs))
        if self.quote_currencies:
            parts.append("quote " + ",".join(self.quote_currencies))
        if self.excluded_pairs:
            parts.append("except " + ",".join(self.excluded_pairs))
        return ", ".join(parts)

    def takes(self, order: Any) -> bool:
        """Would a cancel-all call with these filters take this order (were it the newest)?"""
        market = order.market or ""
        if order.state != "wait":
            return False
        if self.cancel_side != "all" and order.side != self.cancel_side:
            return False
        if self.pairs and market not in self.pairs:
            return False
        if self.quote_currencies and market.split("-", 1)[0] not in self.quote_currencies:
            return False
        return market not in self.excluded_pairs

    def as_dict(self) -> dict[str, Any]:
        return {
            "cancel_side": self.cancel_side,
            "pairs": list(self.pairs),
            "excluded_pairs": list(self.excluded_pairs),
            "quote_currencies": list(self.quote_currencies),
            "count": CANCEL_ALL_COUNT,
            "order_by": "desc",
        }


def server_filters(
    rule: Rule, listed: Sequence[Any] | None, now: Any
) -> tuple[ServerFilters | None, str]:
    """What the server path may send for `rule`, or None and why not.

    A rule the endpoint expresses exactly is sent as is. One that says more (age, identifier,
    price, protected prefixes) is narrowed with the listing: every market holding an open WAIT
    order the endpoint would take but the rule does not match is excluded, so nothing open now
    that the rule spares is touched (at most 20 exclusions, else the server path stays off).
    """
    part: ServerPart = rule.server_part()
    if not part.usable:
        return None, "the rule asks for WATCH orders only or for more than 20 markets"
    excluded = list(part.excluded_pairs)
    pairs = list(part.pairs)
    if not part.exact:
        if listed is None:
            return None, "the rule needs a listing first"
        unsafe = sorted(
            {
                o.market
                for o in listed
                if o.state == "wait"
                and o.market
                and _server_takes(part, o)
                and not rule.matches(o, now)
            }
        )
        if pairs:
            pairs = [p for p in pairs if p not in unsafe]
            if not pairs:
                return None, "every market of the rule holds orders it spares"
        else:
            excluded = sorted(set(excluded) | set(unsafe))
    if len(excluded) > SERVER_LIST_MAX:
        return None, f"{len(excluded)} markets would have to be excluded (Upbit takes 20)"
    return ServerFilters(part.cancel_side, tuple(pairs), tuple(excluded), part.quote_currencies), ""


def _server_takes(part: ServerPart, order: Any) -> bool:
    market = order.market or ""
    if part.cancel_side != "all" and order.side != part.cancel_side:
        return False
    if part.pairs and market not in part.pairs:
        return False
    if part.quote_currencies and market.split("-", 1)[0] not in part.quote_currencies:
        return False
    return market not in part.excluded_pairs


@dataclass(slots=True)
class ServerPathStats:
    requests: int = 0
    cancelled: int = 0
    refused: int = 0
    stopped: str | None = None  # why it ended early (an error), None when it ran out of orders


class ServerSideCancel:
    """The server path: cancel-all calls until fewer than 300 come back, or the run stops."""

    def __init__(
        self,
        client: Any,
        filters: ServerFilters,
        *,
        control: RunControl,
        recorder: RunRecorder | None = None,
        run_id: str,
        on_event: Callable[[Event], None] | None = None,
    ) -> None:
        self.client = client
        self.filters = filters
        self.control = control
        self.recorder = recorder or NullRecorder()
        self.run_id = run_id
        self.on_event = on_event
        self.taken: dict[str, CancelAck] = {}  # uuid -> the answer's entry
        self.stats = ServerPathStats()
        self.report = RunReport(run_id, Exchange.UPBIT.value, requested=0)
        self._started = time.monotonic()
        self.in_flight = False  # a call was sent and its answer is awaited
        self.stopping = False

    def start_journal(self) -> None:
        empty = plan_cancels(
            (), batch_max=1, endpoints=self.client.endpoints, id_kinds=self.client.id_kinds
        )
        self.recorder.start(self.run_id, "upbit", self.client.describe(), empty)

    async def run(self) -> None:
        f = self.filters
        while not self.control.aborted and not self.stopping:
            request_id = f"{self.run_id}/{self.stats.requests + 1}"

            def before_send(attempt: int, request_id: str = request_id) -> None:
                # Durable before the call leaves: what it cancels is not known until it answers.
                try:
                    self.recorder.intent(request_id, CANCEL_ALL_ENDPOINT, ())
                except OSError as exc:  # never send what cannot be recorded
                    self.stats.stopped = f"cannot write the journal ({exc.strerror or exc})"
                    self._notice("error", f"Server-side cancel stopped: {self.stats.stopped}")
                    raise Aborted(self.stats.stopped) from None
                self.stats.requests += 1
                self.in_flight = True

            gate = RequestGate(self.control, before_send)
            try:
                answer: BatchCancelResult = await self.client.cancel_all_open(
                    cancel_side=f.cancel_side,
                    pairs=f.pairs,
                    excluded_pairs=f.excluded_pairs,
                    quote_currencies=f.quote_currencies,
                    count=CANCEL_ALL_COUNT,
                    order_by="desc",
                    control=gate,
                )
            except Aborted:
                return
            except OrderTuiError as exc:
                self.in_flight = False
                self.stats.stopped = exc.message
                self._notice(
                    "warning",
                    f"Server-side cancel stopped: {exc.message}"
                    + (
                        "; the orders its last call may have cancelled are looked up by the id path"
                        if gate.sends
                        else ""
                    ),
                )
                return
            self.in_flight = False
            for ack in answer.accepted:
                self._took(ack)
            self.stats.refused += len(answer.refused)
            if len(answer.accepted) + len(answer.refused) < CANCEL_ALL_COUNT:
                return

    async def stop_when_idle(self, task: asyncio.Task[None]) -> None:
        """The id path is done: make no further call. One waiting for its slot is dropped (it
        was never sent); one on the wire is waited for, its answer journaled."""
        self.stopping = True
        if not self.in_flight:
            task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    def _took(self, ack: CancelAck) -> None:
        uuid = ack.ref.value
        if uuid in self.taken:
            return
        self.taken[uuid] = ack
        self.stats.cancelled += 1
        row = OrderRow.from_ref(ack.ref, Exchange.UPBIT)
        row.market, row.identifier = ack.market, ack.identifier
        result = OrderResult(ack.ref, Outcome.CANCELLED, row, attempts=1)
        self.report.results[ack.ref.key] = result
        self._record(self.recorder.outcome, result)

    def credit(self, result: OrderResult) -> None:
        """The id path failed an order this path cancelled: journal it here as cancelled."""
        self._record(self.recorder.outcome, result)

    def finish(self) -> None:
        self.report.requested = len(self.report.results)
        self.report.requests = self.stats.requests
        self.report.elapsed_s = time.monotonic() - self._started
        self.report.halted = self.stats.stopped
        self._record(self.recorder.finish, self.report)

    def _record(self, write: Callable[[Any], None], item: Any) -> None:
        try:
            write(item)
        except OSError as exc:
            self._notice("error", f"Cannot write the journal: {exc.strerror or exc}")

    def _notice(self, level: str, text: str) -> None:
        if self.on_event is not None:
            try:
                self.on_event(Notice(level, text))
            except Exception:
                log.exception("event listener failed")


class ServerAwareClient:
    """The Upbit client as the id path's engine sees it: what the server path already took is
    not sent again (answered as accepted, by the other path) and not looked up; a refusal of
    an order the server path took is its acceptance."""

    def __init__(self, inner: Any, taken: dict[str, CancelAck]) -> None:
        self._inner = inner
        self._taken = taken
        self.skipped = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def _by_server(self, ref: OrderRef) -> CancelAck | None:
        ack = self._taken.get(ref.value.lower()) if ref.kind is IdKind.UUID else None
        return None if ack is None else CancelAck(ref, ack.ref.value, ack.market, ack.identifier)

    async def cancel_batch(
        self, refs: Sequence[OrderRef], *, control: Any = None
    ) -> BatchCancelResult:
        done = [a for a in (self._by_server(r) for r in refs) if a is not None]
        left = [r for r in refs if self._by_server(r) is None]
        self.skipped += len(done)
        if not left:
            return BatchCancelResult(accepted=done)
        result: BatchCancelResult = await self._inner.cancel_batch(left, control=control)
        moved = [self._by_server(a.ref) for a in result.refused]
        result.accepted = done + result.accepted + [a for a in moved if a is not None]
        result.refused = [a for a in result.refused if self._by_server(a.ref) is None]
        return result

    async def lookup(self, refs: Sequence[OrderRef], *, control: Any = None) -> list[Any]:
        left = [r for r in refs if self._by_server(r) is None]
        if not left:
            return []
        return list(await self._inner.lookup(left, control=control))


@dataclass(slots=True)
class PanicOutcome:
    report: RunReport  # every order once: the id path's results plus the server path's
    server: ServerPathStats
    id_requests: int  # the engine's requests (cancels and look-ups)
    list_requests: int
    id_cancelled: int
    listed: int
    matched: int
    credited: list[str] = field(default_factory=list)  # failed by id, cancelled by the server
    still_open: list[str] = field(default_factory=list)  # accepted, yet open at the final listing


def merge(
    id_report: RunReport, server: ServerSideCancel, *, list_requests: int, listed: int, matched: int
) -> PanicOutcome:
    """One report, each order once. An id-path failure of an order the server path cancelled
    is the server path's success."""
    merged = RunReport(id_report.run_id, id_report.exchange, requested=0)
    merged.results = dict(id_report.results)
    merged.halted, merged.aborted = id_report.halted, id_report.aborted
    merged.internal_errors = id_report.internal_errors
    credited: list[str] = []
    id_cancelled = 0
    for key, result in merged.results.items():
        ack = server.taken.get(result.ref.value.lower())
        if ack is not None and result.outcome is not Outcome.CANCELLED:
            result.outcome, result.error = Outcome.CANCELLED, None
            credited.append(key)
            server.credit(result)
        elif result.outcome is Outcome.CANCELLED and ack is None:
            id_cancelled += 1
    for key, result in server.report.results.items():
        merged.results.setdefault(key, result)
    merged.requested = len(merged.results)
    merged.requests = id_report.requests + server.stats.requests + list_requests
    merged.elapsed_s = max(id_report.elapsed_s, server.report.elapsed_s)
    return PanicOutcome(
        merged,
        server.stats,
        id_report.requests,
        list_requests,
        id_cancelled,
        listed,
        matched,
        credited,
    )
