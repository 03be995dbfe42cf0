"""Life in the books without a client: partial fills and a seeded trickle of new orders.

`trade()` fills part of an open order (Upbit: a `trade` event, the order stays
`wait`; B2TRADER: remainingAmount drops, the open set is re-sent); filling the
rest closes it as `/_sim/fill` would. `Trickle` adds `new_order_rate` orders per
second on each exchange and `trade_rate` trades per second from a daemon thread
(seeded, so a run repeats): what makes a demo look alive.
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
    """From a daemon thread until stopped, Poisson-spaced and seeded: `new_order_rate` new
    orders per second (one per exchange each time) and `trade_rate` trades per second (a
    random open order of each exchange fills in part, or in full one time in three)."""

    def __init__(self, state: SimState) -> None:
        self.state = state
        self._rng = random.Random(f"ordertui-trickle-{state.config.seed}")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> Trickle:
        cfg = self.state.config
        busy = float(cfg.new_order_rate) > 0 or float(cfg.trade_rate) > 0
        if self._thread is None and busy:
            self._thread = threading.Thread(
                target=self._run, name="ordertui-simulator-trickle", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)

    def _next(self, rate: float, now: float) -> float:
        return now + self._rng.expovariate(rate) if rate > 0 else float("inf")

    def _run(self) -> None:
        cfg = self.state.config
        now = time.monotonic()
        due_new = self._next(float(cfg.new_order_rate), now)
        due_trade = self._next(float(cfg.trade_rate), now)
        while not self._stop.wait(max(0.0, min(due_new, due_trade) - time.monotonic())):
            now = time.monotonic()
            if now >= due_new:
                self.add_one()
                due_new = self._next(float(cfg.new_order_rate), now)
            if now >= due_trade:
                self.trade_one()
                due_trade = self._next(float(cfg.trade_rate), now)

    def trade_one(self) -> None:
        rng = self._rng
        picks: list[str] = []
        with self.state.lock:  # a few random draws, not a scan: books may hold 100k orders
            opens = self.state.upbit.open
            for _ in range(5 if opens else 0):
                u = opens[rng.randrange(len(opens))]
                if u.volume is not None:
                    picks.append(u.uuid)
                    break
            b2 = list(self.state.b2.by_id.values())
            for _ in range(20 if b2 else 0):
                b = b2[rng.randrange(len(b2))]
                if b.cancellable:
                    picks.append(b.order_id)
                    break
        for order_id in picks:
            try:
                if rng.random() < 1 / 3:
                    self.state.fill(order_id)
                else:
                    trade(self.state, order_id)
            except (KeyError, ValueError):  # closed meanwhile by a client: skip this one
                continue

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
