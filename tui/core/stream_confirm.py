"""StreamConfirmations: what a live order stream says about closed orders, for the engine.

The consumer of `watch_orders()` feeds every event here (`feed`); the engine, after a
cancel was accepted, asks `await wait(ids, timeout)` which ids the stream has seen close
and how. Ids without an answer in time are looked up over REST as before. The rules
(issue 11):

- Only while the stream is live: `wait` returns at once with nothing when it is not.
- Upbit `cancel` confirms a cancel; `done` means it filled first (the cancel failed).
  An event that came before `wait` was called still counts (the event often beats the
  REST answer), so facts are kept (bounded, oldest forgotten first).
- B2TRADER: an order that leaves the open set (between two snapshots) is reported as
  `left`; after an accepted cancel the engine may treat it as settled (cancelled, or
  filled first: the stream does not say which).
- Never a proof that an order is still open: `wait` only ever reports closings.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any

from tui.core.models.stream import (
    OpenOrdersSnapshot,
    OrderEvent,
    StreamEvent,
    StreamState,
    StreamStatus,
)

LEFT = "left"  # B2TRADER: no longer in the open set, outcome not said


class StreamConfirmations:
    def __init__(self, memory: int = 200_000) -> None:
        self.live = False
        self._memory = memory
        self._closed: OrderedDict[str, str] = OrderedDict()  # id (lower case) -> state
        self._orders: dict[str, Any] = {}  # id -> the closing event's order (Upbit), same ids
        self._open_b2: set[str] | None = None  # the last B2TRADER snapshot's ids
        self._waiters: set[asyncio.Event] = set()

    # ---- fed by the stream's consumer -------------------------------------------------------
    def feed(self, event: StreamEvent) -> None:
        if isinstance(event, StreamStatus):
            self.live = event.state is StreamState.LIVE
            if not self.live:
                self._open_b2 = None  # a gap: the next snapshot is a new baseline
                self._wake()
        elif isinstance(event, OrderEvent):
            if event.closed:
                self._orders[event.id.lower()] = event.order
                self._remember(event.id, event.event_state)
        elif isinstance(event, OpenOrdersSnapshot):
            ids = {o.orderId.lower() for o in event.orders}
            if self._open_b2 is not None:
                for gone in self._open_b2 - ids:
                    self._remember(gone, LEFT)
            self._open_b2 = ids

    def _remember(self, order_id: str, state: str) -> None:
        key = order_id.lower()
        self._closed.pop(key, None)
        self._closed[key] = state
        while len(self._closed) > self._memory:
            gone, _ = self._closed.popitem(last=False)
            self._orders.pop(gone, None)
        self._wake()

    def _wake(self) -> None:
        for waiter in self._waiters:
            waiter.set()

    # ---- asked by the engine ---------------------------------------------------------------
    def outcome(self, order_id: str) -> str | None:
        """cancel / done / left (B2TRADER), or None when the stream has not said."""
        return self._closed.get(order_id.lower())

    def order(self, order_id: str) -> Any:
        """The order as the closing event showed it (Upbit: every field), or None."""
        return self._orders.get(order_id.lower())

    async def wait(self, ids: Iterable[str], timeout: float) -> dict[str, str]:
        """The closings the stream reports for `ids` within `timeout` seconds (at once if all
        are known or the stream is not live). Missing ids: look them up over REST."""
        wanted = {i.lower() for i in ids}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        waiter = asyncio.Event()
        self._waiters.add(waiter)
        try:
            while True:
                found = {i: s for i in wanted if (s := self._closed.get(i)) is not None}
                left = deadline - loop.time()
                if len(found) == len(wanted) or not self.live or left <= 0:
                    return found
                waiter.clear()
                try:
                    await asyncio.wait_for(waiter.wait(), left)
                except TimeoutError:
                    pass
        finally:
            self._waiters.discard(waiter)
