"""B2TRADER orders (fields of the DELETE /frontoffice/api/v3/orders/{orderId} page)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from .decimals import ZERO, fmt, q8

CANCELLABLE = ("Started", "Pending", "Working")
FINAL = ("Completed", "Cancelled", "Expired", "Rejected")
COMMISSION_RATE = Decimal("0.001")


def format_b2_time(epoch_us: int) -> str:
    """.NET round-trip style as in the page's example: up to 7 fraction digits, trailing zeros trimmed."""
    seconds, micros = divmod(epoch_us, 1_000_000)
    base = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    frac = f"{micros:06d}0".rstrip("0")
    return f"{base}.{frac}Z" if frac else f"{base}Z"


@dataclass(eq=False, slots=True)
class B2Order:
    order_id: str  # ULID
    account_id: str
    market_id: str  # spot.eth_usdt, cfd.xauusd, perp.btc_usdt ...
    market_display_name: str
    order_type: str  # Limit | Market
    side: str  # Buy | Sell
    status: str
    source: str  # Manual | StopOrder | FixApi | System
    time_in_force: str  # Gtc | Ioc | Fok | Gtd | Day
    requested_amount: Decimal
    remaining_amount: Decimal
    requested_price: Decimal | None
    execution_price: Decimal
    commission: Decimal
    created_us: int
    updated_us: int
    cancelled_us: int | None = None
    reject_details: str = ""
    seq: int = 0

    @property
    def cancellable(self) -> bool:
        return self.status in CANCELLABLE

    def wire(self) -> dict:
        filled = self.requested_amount - self.remaining_amount
        factor = (filled / self.requested_amount) if self.requested_amount else ZERO
        return {
            "marketId": self.market_id,
            "marketDisplayName": self.market_display_name,
            "orderId": self.order_id,
            "orderType": self.order_type,
            "side": self.side,
            "status": self.status,
            "source": self.source,
            "timeInForce": self.time_in_force,
            "commission": fmt(self.commission),
            "requestedAmount": fmt(self.requested_amount),
            "remainingAmount": fmt(self.remaining_amount),
            "requestedPrice": fmt(self.requested_price),
            "executionPrice": fmt(self.execution_price),
            "createdAt": format_b2_time(self.created_us),
            "updatedAt": format_b2_time(self.updated_us),
            "rejectDetails": self.reject_details,
            "cancellationDate": None
            if self.cancelled_us is None
            else format_b2_time(self.cancelled_us),
            "fillFactor": fmt(q8(factor)),
        }

    def mark_cancelled(self, now_us: int) -> None:
        self.status = "Cancelled"
        self.cancelled_us = now_us
        self.updated_us = max(now_us, self.updated_us)

    def mark_completed(self, now_us: int) -> None:
        price = self.requested_price or self.execution_price
        rest = self.remaining_amount
        filled_before = self.requested_amount - rest
        if self.requested_amount:
            total = self.execution_price * filled_before + price * rest
            self.execution_price = q8(total / self.requested_amount)
        self.commission = q8(self.commission + price * rest * COMMISSION_RATE)
        self.remaining_amount = ZERO
        self.status = "Completed"
        self.updated_us = max(now_us, self.updated_us)


class B2Book:
    def __init__(self) -> None:
        self.by_id: dict[str, B2Order] = {}
        self._seq = 0
        # Told of every order added or changed (the stream hub); called with the state lock held.
        self.listener: Callable[[B2Order], None] | None = None

    def add(self, order: B2Order) -> B2Order:
        if order.order_id in self.by_id:
            raise ValueError(f"duplicate orderId {order.order_id}")
        self._seq += 1
        order.seq = self._seq
        self.by_id[order.order_id] = order
        self.changed(order)
        return order

    def changed(self, order: B2Order) -> None:
        """Call after changing an order in place (cancel, fill, trade)."""
        if self.listener is not None:
            self.listener(order)

    def get(self, order_id: str) -> B2Order | None:
        return self.by_id.get(order_id)

    def ordered(self) -> list[B2Order]:
        return sorted(self.by_id.values(), key=lambda o: (o.created_us, o.seq))
