"""How the cancel engine turns answers into results: what each order's outcome is after an
acceptance, a refusal, a failure or a look-up, and how each change is recorded and announced.

`CancelEngine` (tui/core/engine.py) schedules the requests; this mixin holds what it knows
about every order (`_tracks`) and the rules that settle an outcome. The rules are in
the engine module's docstring.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from tui.core.errors import ErrorInfo, hint_for
from tui.core.events import Event, Notice, OrderOutcome, OrderResult, Outcome, RunReport
from tui.core.models.row import OrderRow
from tui.core.models.states import CLOSED_CANCELLED, CLOSED_FILLED, CLOSED_OTHER
from tui.core.ports import CancelAck, ExchangeClient, Order
from tui.core.recorder import RunRecorder
from tui.core.refs import IdKind, OrderRef

T = TypeVar("T")
log = logging.getLogger("tui.core.engine")  # one logger for the engine, whichever module


def info(name: str, message: str, status: int | None = None) -> ErrorInfo:
    return ErrorInfo(status, name, message, hint_for(name, status))


@dataclass(slots=True)
class Track:
    """What the engine knows about one order during a run."""

    result: OrderResult
    exchange_id: str | None = None  # uuid / orderId once known
    ambiguous: bool = False  # some attempt may have acted without telling us
    refused: bool = False  # a batch named it as failed, reason still to learn
    settled: bool = False  # final: no more look-ups needed
    pending_error: ErrorInfo | None = None
    seen_open: bool = False  # the latest look-up showed the order still open


class ResultBook:
    """The per-order state of a run and the rules that settle each order's outcome."""

    client: ExchangeClient
    recorder: RunRecorder
    on_event: Callable[[Event], None] | None
    _tracks: dict[OrderRef, Track]
    _accepted_ids: set[str]  # exchange ids whose cancel this run saw accepted
    _journal_warned: bool
    _report: RunReport | None

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

    def _needs_lookup(self, track: Track) -> bool:
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

    def _classify(self, track: Track, order: Order | None) -> str:
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

    def _publish(self, result: OrderResult) -> None:
        self._record(self.recorder.outcome, result)
        self._emit(OrderOutcome(result))

    def _record(self, write: Callable[[T], None], item: T) -> None:
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
            if self._report is not None:
                self._report.internal_errors += 1


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
