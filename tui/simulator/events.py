"""StreamHub: every change of the books, fanned out to the open stream connections.

The books call the hub (with the state lock held) whatever caused the change: a
REST cancel, a fill (`/_sim/fill`, `--fill-rate`), a partial fill, a new order.
Changes may come from any thread (a test calling `SimState.fill`, the trickle of
new orders); each connection owns an asyncio queue on the server's loop and the
hub hands items over with `call_soon_threadsafe`, in the order they happened.

Upbit items are ready `myOrder` messages (numbers as Decimal, written out as JSON
numbers by `dumps_numbers`); B2TRADER items only name the account that changed:
its connection sends the account's full open set as it is when the item is read.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
import time
import uuid as uuidlib
from dataclasses import dataclass, field
from decimal import Decimal

from .b2_book import B2Order
from .book import UpbitOrder
from .config import SimConfig
from .decimals import ZERO, fmt, q8

DROP = object()  # queued to a connection to make it drop (the /_sim/drop-streams fault)


@dataclass
class Subscriber:
    exchange: str  # "upbit" | "b2trader"
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)

    def put(self, item: object) -> None:
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)
        except RuntimeError:  # the loop has closed: the connection is gone
            pass


class StreamHub:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._subs: list[Subscriber] = []
        self._lock = threading.Lock()
        self._drop_rng = random.Random(f"ordertui-stream-drop-{config.seed}")
        self.counters = {"connections": 0, "refused": 0, "messages": 0, "drops": 0, "events": 0}

    # ---- connections --------------------------------------------------------------------

    def subscribe(self, exchange: str) -> Subscriber:
        sub = Subscriber(exchange, asyncio.get_running_loop())
        with self._lock:
            self._subs.append(sub)
            self.counters["connections"] += 1
        return sub

    def unsubscribe(self, sub: Subscriber) -> None:
        with self._lock:
            if sub in self._subs:
                self._subs.remove(sub)

    def open_connections(self) -> dict[str, int]:
        with self._lock:
            out = {"upbit": 0, "b2trader": 0}
            for sub in self._subs:
                out[sub.exchange] += 1
            return out

    def drop_all(self) -> int:
        """Make every open stream connection drop; returns how many were told."""
        with self._lock:
            subs = list(self._subs)
        for sub in subs:
            sub.put(DROP)
        return len(subs)

    def should_drop(self) -> bool:
        """The `--stream-drop-rate` fault: this message is lost and the connection drops."""
        rate = float(self.config.stream_drop_rate)
        if rate <= 0:
            return False
        with self._lock:
            return rate >= 1 or self._drop_rng.random() < rate

    def count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self.counters[name] += n

    def _publish(self, exchange: str, item: object) -> None:
        with self._lock:
            subs = [s for s in self._subs if s.exchange == exchange]
            self.counters["events"] += 1
        for sub in subs:
            sub.put(item)

    # ---- book listeners (state lock held) ------------------------------------------------

    def upbit_changed(self, order: UpbitOrder) -> None:
        if order.state == "done":  # the last trade, then the order's end
            self._publish("upbit", my_order(order, "trade"))
        self._publish("upbit", my_order(order, order.state))

    def upbit_traded(self, order: UpbitOrder, volume: Decimal) -> None:
        """A partial fill (the `trade` event); the order stays open."""
        self._publish("upbit", my_order(order, "trade", traded=volume))

    def b2_changed(self, order: B2Order) -> None:
        self._publish("b2trader", order.account_id)


def my_order(o: UpbitOrder, state: str, traded: Decimal | None = None) -> dict:
    """The DEFAULT-format `myOrder` message for an order as it is now."""
    now_ms = time.time_ns() // 1_000_000
    price = o.price if o.ord_type == "limit" else (o.ref_price or o.price)
    executed = o.executed_volume
    funds = q8((price or ZERO) * executed)
    avg = q8(funds / executed) if executed else ZERO
    is_trade = state == "trade"
    return {
        "type": "myOrder",
        "code": o.market,
        "uuid": o.uuid,
        "ask_bid": o.side.upper(),
        "order_type": o.ord_type,
        "state": state,
        "trade_uuid": str(uuidlib.uuid4()) if is_trade else None,
        "price": price,
        "avg_price": avg,
        "volume": o.volume,
        "remaining_volume": o.remaining_volume,
        "executed_volume": executed,
        "trades_count": o.trades_count,
        "reserved_fee": o.reserved_fee,
        "remaining_fee": o.remaining_fee,
        "paid_fee": o.paid_fee,
        "locked": o.locked,
        "executed_funds": funds,
        "time_in_force": o.time_in_force,
        # A fill forced in one step (`/_sim/fill`) has no single trade volume: no trade_fee.
        "trade_fee": None if traded is None else q8((price or ZERO) * traded * o.fee_rate),
        "is_maker": True if is_trade else None,
        "identifier": o.identifier,
        "smp_type": o.smp_type,
        "prevented_volume": o.prevented_volume,
        "prevented_locked": o.prevented_locked,
        "trade_timestamp": now_ms if is_trade else None,
        "order_timestamp": o.created_ts * 1000,
        "timestamp": now_ms,
        "stream_type": "REALTIME",
    }


def dumps_numbers(obj: object) -> str:
    """JSON with every Decimal written as a JSON number (Upbit's stream sends numbers)."""
    if isinstance(obj, Decimal):
        return fmt(obj) or "0"
    if isinstance(obj, dict):
        return "{" + ",".join(f"{json.dumps(k)}:{dumps_numbers(v)}" for k, v in obj.items()) + "}"
    if isinstance(obj, list | tuple):
        return "[" + ",".join(dumps_numbers(v) for v in obj) + "]"
    return json.dumps(obj, ensure_ascii=False)
