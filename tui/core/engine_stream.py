"""What a live order stream saves the cancel engine: look-ups, re-sends, and sends for orders
already closed (issue 11). Optional: without `confirmations` the engine runs as before.

The engine's seam is `CancelEngine(confirmations=StreamConfirmations | None)`; whoever runs
the stream feeds it (tui/core/stream_confirm.py). The rules:

- Before sending: an order the stream has seen close (Upbit `done` / `cancel`, B2TRADER
  left the open set) is not sent; it fails with what the stream said (filled first, already
  cancelled, no longer open).
- After the cancels were accepted (Upbit): the engine waits up to `stream_wait` s for the
  stream. A `cancel` event confirms an accepted (or ambiguously sent) cancel without a
  look-up; `done` means it filled first (failed). Orders with no event in time are looked up
  as before. The stream is never taken as proof that an order is still OPEN: it only settles
  closings.
- B2TRADER (no look-up): an accepted cancel whose order left the open set is confirmed; an
  unanswered one whose order left the set is not sent again (it is gone: cancelled or filled,
  the stream does not say which, so it stays unknown for a manual check).

The report counts what this saved: `stream_confirmed` orders and `lookups_saved` requests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

from tui.core.engine_results import ResultBook, Track, info
from tui.core.events import Outcome
from tui.core.models.row import OrderRow
from tui.core.planner import Plan
from tui.core.refs import IdKind, OrderRef
from tui.core.stream_confirm import LEFT, StreamConfirmations

STREAM_WAIT_S = 0.5  # how long the engine waits for the stream before looking orders up


class StreamSettling(ResultBook):
    confirmations: StreamConfirmations | None
    stream_wait: float

    def _stream_id(self, ref: OrderRef, track: Track) -> str | None:
        if track.exchange_id:
            return track.exchange_id.lower()
        return ref.value.lower() if ref.kind is not IdKind.IDENTIFIER else None

    # ---- before sending ---------------------------------------------------------------------
    def _drop_closed(self, plan: Plan, replan: Callable[[Iterable[OrderRef]], Plan]) -> Plan:
        """The plan without orders the stream says closed (each fails with what it said)."""
        conf = self.confirmations
        if conf is None:
            return plan
        closed = {}
        for ref in plan.refs:
            if ref.kind is IdKind.IDENTIFIER:
                continue
            state = conf.outcome(ref.value)
            if state is not None:
                closed[ref] = state
        if not closed:
            return plan
        for ref, state in closed.items():
            track = self._tracks[ref]
            result = track.result
            result.outcome = Outcome.FAILED
            if state == "done":
                result.error = info("order_filled", "the order stream says it filled: not sent")
            elif state == "cancel":
                result.error = info(
                    "already_cancelled", "the order stream says it was cancelled: not sent"
                )
            else:
                result.error = info("not_open", "the order left the open set: not sent")
            if result.row is not None and state != LEFT:
                result.row = result.row.replaced(state=state)
            result.confirmed = result.by_stream = True
            track.settled = True
            self._publish(result)
            if self._report is not None:
                self._report.stream_skipped += 1
        rest = [r for r in plan.refs if r not in closed]
        return replace(replan(rest), unsupported=plan.unsupported, duplicates=plan.duplicates)

    # ---- after sending ----------------------------------------------------------------------
    async def _settle_from_stream(self, pending: Sequence[OrderRef]) -> list[OrderRef]:
        """Settle what the stream says about `pending` (waiting up to `stream_wait` s); returns
        the refs still to look up."""
        conf = self.confirmations
        if conf is None or not pending or not conf.live:
            return list(pending)
        ids = {}
        for ref in pending:
            sid = self._stream_id(ref, self._tracks[ref])
            if sid is not None:
                ids[ref] = sid
        found = await conf.wait(ids.values(), timeout=self.stream_wait)
        rest = []
        for ref in pending:
            state = found.get(ids.get(ref, ""))
            order = conf.order(ids[ref]) if ref in ids else None
            if state is None or not self._apply_stream(self._tracks[ref], state, order):
                rest.append(ref)
        if self._report is not None and self.client.lookup_max:
            size = self.client.lookup_max
            saved = -(-len(pending) // size) - -(-len(rest) // size)
            self._report.lookups_saved += saved
        return rest

    def _apply_stream(self, track: Track, state: str, order: Any = None) -> bool:
        """One closing the stream saw after the send; False when it settles nothing."""
        result = track.result
        by_us = track.ambiguous or result.outcome is Outcome.CANCELLED
        if state == "cancel" and by_us:
            result.outcome, result.error = Outcome.CANCELLED, None
        elif state == "done":
            result.outcome = Outcome.FAILED
            result.error = info("order_filled", "the order filled before the cancel reached it")
        else:
            return False  # cancelled by someone else after a refusal: a look-up names it
        if order is not None:  # the event carries every field, as a look-up would
            result.row = OrderRow.from_order(order)
        elif result.row is not None:
            result.row = result.row.replaced(state=state)
        result.confirmed = result.by_stream = True
        track.settled = True
        track.seen_open = False
        self._publish(result)
        if self._report is not None:
            self._report.stream_confirmed += 1
        return True

    async def _b2_from_stream(self, resend: list[OrderRef]) -> list[OrderRef]:
        """B2TRADER: accepted cancels whose order left the open set are confirmed; unanswered
        ones that left it are not sent again (waited for up to `stream_wait` s). Returns the
        refs to re-send."""
        conf = self.confirmations
        if conf is None:
            return resend
        if resend and conf.live:
            ids = [s for r in resend if (s := self._stream_id(r, self._tracks[r])) is not None]
            await conf.wait(ids, timeout=self.stream_wait)
        for ref, track in self._tracks.items():
            if track.result.outcome is Outcome.CANCELLED and not track.result.confirmed:
                sid = self._stream_id(ref, track)
                if sid is not None and conf.outcome(sid) == LEFT:
                    track.result.confirmed = track.result.by_stream = True
                    self._publish(track.result)
                    if self._report is not None:
                        self._report.stream_confirmed += 1
        keep = []
        for ref in resend:
            track = self._tracks[ref]
            sid = self._stream_id(ref, track)
            if sid is not None and conf.outcome(sid) == LEFT:
                track.result.error = info(
                    "needs_manual_check",
                    "the order left the open set after an unanswered cancel: cancelled or "
                    "filled, check it in the trading terminal",
                )
                track.settled = True
                self._publish(track.result)
            else:
                keep.append(ref)
        return keep
