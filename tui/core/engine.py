"""The cancel engine: plan, send concurrently under the rate limit, then confirm and reconcile.

Every order ends in exactly one outcome:
- cancelled: the exchange accepted the cancel (confirmed by a look-up where one exists);
- failed: the exchange refused it, or the order had filled / was already gone;
- unknown: a request went out and no answer came back, and look-ups could not settle it;
- not_sent: the run stopped (abort, 418, refused credentials) before its request went out.

Nothing is guessed: an ambiguous send (timeout, dropped connection, 5xx) is settled by
looking the order up; if it is still open, the cancel is sent again (bounded rounds).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from tui.core.errors import (
    Aborted,
    AuthError,
    BadResponse,
    Blocked,
    ErrorInfo,
    ExchangeError,
    InputError,
    OrderTuiError,
    RateLimited,
    ServerBusy,
    TransportError,
    hint_for,
)
from tui.core.events import (
    Event,
    Notice,
    OrderOutcome,
    OrderResult,
    Outcome,
    PlannedRequest,
    RequestDone,
    RequestSent,
    RunFinished,
    RunReport,
    RunStarted,
)
from tui.core.lookup import look_up
from tui.core.models.row import OrderRow
from tui.core.planner import Plan, chunks, plan_cancels
from tui.core.ports import CancelAck, ExchangeClient, Order, RequestGate, RunControl
from tui.core.recorder import NullRecorder, RunRecorder
from tui.core.refs import IdKind, OrderRef
from tui.core.same_order import merge_same_orders

log = logging.getLogger(__name__)

CLOSED_CANCELLED = frozenset({"cancel", "Cancelled", "Expired"})
CLOSED_FILLED = frozenset({"done", "Completed"})
CLOSED_OTHER = frozenset({"Rejected"})


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


def info(name: str, message: str, status: int | None = None) -> ErrorInfo:
    return ErrorInfo(status, name, message, hint_for(name, status))


@dataclass(slots=True)
class EngineOptions:
    confirm: bool = True  # look cancelled orders up for full fields and final state
    max_rounds: int = 3  # look-up / re-cancel rounds for unsettled orders
    settle_delays: tuple[float, ...] = (
        0.3,
        0.8,
        1.5,
    )  # waits before re-looking-up accepted-but-open orders
    max_in_flight: int = 24  # requests on the wire at once


@dataclass(slots=True)
class _Track:
    """What the engine knows about one order during a run."""

    result: OrderResult
    exchange_id: str | None = None  # uuid / orderId once known
    ambiguous: bool = False  # some attempt may have acted without telling us
    refused: bool = False  # a batch named it as failed, reason still to learn
    settled: bool = False  # final: no more look-ups needed
    pending_error: ErrorInfo | None = None
    seen_open: bool = False  # the latest look-up showed the order still open


@dataclass(slots=True)
class _Counters:
    requests: int = 0
    started: float = field(default_factory=time.monotonic)


class CancelEngine:
    def __init__(
        self,
        client: ExchangeClient,
        *,
        recorder: RunRecorder | None = None,
        options: EngineOptions | None = None,
        on_event: Callable[[Event], None] | None = None,
        run_id: str | None = None,
    ) -> None:
        self.client = client
        self.recorder = recorder or NullRecorder()
        self.options = options or EngineOptions()
        self.on_event = on_event
        self.run_id = run_id or new_run_id()
        self.control = RunControl()
        self._request_seq = itertools.count(1)
        self._tracks: dict[OrderRef, _Track] = {}
        self._halted: str | None = None
        self._in_flight = asyncio.Semaphore(self.options.max_in_flight)
        self._counters = _Counters()
        self._accepted_ids: set[str] = set()  # exchange ids whose cancel this run saw accepted
        self._journal_warned = False

    # ---- control ----------------------------------------------------------------------------
    def abort(self, reason: str = "aborted by the user") -> None:
        """No new request goes out after this; requests on the wire finish and are recorded."""
        self.control.abort(reason)

    def plan(self, refs: Iterable[OrderRef]) -> Plan:
        c = self.client
        return plan_cancels(
            refs, batch_max=c.batch_cancel_max, endpoints=c.endpoints, id_kinds=c.id_kinds
        )

    # ---- the run ----------------------------------------------------------------------------
    async def run(self, refs: Iterable[OrderRef]) -> RunReport:
        plan = self.plan(refs)
        self._counters.started = time.monotonic()  # the run, not the time spent asking the user
        exchange = self.client.exchange.value
        report = RunReport(self.run_id, exchange, requested=len(plan.refs) + len(plan.unsupported))
        self._report = report
        try:
            self.recorder.start(self.run_id, exchange, self.client.describe(), plan)
        except OSError as exc:  # nothing sent yet: refuse to start without a record
            raise InputError(
                f"cannot write the journal: {exc.strerror or exc}"
                + (f" ({exc.filename})" if getattr(exc, "filename", None) else "")
            ) from None
        for ref in plan.refs:
            self._tracks[ref] = _Track(
                OrderResult(ref, Outcome.NOT_SENT, OrderRow.from_ref(ref, self.client.exchange))
            )
            report.results[ref.key] = self._tracks[ref].result
        self._emit(RunStarted(self.run_id, report.requested, plan.requests))
        for ref in plan.unsupported:
            result = OrderResult(
                ref,
                Outcome.FAILED,
                OrderRow.from_ref(ref),
                info(
                    "wrong_exchange",
                    f"a {ref.kind.value} cannot be cancelled on {self.client.describe()}",
                ),
            )
            report.results[ref.key] = result
            self._publish(result)

        try:
            await self._send_all(plan.requests)
            if self.options.confirm:
                await self._settle()
        finally:
            for track in self._tracks.values():
                if track.result.outcome is Outcome.NOT_SENT and track.result.error is None:
                    reason = self._halted or self.control.reason or "not sent"
                    track.result.error = info("not_sent", reason)
                    self._publish(track.result)
            for result in merge_same_orders(report):  # its uuid and its identifier: one order
                self._publish(result)
            report.requests = self._counters.requests
            report.elapsed_s = time.monotonic() - self._counters.started
            report.halted = self._halted
            report.aborted = self.control.aborted and self._halted is None
            self._record(self.recorder.finish, report)
            self._emit(RunFinished(report))
        return report

    # ---- sending ----------------------------------------------------------------------------
    async def _send_all(self, requests: Sequence[PlannedRequest]) -> None:
        await asyncio.gather(*(self._send(req) for req in requests))

    async def _send(self, req: PlannedRequest) -> None:
        if self.control.aborted:
            return
        request_id = f"{self.run_id}/{next(self._request_seq)}"

        def before_send(attempt: int) -> None:
            try:
                self.recorder.intent(request_id, req.endpoint, req.refs)
            except OSError as exc:
                # Never send what cannot be recorded: stop the run, this request included.
                self._halt(f"cannot write the journal ({exc.strerror or exc})")
                raise Aborted(self._halted or "journal unwritable") from None
            self._counters.requests += 1
            for ref in req.refs:
                track = self._tracks[ref]
                track.result.attempts += 1
                track.seen_open = False  # only a look-up after this send can say it is still open
                if track.result.outcome is Outcome.NOT_SENT:
                    # Until an answer arrives, the honest state of a sent order is "unknown".
                    track.result.outcome = Outcome.UNKNOWN
            self._emit(RequestSent(request_id, req.endpoint, req.refs, attempt))

        gate = RequestGate(self.control, before_send)
        started = time.monotonic()
        status: int | None = None
        async with self._in_flight:
            try:
                if req.batch:
                    batch = await self.client.cancel_batch(req.refs, control=gate)
                    status = 200
                    self._on_batch(batch.accepted, batch.refused, batch.unmatched)
                else:
                    ack = await self.client.cancel_one(req.refs[0], control=gate)
                    status = 200
                    self._on_accepted(ack)
            except Aborted:
                self._mark(req.refs, Outcome.NOT_SENT, None, sent=False)
            except Blocked as exc:
                status = exc.status
                self._halt(f"the exchange blocked this IP/account ({exc.hint})")
                self._mark(req.refs, Outcome.NOT_SENT, exc.info, sent=False)
            except AuthError as exc:
                status = exc.status
                self._halt(f"credentials refused: {exc.name}")
                self._mark(
                    req.refs, Outcome.FAILED, exc.info, sent=False
                )  # refused: the exchange did not act
            except (TransportError, BadResponse) as exc:
                status = getattr(exc, "status", None)
                sent = exc.sent if isinstance(exc, TransportError) else True
                if sent:
                    self._mark(req.refs, Outcome.UNKNOWN, exc.info, sent=True, ambiguous=True)
                else:
                    self._mark(req.refs, Outcome.FAILED, exc.info, sent=False)
            except ServerBusy as exc:
                # Retried already; the server said it did not act. A look-up settles it.
                status = exc.status
                self._mark(req.refs, Outcome.UNKNOWN, exc.info, sent=True)
            except RateLimited as exc:
                # Refused by the rate limit every time: the exchange never acted, so the orders
                # are not sent (R retries them), not failed.
                status = exc.status
                self._mark(req.refs, Outcome.NOT_SENT, exc.info, sent=False)
            except ExchangeError as exc:
                status = exc.status
                if exc.status is not None and exc.status >= 500:
                    self._mark(req.refs, Outcome.UNKNOWN, exc.info, sent=True, ambiguous=True)
                else:
                    self._on_refused_single(req.refs, exc.info)
            except OrderTuiError as exc:
                self._mark(req.refs, Outcome.FAILED, info("invalid_input", exc.message), sent=False)
            except Exception as exc:  # never lose a run (or an order) to a surprise
                # ...but never hide it either: a bug of ours is logged with its traceback,
                # counted on the report and told to the user, so it cannot pass for a clean run.
                log.exception("unexpected error in %s", req.endpoint)
                self._report.internal_errors += 1
                self._emit(
                    Notice("error", f"Internal error in {req.endpoint}: {type(exc).__name__}")
                )
                error = info("internal_error", f"{type(exc).__name__}: {str(exc)[:200]}")
                if gate.sends:
                    self._mark(req.refs, Outcome.UNKNOWN, error, sent=True, ambiguous=True)
                else:
                    self._mark(req.refs, Outcome.FAILED, error, sent=False)
        if gate.sends:
            self._emit(RequestDone(request_id, req.endpoint, status, time.monotonic() - started))

    def _halt(self, reason: str) -> None:
        if self._halted is None:
            self._halted = reason
            self.control.abort(reason)
            self._emit(Notice("error", f"Run halted: {reason}"))

    # ---- answers ----------------------------------------------------------------------------
    def _on_accepted(self, ack: CancelAck) -> None:
        track = self._tracks[ack.ref]
        track.exchange_id = ack.id or track.exchange_id
        if track.exchange_id:
            self._accepted_ids.add(track.exchange_id.lower())
        result = track.result
        result.outcome = Outcome.CANCELLED
        result.error = None
        if ack.order is not None:
            result.row = OrderRow.from_order(ack.order)
            # A B2TRADER answer already shows the final status; Upbit's shows the order before.
            state = _state_of(ack.order)
            if state in CLOSED_CANCELLED:
                result.confirmed = True
                track.settled = True
            elif state in CLOSED_FILLED or state in CLOSED_OTHER:
                result.outcome = Outcome.FAILED
                result.error = (
                    info("order_filled", f"the answer shows the order {state}")
                    if state in CLOSED_FILLED
                    else info("not_cancellable", f"the order is {state}")
                )
                result.confirmed = True
                track.settled = True
        elif ack.id or ack.market:
            row = result.row or OrderRow.from_ref(ack.ref, self.client.exchange)
            if ack.id and ack.ref.kind is IdKind.IDENTIFIER:
                row.id, row.id_kind = ack.id, IdKind.UUID
            row.market = ack.market or row.market
            row.identifier = ack.identifier or row.identifier
            result.row = row
        if self.client.lookup_max == 0:
            track.settled = True
        self._publish(result)

    def _on_batch(
        self, accepted: list[CancelAck], refused: list[CancelAck], unmatched: list[OrderRef]
    ) -> None:
        for ack in accepted:
            self._on_accepted(ack)
        for ack in refused:
            track = self._tracks[ack.ref]
            track.exchange_id = ack.id or track.exchange_id
            track.refused = True
            error = info("cancel_refused", "the exchange refused to cancel this order")
            if track.ambiguous:
                # Our earlier attempt may be why it is gone now: only a look-up can tell.
                track.result.outcome = Outcome.UNKNOWN
                track.pending_error = error
            else:
                track.result.outcome = Outcome.FAILED
                track.result.error = error
            if ack.market and track.result.row is not None:
                track.result.row.market = ack.market
            self._publish(track.result)
        self._mark(
            unmatched,
            Outcome.UNKNOWN,
            info("bad_response", "the answer did not mention this order"),
            sent=True,
            ambiguous=True,
        )

    def _on_refused_single(self, refs: Sequence[OrderRef], error: ErrorInfo) -> None:
        for ref in refs:
            track = self._tracks[ref]
            if track.ambiguous:
                # A re-cancel after an ambiguous attempt: a look-up decides, not this answer.
                track.result.outcome = Outcome.UNKNOWN
                track.pending_error = error
                track.refused = True
            else:
                track.result.outcome = Outcome.FAILED
                track.result.error = error
                track.settled = error.name == "order_not_found" or self.client.lookup_max == 0
            self._publish(track.result)

    def _mark(
        self,
        refs: Iterable[OrderRef],
        outcome: Outcome,
        error: ErrorInfo | None,
        *,
        sent: bool,
        ambiguous: bool = False,
    ) -> None:
        for ref in refs:
            track = self._tracks[ref]
            if track.ambiguous and outcome in (Outcome.FAILED, Outcome.NOT_SENT):
                # An earlier attempt may have acted: this one's failure does not settle it.
                track.pending_error = error or track.pending_error
                outcome, error = Outcome.UNKNOWN, track.result.error or error
            track.result.outcome = outcome
            track.result.error = error
            track.ambiguous = track.ambiguous or ambiguous
            if outcome is Outcome.UNKNOWN and self.client.lookup_max == 0 and not ambiguous:
                track.ambiguous = True
            self._publish(track.result)

    # ---- confirming and reconciling ---------------------------------------------------------
    async def _settle(self) -> None:
        """Look orders up until each has a final state, re-cancelling ones still open after an
        ambiguous attempt. Bounded by `max_rounds`; never sends after an abort or a halt."""
        if self.client.lookup_max == 0:
            await self._settle_without_lookup()
            return
        for round_no in range(self.options.max_rounds + 1):
            if self.control.aborted:
                return
            pending = [ref for ref, t in self._tracks.items() if self._needs_lookup(t)]
            if not pending:
                return
            found, looked = await self._lookup(pending)
            resend: list[OrderRef] = []
            waiting = False
            for ref in pending:
                if ref not in looked:
                    continue
                verdict = self._classify(self._tracks[ref], found.get(ref))
                if verdict == "resend":
                    resend.append(ref)
                elif verdict == "wait":
                    waiting = True
            if resend and round_no < self.options.max_rounds and not self.control.aborted:
                self._emit(
                    Notice(
                        "info",
                        f"Re-sending {len(resend)} cancel(s) still open after an unanswered attempt",
                    )
                )
                await self._send_all(self.plan(resend).requests)
            elif waiting and round_no < len(self.options.settle_delays):
                await asyncio.sleep(self.options.settle_delays[round_no])
            elif not resend and not waiting:
                break
        self._give_up_on_open()

    def _give_up_on_open(self) -> None:
        """Orders still open at the last look-up were not cancelled, whatever our unanswered
        attempts did: that is known, so they fail (with the last error) instead of staying unknown."""
        for track in self._tracks.values():
            if track.seen_open and track.result.outcome is Outcome.UNKNOWN and not track.settled:
                track.result.outcome = Outcome.FAILED
                track.result.error = track.result.error or info(
                    "cancel_refused", "the order is still open after every attempt"
                )
                track.settled = True
                self._publish(track.result)

    def _needs_lookup(self, track: _Track) -> bool:
        if track.settled:
            return False
        outcome = track.result.outcome
        if outcome is Outcome.NOT_SENT:
            return False
        if (
            outcome is Outcome.FAILED
            and track.result.error
            and track.result.error.name
            in (
                "order_not_found",
                "invalid_input",
                "wrong_exchange",
                "too_many_requests",
                "transport",
            )
        ):
            return False
        return True

    async def _lookup(
        self, refs: Sequence[OrderRef]
    ) -> tuple[dict[OrderRef, Order], set[OrderRef]]:
        """Look refs up in batches (by uuid when known, else by identifier).

        Returns the orders found per ref and the set of refs whose look-up answered, so that a
        ref absent from a readable answer is known to be absent. Several refs may name one
        order (its uuid and its identifier): each of them gets the order.
        """
        by_uuid: dict[str, list[OrderRef]] = {}
        by_ident: dict[str, list[OrderRef]] = {}
        for ref in refs:
            track = self._tracks[ref]
            if track.exchange_id and self.client.exchange.value == "upbit":
                by_uuid.setdefault(track.exchange_id.lower(), []).append(ref)
            elif ref.kind is IdKind.IDENTIFIER:
                by_ident.setdefault(ref.value, []).append(ref)
            else:
                by_uuid.setdefault(ref.value.lower(), []).append(ref)
        groups: list[tuple[tuple[OrderRef, ...], dict[str, list[OrderRef]]]] = []
        for mapping, kind in ((by_uuid, IdKind.UUID), (by_ident, IdKind.IDENTIFIER)):
            keys = [OrderRef(kind, key) for key in mapping]
            for part in chunks(keys, self.client.lookup_max):
                groups.append((part, mapping))
        found: dict[OrderRef, Order] = {}
        looked: set[OrderRef] = set()

        def count(attempt: int) -> None:
            self._counters.requests += 1

        async def one(part: tuple[OrderRef, ...], mapping: dict[str, list[OrderRef]]) -> None:
            try:
                async with self._in_flight:
                    answer = await look_up(
                        self.client, part, control=RequestGate(self.control, count)
                    )
            except Aborted:
                return
            except Blocked as exc:
                self._halt(f"the exchange blocked this IP/account ({exc.hint})")
                return
            except OrderTuiError as exc:
                self._emit(
                    Notice("warning", f"Look-up of {len(part)} order(s) failed: {exc.message}")
                )
                return
            if answer.problem:
                self._emit(
                    Notice("warning", f"Look-up: {answer.problem}; those orders stay unknown")
                )
            for order in answer.orders:
                uid = (getattr(order, "uuid", None) or "").lower()
                ident = getattr(order, "identifier", None)
                for ref in by_uuid.get(uid, []) + by_ident.get(ident or "", []):
                    found[ref] = order
            for part_ref in answer.settled:
                looked.update(mapping[part_ref.value])

        await asyncio.gather(*(one(part, mapping) for part, mapping in groups))
        return found, looked

    def _classify(self, track: _Track, order: Order | None) -> str:
        """Settle one order from a look-up. Returns "done", "resend" or "wait"."""
        result = track.result
        if order is None:
            if result.outcome is Outcome.CANCELLED:
                return "done"  # accepted, though not listed: keep the exchange's acceptance
            result.outcome = Outcome.FAILED
            result.error = info("order_not_found", "no such order on this account")
            track.settled = True
            self._publish(result)
            return "done"
        result.row = OrderRow.from_order(order)
        track.exchange_id = result.row.id
        track.seen_open = False
        state = _state_of(order)
        if state in CLOSED_CANCELLED:
            by_us = track.ambiguous or (track.exchange_id or "").lower() in self._accepted_ids
            if result.outcome is Outcome.CANCELLED or by_us:
                result.outcome, result.error = Outcome.CANCELLED, None
            else:
                result.outcome = Outcome.FAILED
                result.error = _keep_name(
                    result.error, "already_cancelled", "the order was already cancelled"
                )
            result.confirmed = True
        elif state in CLOSED_FILLED:
            result.outcome = Outcome.FAILED
            result.error = _keep_name(
                result.error or track.pending_error,
                "order_filled",
                "the order filled before the cancel reached it",
            )
            result.confirmed = True
        elif state in CLOSED_OTHER:
            result.outcome = Outcome.FAILED
            result.error = info("not_cancellable", f"the order is {state}")
            result.confirmed = True
        else:  # still open
            track.seen_open = True
            if result.outcome is Outcome.CANCELLED:
                self._publish(result)
                return "wait"  # accepted; the exchange has not finished it yet
            if result.outcome is Outcome.UNKNOWN and not track.refused:
                self._publish(result)
                return "resend"
            result.outcome = Outcome.FAILED
            result.error = (
                result.error
                or track.pending_error
                or info("cancel_refused", "the exchange refused to cancel this order")
            )
        track.settled = True
        self._publish(result)
        return "done"

    async def _settle_without_lookup(self) -> None:
        """No look-up exists (B2TRADER): send ambiguous cancels once more; a clear answer settles
        them, an ambiguous one leaves them unknown for a manual check."""
        resend = [ref for ref, t in self._tracks.items() if t.result.outcome is Outcome.UNKNOWN]
        if not resend or self.control.aborted:
            return
        self._emit(Notice("info", f"Re-sending {len(resend)} cancel(s) that got no answer"))
        await self._send_all(self.plan(resend).requests)
        for ref in resend:
            track = self._tracks[ref]
            if track.result.outcome is Outcome.UNKNOWN:
                track.result.error = info(
                    "needs_manual_check",
                    "no answer and no look-up exists: check this order in the trading terminal",
                )
                self._publish(track.result)

    # ---- events -----------------------------------------------------------------------------
    def _publish(self, result: OrderResult) -> None:
        self._record(self.recorder.outcome, result)
        self._emit(OrderOutcome(result))

    def _record(self, write: Callable[[object], None], item: object) -> None:
        """Outcome and finish lines: a failure to write them is reported, never a crash (the
        intents, which are what reconcile needs, were durable before each send)."""
        try:
            write(item)
        except OSError as exc:
            if not self._journal_warned:
                self._journal_warned = True
                self._emit(Notice("error", f"Cannot write the journal: {exc.strerror or exc}"))

    def _emit(self, event: Event) -> None:
        if self.on_event is None:
            return
        try:
            self.on_event(event)
        except Exception:  # a broken listener must never break a run
            log.exception("event listener failed")
            report = getattr(self, "_report", None)
            if report is not None:
                report.internal_errors += 1


def _state_of(order: Order) -> str | None:
    return getattr(order, "state", None) or getattr(order, "status", None)


def _keep_name(error: ErrorInfo | None, name: str, message: str) -> ErrorInfo:
    """Keep the exchange's own error name when it said one; else use ours."""
    if error is not None and error.name not in (
        "cancel_refused",
        "bad_response",
        "timeout",
        "transport",
    ):
        return error
    return info(name, message)
