"""`ordertui watch`: one line per order event from the exchange's private stream, until Ctrl+C.

Upbit: one line per `myOrder` event (wait, trade, done, cancel, ...). B2TRADER: the stream
sends the account's full open set on each change; watch prints what changed (new, changed,
closed: left the open set, outcome not said). `--json`: JSON lines (amounts as strings),
`{"type":"order",...}`, plus `{"type":"resync"}` when events may have been lost (Upbit,
after every (re)connect: re-list with `ordertui orders`). Stream state changes (live,
reconnecting with the reason, off) go to stderr. The stream reconnects by itself;
SIGINT/SIGTERM stop it with exit 0. Credentials refused: exit 3; request refused: exit 1.

`first_snapshot()` serves `ordertui orders --exchange b2trader`: the open orders of the
stream's first OpenOrders item.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tui.cli.common import Context
from tui.core import decimal_json
from tui.core.errors import EXIT_AUTH, EXIT_OK, EXIT_PARTIAL, OrderTuiError
from tui.core.models.b2trader import B2TraderOrder
from tui.core.models.stream import (
    OpenOrdersSnapshot,
    OrderEvent,
    ResyncNeeded,
    StreamEvent,
    StreamState,
    StreamStatus,
)
from tui.core.visible import visible

if TYPE_CHECKING:
    from tui.core.resolve import ResolvedProfile
    from tui.exchanges.stream_base import OrderStream

_WATCHED = ("state", "status", "remainingAmount", "executionPrice", "commissionAmount")


class StreamRefused(OrderTuiError):
    exit_code = EXIT_PARTIAL


class StreamAuthRefused(StreamRefused):
    exit_code = EXIT_AUTH


def _stream(
    ctx: Context,
    markets: list[str] | None = None,
    profile: ResolvedProfile | None = None,
    **options: Any,
) -> OrderStream:
    from tui.exchanges.stream_factory import make_order_stream

    return make_order_stream(profile or ctx.profile(), markets=markets or [], **options)


DEMO_NEW_ORDER_RATE = 0.2  # per second: a demo to watch gets a slow, seeded trickle
DEMO_TRADE_RATE = 0.5


def run_watch(ctx: Context) -> int:
    stream = _stream(ctx, list(ctx.args.market or []))
    if ctx.demo_session is not None:  # `watch --demo`: make the built-in simulator's book move
        server: Any = ctx.demo_session.server
        server.config.new_order_rate = DEMO_NEW_ORDER_RATE
        server.config.trade_rate = DEMO_TRADE_RATE
        server.trickle.start()
        printer_note = "demo: the simulator adds orders and fills some now and then"
        print(f"ordertui: {printer_note}", file=sys.stderr, flush=True)
    printer = Printer(json_lines=bool(ctx.args.json))
    return asyncio.run(_watch(stream, printer))


async def _watch(stream: Any, printer: Printer) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    result: dict[str, int] = {"code": EXIT_OK}

    async def consume() -> None:
        async with contextlib.aclosing(stream.watch_orders()) as events:
            async for event in events:
                code = printer.show(event)
                if code is not None:
                    result["code"] = code
                    return

    task = asyncio.ensure_future(consume())
    stopper = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await stream.aclose()
        for pending in (task, stopper):
            pending.cancel()
        await asyncio.gather(task, stopper, return_exceptions=True)
    if task.done() and not task.cancelled() and task.exception() is not None:
        raise task.exception()  # type: ignore[misc]
    if stop.is_set():
        printer.note("stopped")
        return EXIT_OK
    return result["code"]


class Printer:
    def __init__(self, *, json_lines: bool) -> None:
        self.json_lines = json_lines
        self.known: dict[str, dict[str, Any]] = {}  # B2TRADER: the last open set, by id
        self.snapshots = 0

    def note(self, text: str) -> None:
        print(f"ordertui: {visible(text)}", file=sys.stderr, flush=True)

    def out(self, record: dict[str, Any], text: str) -> None:
        line = decimal_json.dumps(record) if self.json_lines else visible(text)
        print(line, flush=True)

    def show(self, event: StreamEvent) -> int | None:
        """Print one event; an exit code when the stream has stopped for good."""
        if isinstance(event, StreamStatus):
            self.note(event.line())
            if event.state is StreamState.OFF and event.cause in ("auth", "refused", "gave_up"):
                return EXIT_AUTH if event.cause == "auth" else EXIT_PARTIAL
        elif isinstance(event, ResyncNeeded):
            if self.json_lines:
                self.out({"type": "resync", "exchange": event.exchange, "reason": event.reason}, "")
            else:
                self.note(f"resync ({event.reason}): events while disconnected are not shown")
        elif isinstance(event, OrderEvent):
            self._order(event)
        elif isinstance(event, OpenOrdersSnapshot):
            self._snapshot(event)
        return None

    def _order(self, event: OrderEvent) -> None:
        o = event.order
        text = (
            f"{_now()} {event.exchange} {event.market or '-'} {event.id} {event.event_state}"
            f" {o.side or '-'} price={o.price} volume={o.volume}"
            f" remaining={o.remaining_volume} executed={o.executed_volume}"
        )
        record = {
            "type": "order",
            "exchange": event.exchange,
            "id": event.id,
            "market": event.market,
            "state": event.event_state,
            "closed": event.closed,
            "event": event.raw,
        }
        self.out(record, text)

    def _snapshot(self, snap: OpenOrdersSnapshot) -> None:
        current = {o.orderId: o for o in snap.orders}
        first = self.snapshots == 0
        self.snapshots += 1
        if self.json_lines:
            self.out({"type": "snapshot", "exchange": snap.exchange, "open": len(current)}, "")
        else:
            self.note(f"open orders: {len(current)} on account {snap.account_id}")
        for order_id, order in current.items():
            before = self.known.get(order_id)
            if before is None:
                self._b2(order, "open" if first else "new")
            elif any(before.get(k) != order.raw.get(k) for k in _WATCHED):
                self._b2(order, "changed")
        for order_id in self.known.keys() - current.keys():
            self._b2_closed(order_id, self.known[order_id])
        self.known = {k: v.raw for k, v in current.items()}

    def _b2(self, order: B2TraderOrder, change: str) -> None:
        text = (
            f"{_now()} b2trader {order.marketId or '-'} {order.orderId} {change}"
            f" {order.status} {order.side or '-'} price={order.requestedPrice}"
            f" amount={order.requestedAmount} remaining={order.remainingAmount}"
        )
        record = {
            "type": "order",
            "exchange": "b2trader",
            "id": order.orderId,
            "market": order.marketId,
            "state": order.status,
            "change": change,
            "closed": False,
            "event": order.raw,
        }
        self.out(record, text)

    def _b2_closed(self, order_id: str, raw: dict[str, Any]) -> None:
        text = (
            f"{_now()} b2trader {raw.get('marketId') or '-'} {order_id} closed (left the open set)"
        )
        record = {
            "type": "order",
            "exchange": "b2trader",
            "id": order_id,
            "market": raw.get("marketId"),
            "state": None,
            "change": "closed",
            "closed": True,
            "event": raw,
        }
        self.out(record, text)


def _now() -> str:
    return datetime.now().strftime("%H:%M:%S")


async def first_snapshot(
    ctx: Context, *, attempts: int = 3, profile: ResolvedProfile | None = None
) -> list[B2TraderOrder]:
    """The open orders of the stream's first OpenOrders item (B2TRADER lists no other way), on
    `profile` (default: the command line's)."""
    stream = _stream(ctx, profile=profile, max_attempts=attempts)
    try:
        async with contextlib.aclosing(stream.watch_orders()) as events:
            async for event in events:
                if isinstance(event, OpenOrdersSnapshot):
                    return event.orders
                if isinstance(event, StreamStatus) and event.state is StreamState.OFF:
                    error = StreamAuthRefused if event.cause == "auth" else StreamRefused
                    raise error(f"the B2TRADER open-orders stream: {event.reason}")
    finally:
        await stream.aclose()
    raise StreamRefused("the B2TRADER open-orders stream ended without a list")
