"""Upbit orders: the wire object of each order and the book that indexes them."""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from .decimals import ZERO, fmt, q8

OPEN_STATES = ("wait", "watch")
KST = timezone(timedelta(hours=9))


@dataclass(eq=False, slots=True)
class UpbitOrder:
    uuid: str
    side: str  # ask | bid
    ord_type: str  # limit | price | market | best
    price: Decimal | None  # unit price (limit) or total funds (price / best bid)
    state: str  # wait | watch | done | cancel
    market: str
    created_ts: int  # epoch seconds
    volume: Decimal | None
    remaining_volume: Decimal | None
    executed_volume: Decimal
    reserved_fee: Decimal
    remaining_fee: Decimal
    paid_fee: Decimal
    locked: Decimal
    trades_count: int
    time_in_force: str | None = None
    identifier: str | None = None
    smp_type: str | None = None
    prevented_volume: Decimal = ZERO
    prevented_locked: Decimal = ZERO
    fee_rate: Decimal = Decimal("0.0005")
    ref_price: Decimal | None = None  # where a market/price order would execute
    seq: int = 0
    _wire: dict | None = None

    @property
    def sort_key(self) -> tuple[int, int]:
        return (self.created_ts, self.seq)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def wire(self, korea: bool) -> dict:
        """The JSON object the exchange returns (cached; callers get a copy)."""
        if self._wire is None:
            w: dict = {
                "uuid": self.uuid,
                "side": self.side,
                "ord_type": self.ord_type,
                "price": fmt(self.price),
                "state": self.state,
                "market": self.market,
                "created_at": format_created_at(self.created_ts, korea),
                "volume": fmt(self.volume),
                "remaining_volume": fmt(self.remaining_volume),
                "executed_volume": fmt(self.executed_volume),
                "reserved_fee": fmt(self.reserved_fee),
                "remaining_fee": fmt(self.remaining_fee),
                "paid_fee": fmt(self.paid_fee),
                "locked": fmt(self.locked),
                "prevented_volume": fmt(self.prevented_volume),
                "prevented_locked": fmt(self.prevented_locked),
                "trades_count": self.trades_count,
            }
            # Optional fields appear only when set, as in the documented examples.
            if self.time_in_force is not None:
                w["time_in_force"] = self.time_in_force
            if self.identifier is not None:
                w["identifier"] = self.identifier
            if self.smp_type is not None:
                w["smp_type"] = self.smp_type
            self._wire = w
        return dict(self._wire)

    def brief(self) -> dict:
        """The {uuid, market, identifier?} entry of batch / cancel-all responses."""
        d = {"uuid": self.uuid, "market": self.market}
        if self.identifier is not None:
            d["identifier"] = self.identifier
        return d

    def mark_done(self) -> None:
        """Fill the rest of the order at its price (or reference price): state done."""
        price = (
            (self.price or ZERO)
            if self.ord_type == "limit"
            else (self.ref_price or self.price or ZERO)
        )
        if self.volume is not None:
            self.executed_volume = self.volume
            self.remaining_volume = ZERO
            funds = price * self.volume if self.ord_type != "price" else ZERO
        else:  # price / best bid: spend the funds
            funds = self.price or ZERO
            self.executed_volume = q8(funds / price) if price else ZERO
        if self.side == "bid":
            self.paid_fee = self.reserved_fee
        else:
            self.paid_fee = q8(funds * self.fee_rate)
        self.remaining_fee = ZERO
        self.locked = ZERO
        self.trades_count += 1
        self.state = "done"
        self._wire = None

    def mark_cancelled(self) -> None:
        self.state = "cancel"
        self._wire = None


def format_created_at(ts: int, korea: bool) -> str:
    if korea:
        return datetime.fromtimestamp(ts, KST).isoformat(timespec="seconds")
    return datetime.fromtimestamp(ts, UTC).replace(tzinfo=None).isoformat(timespec="seconds")


def _key(o: UpbitOrder) -> tuple[int, int]:
    return (o.created_ts, o.seq)


class UpbitBook:
    """All orders by uuid and identifier, plus time-ordered indexes of the open ones."""

    def __init__(self, korea: bool) -> None:
        self.korea = korea
        self.by_uuid: dict[str, UpbitOrder] = {}
        self.by_identifier: dict[str, UpbitOrder] = {}
        self.all: list[UpbitOrder] = []  # sorted by (created_ts, seq)
        self.open: list[UpbitOrder] = []  # sorted, wait + watch only
        self.open_by_market: dict[str, list[UpbitOrder]] = {}
        self._seq = 0
        # Told of every order added or closed (the stream hub); called with the state lock held.
        self.listener: Callable[[UpbitOrder], None] | None = None

    def add(self, order: UpbitOrder) -> UpbitOrder:
        if order.uuid in self.by_uuid:
            raise ValueError(f"duplicate uuid {order.uuid}")
        if order.identifier is not None and order.identifier in self.by_identifier:
            raise ValueError(f"duplicate identifier {order.identifier}")
        self._seq += 1
        order.seq = self._seq
        self.by_uuid[order.uuid] = order
        if order.identifier is not None:
            self.by_identifier[order.identifier] = order
        _insort(self.all, order)
        if order.is_open:
            _insort(self.open, order)
            _insort(self.open_by_market.setdefault(order.market, []), order)
        if self.listener is not None:
            self.listener(order)
        return order

    def find(self, uuid: str | None = None, identifier: str | None = None) -> UpbitOrder | None:
        if uuid is not None:  # uuid wins when both are given
            return self.by_uuid.get(uuid)
        if identifier is not None:
            return self.by_identifier.get(identifier)
        return None

    def close(self, order: UpbitOrder, state: str) -> None:
        """Move an open order to done or cancel and drop it from the open indexes."""
        if not order.is_open:
            raise ValueError(f"order {order.uuid} is already {order.state}")
        _remove(self.open, order)
        _remove(self.open_by_market[order.market], order)
        if state == "done":
            order.mark_done()
        else:
            order.mark_cancelled()
        if self.listener is not None:
            self.listener(order)

    def page_open(
        self, *, market: str | None, states: frozenset[str], desc: bool, offset: int, limit: int
    ) -> list[UpbitOrder]:
        """One page of open orders, newest first when desc. Slices directly when no state filter."""
        seq = self.open if market is None else self.open_by_market.get(market, [])
        if states >= frozenset(OPEN_STATES):
            if desc:
                hi = len(seq) - offset
                return seq[max(0, hi - limit) : max(0, hi)][::-1]
            return seq[offset : offset + limit]
        out: list[UpbitOrder] = []
        skipped = 0
        for order in reversed(seq) if desc else seq:
            if order.state in states:
                if skipped < offset:
                    skipped += 1
                    continue
                out.append(order)
                if len(out) >= limit:
                    break
        return out

    def iter_open(self, desc: bool = True) -> Iterator[UpbitOrder]:
        return reversed(self.open) if desc else iter(self.open)


def _insort(seq: list[UpbitOrder], order: UpbitOrder) -> None:
    if not seq or _key(seq[-1]) < _key(order):
        seq.append(order)
    else:
        bisect.insort(seq, order, key=_key)


def _remove(seq: list[UpbitOrder], order: UpbitOrder) -> None:
    i = bisect.bisect_left(seq, _key(order), key=_key)
    if i < len(seq) and seq[i] is order:
        del seq[i]
    else:  # pragma: no cover - indexes out of step would be a bug
        seq.remove(order)
