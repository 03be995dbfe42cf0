"""The exchange-neutral order row shared by the table, the confirm modal and the CLI."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any

from tui.core.exchange import Exchange  # re-exported: tui.core.models.Exchange
from tui.core.models.b2trader import CANCELLABLE_STATUSES, B2TraderOrder
from tui.core.models.upbit import OPEN_STATES, UpbitOrder
from tui.core.refs import IdKind, OrderRef

BUY_SIDES = frozenset({"bid", "buy"})
SELL_SIDES = frozenset({"ask", "sell"})


@dataclass(slots=True)
class OrderRow:
    """One order as the table shows it.

    A row made from a bare reference has only `id`/`id_kind` (`raw` is None) and shows
    "unknown" elsewhere until it is looked up. `raw` keeps the exchange's own object (every
    field, exactly as sent) for the detail panels and JSON output; `order` parses it into the
    full model when asked. Rows do not hold the models: 100k of those would not fit the
    table's memory budget, while a parse on demand (one detail view) costs microseconds.

    A listed row is a `ListedRow` (tui/core/models/listed_row.py): its amounts and wire object
    stay the exchange's text until first read. Reading a field always gives the Decimal, the
    dict (or None); `known`, `replaced` and `stored` work without converting. Rows are equal
    when their fields are, whichever of the two classes they are.
    """

    exchange: Exchange
    id: str
    id_kind: IdKind
    identifier: str | None = None
    market: str | None = None
    side: str | None = None
    ord_type: str | None = None
    price: Decimal | None = None
    volume: Decimal | None = None
    remaining: Decimal | None = None
    executed: Decimal | None = None
    locked: Decimal | None = None
    state: str | None = None
    created_at: datetime | None = None
    raw: dict[str, Any] | None = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, OrderRow):
            return NotImplemented
        return _every_field(self) == _every_field(other)

    # ---- construction -------------------------------------------------------------
    @classmethod
    def from_upbit(cls, order: UpbitOrder) -> OrderRow:
        return cls(
            Exchange.UPBIT,
            order.uuid.lower(),
            IdKind.UUID,
            order.identifier,
            order.market,
            order.side,
            order.ord_type,
            order.price,
            order.volume,
            order.remaining_volume,
            order.executed_volume,
            order.locked,
            order.state,
            order.created_at,
            order.raw,
        )

    @classmethod
    def from_b2trader(cls, order: B2TraderOrder) -> OrderRow:
        side = order.side.lower() if order.side else None
        executed = None
        if order.requestedAmount is not None and order.remainingAmount is not None:
            executed = order.requestedAmount - order.remainingAmount
        return cls(
            Exchange.B2TRADER,
            order.orderId.upper(),
            IdKind.ORDER_ID,
            None,
            order.marketId,
            side,
            order.orderType.lower() if order.orderType else None,
            order.requestedPrice,
            order.requestedAmount,
            order.remainingAmount,
            executed,
            _b2_locked(order, side),
            order.status,
            order.createdAt,
            order.raw,
        )

    @classmethod
    def from_order(cls, order: UpbitOrder | B2TraderOrder) -> OrderRow:
        if isinstance(order, UpbitOrder):
            return cls.from_upbit(order)
        return cls.from_b2trader(order)

    @classmethod
    def many(cls, orders: Iterable[UpbitOrder | B2TraderOrder]) -> list[OrderRow]:
        """Rows for many orders at once (a 100k listing), without the collector's pauses."""
        from tui.core.bulk import gc_paused

        with gc_paused():
            return [cls.from_order(order) for order in orders]

    @classmethod
    def from_ref(cls, ref: OrderRef, exchange: Exchange | None = None) -> OrderRow:
        if exchange is None:
            exchange = Exchange.B2TRADER if ref.kind is IdKind.ORDER_ID else Exchange.UPBIT
        identifier = ref.value if ref.kind is IdKind.IDENTIFIER else None
        return cls(exchange, ref.value, ref.kind, identifier)

    # ---- derived ------------------------------------------------------------------
    @property
    def ref(self) -> OrderRef:
        return OrderRef(self.id_kind, self.id)

    @property
    def key(self) -> str:
        return f"{self.id_kind.value}:{self.id}"

    @property
    def known(self) -> bool:
        return _SLOTS["raw"].__get__(self, OrderRow) is not None  # without decoding a page

    @property
    def order(self) -> UpbitOrder | B2TraderOrder | None:
        """The full exchange model, parsed from `raw` on demand (None for a bare reference)."""
        if self.raw is None:
            return None
        if self.exchange is Exchange.UPBIT:
            return UpbitOrder.from_wire(self.raw)
        return B2TraderOrder.from_wire(self.raw)

    @property
    def is_open(self) -> bool | None:
        if self.state is None:
            return None
        return self.state in OPEN_STATES or self.state in CANCELLABLE_STATUSES

    @property
    def is_buy(self) -> bool | None:
        if self.side in BUY_SIDES:
            return True
        if self.side in SELL_SIDES:
            return False
        return None

    @property
    def base_quote(self) -> tuple[str | None, str | None]:
        return split_market(self.market, self.exchange)

    @property
    def locked_currency(self) -> str | None:
        """Bids lock the quote currency, asks lock the base asset."""
        base, quote = self.base_quote
        buy = self.is_buy
        if buy is None:
            return None
        return quote if buy else base

    def replaced(self, **changes: Any) -> OrderRow:
        """`dataclasses.replace` that leaves a listed row's text unconverted and its wire object
        undecoded (a live update of 200 rows would otherwise decode up to 200 listed pages)."""
        values = {name: slot.__get__(self, OrderRow) for name, slot in _SLOTS.items()}
        unknown = changes.keys() - values.keys()
        if unknown:
            raise TypeError(f"not a field of OrderRow: {', '.join(sorted(unknown))}")
        values.update(changes)
        return type(self)(**values)

    def wire(self) -> dict[str, Any]:
        """The order as the exchange last described it, or the bare reference."""
        if self.raw is not None:
            return dict(self.raw)
        return {self.id_kind.value: self.id}


_FIELDS = tuple(f.name for f in fields(OrderRow))
_SLOTS = {name: OrderRow.__dict__[name] for name in _FIELDS}  # the slots the dataclass made
_every_field = attrgetter(*_FIELDS)
AMOUNT_FIELDS = ("price", "volume", "remaining", "executed", "locked")


def stored(name: str) -> Any:
    """The slot of field `name`: its `__get__(row)` gives the value as stored, without a listed
    row's conversion (an amount may be its text, `raw` its `WirePage`)."""
    return _SLOTS[name]


def split_market(market: str | None, exchange: Exchange) -> tuple[str | None, str | None]:
    """(base, quote): Upbit "KRW-BTC" -> (BTC, KRW); B2TRADER "spot.eth_usdt" -> (ETH, USDT)."""
    if not market:
        return None, None
    if exchange is Exchange.UPBIT:
        quote, _, base = market.partition("-")
        return (base or None), (quote or None)
    _, _, pair = market.rpartition(".")
    base, sep, quote = pair.partition("_")
    if not sep:
        return pair.upper() or None, None
    return base.upper(), quote.upper()


def _b2_locked(order: B2TraderOrder, side: str | None) -> Decimal | None:
    """B2TRADER reports no locked amount; estimate what the open remainder holds."""
    if order.status not in CANCELLABLE_STATUSES or order.remainingAmount is None:
        return None
    if side in SELL_SIDES:
        return order.remainingAmount
    if side in BUY_SIDES and order.requestedPrice is not None:
        return order.remainingAmount * order.requestedPrice
    return None
