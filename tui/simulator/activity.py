"""Life in the books without a client: partial fills and a seeded trickle of new orders.

`trade()` fills part of an open order (Upbit: a `trade` event, the order stays
`wait`; B2TRADER: remainingAmount drops, the open set is re-sent); filling the
rest closes it as `/_sim/fill` would. `Trickle` adds `new_order_rate` orders per
second on each exchange from a daemon thread (seeded, so a run repeats).
"""

from __future__ import annotations

import random
import threading
import time
from decimal import Decimal

from .b2_book import COMMISSION_RATE
from .decimals import ZERO, dec, q8
from .state import SimState


def trade(state: SimState, order_id: str, volume: object = None) -> dict:
    """Fill `volume` (default: half the remaining) of an open order; returns its wire object.

    KeyError if unknown, ValueError if not open or the volume is not in (0, remaining].
    """
    with state.lock:
        o = state.upbit.by_uuid.get(order_id) or state.upbit.by_identifier.get(order_id)
        if o is not None:
            if not o.is_open:
                raise ValueError(f"order {o.uuid} is {o.state}")
            if o.volume is None or o.remaining_volume is None:
                raise ValueError("a buy-by-funds order fills in one step: use /_sim/fill")
            v = _volume(volume, o.remaining_volume)
            if v == o.remaining_volume:
                state.upbit.close(o, "done")
                state.stats.fills += 1
                return o.wire(state.upbit.korea)
            price = (o.price if o.ord_type == "limit" else o.ref_price) or ZERO
            fee = q8(price * v * o.fee_rate)
            o.executed_volume += v
            o.remaining_volume -= v
            o.paid_fee += fee
            if o.side == "bid":
                o.remaining_fee = max(ZERO, o.remaining_fee - fee)
                o.locked = max(ZERO, o.locked - q8(price * v) - fee)
            else:
                o.locked = max(ZERO, o.locked - v)
            o.trades_count += 1
            o._wire = None
            state.events.upbit_traded(o, v)
            return o.wire(state.upbit.korea)
        b = state.b2.get(order_id)
        if b is None:
            raise KeyError(order_id)
        if not b.cancellable:
            raise ValueError(f"order {b.order_id} is {b.status}")
        v = _volume(volume, b.remaining_amount)
        if v == b.remaining_amount:
            return state.fill(order_id)
        price = b.requested_price or b.execution_price
        filled_before = b.requested_amount - b.remaining_amount
        b.execution_price = q8(
            (b.execution_price * filled_before + price * v) / (filled_before + v)
        )
        b.commission = q8(b.commission + price * v * COMMISSION_RATE)
        b.remaining_amount -= v
        b.updated_us = max(time.time_ns() // 1000, b.updated_us)
        state.b2.changed(b)
        return b.wire()


def _volume(volume: object, remaining: Decimal) -> Decimal:
    if volume is None or volume == "":
        v = q8(remaining / 2) or remaining
    else:
        try:
            v = dec(volume)
        except (ArithmeticError, TypeError, ValueError):
            raise ValueError("volume must be a decimal number") from None
    if not v.is_finite() or v <= 0 or v > remaining:
        raise ValueError(f"volume must be more than 0 and at most the remaining {remaining}")
    return v


class Trickle:
    """Adds new orders (one per exchange per tick, Poisson-spaced) until stopped."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self._rng = random.Random(f"ordertui-trickle-{state.config.seed}")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Trickle:
        if self._thread is None and float(self.state.config.new_order_rate) > 0:
            self._thread = threading.Thread(
                target=self._run, name="ordertui-simulator-trickle", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)

    def _run(self) -> None:
        while not self._stop.wait(self._rng.expovariate(float(self.state.config.new_order_rate))):
            self.add_one()

    def add_one(self) -> tuple[dict, dict]:
        rng = self._rng
        quote = self.state.config.quote
        coin = rng.choice(["BTC", "ETH", "XRP", "SOL"])
        side = rng.choice(["bid", "ask"])
        upbit = self.state.add_upbit_order(
            market=f"{quote}-{coin}",
            side=side,
            volume=f"0.{rng.randint(1, 9999):04d}",
        )
        b2 = self.state.add_b2_order(
            market_id=f"spot.{coin.lower()}_usdt",
            side="Buy" if side == "bid" else "Sell",
            price=str(rng.randint(1000, 100000)),
            amount=f"0.{rng.randint(1, 9999):04d}",
        )
        return upbit, b2
