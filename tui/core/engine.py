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

from tui.core.engine_results import Track, info
from tui.core.engine_stream import STREAM_WAIT_S, StreamSettling
from tui.core.errors import (
    Aborted,
    AuthError,
    BadResponse,
    Blocked,
    ExchangeError,
    InputError,
    OrderTuiError,
    RateLimited,
    ServerBusy,
    TransportError,
)
from tui.core.events import (
    Event,
    Notice,
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
from tui.core.models.row import Exchange, OrderRow
from tui.core.planner import Plan, chunks, plan_cancels
from tui.core.ports import ExchangeClient, Order, RequestGate, RunControl
from tui.core.recorder import NullRecorder, RunRecorder
from tui.core.refs import IdKind, OrderRef
from tui.core.same_order import merge_same_orders
from tui.core.stream_confirm import StreamConfirmations

log = logging.getLogger(__name__)


def new_run_id() -> str:
    return time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]


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
    stream_wait: float = STREAM_WAIT_S  # wait for a live stream's closings before looking up


@dataclass(slots=True)
class _Counters:
    requests: int = 0
    started: float = field(default_factory=time.monotonic)


class CancelEngine(StreamSettling):
    def __init__(
        self,
        client: ExchangeClient,
        *,
        recorder: RunRecorder | None = None,
        options: EngineOptions | None = None,
        on_event: Callable[[Event], None] | None = None,
        run_id: str | None = None,
        confirmations: StreamConfirmations | None = None,
    ) -> None:
        self.client = client
        # A live order stream's closings (tui/core/engine_stream.py); None: look-ups only.
        self.confirmations = confirmations
        self.recorder = recorder or NullRecorder()
        self.options = options or EngineOptions()
        self.on_event = on_event
        self.stream_wait = self.options.stream_wait
        self.run_id = run_id or new_run_id()
        self.control = RunControl()
        self._request_seq = itertools.count(1)
        self._tracks: dict[OrderRef, Track] = {}
        self._halted: str | None = None
        self._in_flight = asyncio.Semaphore(self.options.max_in_flight)
        self._counters = _Counters()
        self._accepted_ids: set[str] = set()  # exchange ids whose cancel this run saw accepted
        self._journal_warned = False
        self._report: RunReport | None = None

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
    async def run(self, refs: Iterable[OrderRef] | Plan) -> RunReport:
        """Run a cancel of `refs`, or of a plan already made with `plan` (the TUI plans once,
        shows the plan in its confirm dialog, then runs exactly that plan)."""
        plan = refs if isinstance(refs, Plan) else self.plan(refs)
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
            self._tracks[ref] = Track(
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
            plan = self._drop_closed(plan, self.plan)  # the stream saw these close: not sent
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
                if self._report is not None:
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
            if round_no == 0:  # a live stream's cancel events confirm without a look-up
                pending = await self._settle_from_stream(pending)
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
            if track.exchange_id and self.client.exchange is Exchange.UPBIT:
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

    async def _settle_without_lookup(self) -> None:
        """No look-up exists (B2TRADER): send ambiguous cancels once more; a clear answer settles
        them, an ambiguous one leaves them unknown for a manual check."""
        resend = [ref for ref, t in self._tracks.items() if t.result.outcome is Outcome.UNKNOWN]
        resend = await self._b2_from_stream(resend)
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
