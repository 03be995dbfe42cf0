"""What an order stream yields (`watch_orders()`): order events, open-set snapshots, re-sync
requests and the stream's own state. Exchange-neutral: the table, the engine and the CLI
consume these without knowing the wire protocol.

- `OrderEvent`: one order's new fields (Upbit `myOrder`). `order` is the event mapped onto
  the REST order model (so `OrderRow.from_order` works); `raw` is the event as received,
  numbers as Decimal. `event_state` is the stream's state word (wait, watch, trade, done,
  cancel, prevented); `trade` means a partial fill, the order is still open.
- `OpenOrdersSnapshot`: the full current open set of a B2TRADER account (*inferred*: an
  order missing from it is no longer open, outcome unknown).
- `ResyncNeeded`: events may have been lost (a (re)connect, an unreadable event): list the
  open orders again over REST where REST can list (Upbit).
- `StreamStatus`: live / reconnecting (reason, attempt, retry_in) / off (reason).
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from tui.core.models.b2trader import B2TraderOrder
from tui.core.models.row import Exchange
from tui.core.models.upbit import UpbitOrder

CLOSED_EVENT_STATES = frozenset({"done", "cancel"})
# Upbit event fields copied onto the REST order model under the same name.
_SAME_NAME = (
    "uuid",
    "price",
    "volume",
    "remaining_volume",
    "executed_volume",
    "reserved_fee",
    "remaining_fee",
    "paid_fee",
    "locked",
    "time_in_force",
    "identifier",
    "smp_type",
    "prevented_volume",
    "prevented_locked",
)


class StreamState(StrEnum):
    LIVE = "live"
    RECONNECTING = "reconnecting"
    OFF = "off"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)


class StreamStatus(_Frozen):
    kind: Literal["status"] = "status"
    exchange: Exchange
    state: StreamState
    reason: str | None = None
    attempt: int = 0  # reconnect attempts since the stream was last live
    retry_in: float | None = None  # seconds until the next attempt (reconnecting)
    # Why an off stream stopped: "auth" (credentials refused), "refused" (the request or
    # account was refused), "gave_up" (max_attempts), "stopped" (aclose); None otherwise.
    cause: str | None = None

    def line(self) -> str:
        text = f"stream {self.exchange.value}: {self.state.value}"
        if self.reason:
            text += f" ({self.reason})"
        if self.retry_in is not None:
            text += f", retry {self.attempt} in {self.retry_in:.1f} s"
        return text


class ResyncNeeded(_Frozen):
    kind: Literal["resync"] = "resync"
    exchange: Exchange
    reason: str


class OrderEvent(_Frozen):
    kind: Literal["order"] = "order"
    exchange: Exchange
    id: str
    market: str | None
    event_state: str
    order: UpbitOrder
    raw: dict[str, Any]

    @property
    def closed(self) -> bool:
        """done or cancel: the order left the book (prevented may be partial: look it up)."""
        return self.event_state in CLOSED_EVENT_STATES

    @classmethod
    def from_upbit(cls, event: dict[str, Any]) -> OrderEvent:
        """Parse a DEFAULT-format `myOrder` message (numbers already Decimal); ValueError if unusable."""
        uuid = event.get("uuid")
        state = event.get("state")
        if not isinstance(uuid, str) or not uuid or not isinstance(state, str):
            raise ValueError("a myOrder event needs uuid and state")
        fields: dict[str, Any] = {k: event[k] for k in _SAME_NAME if event.get(k) is not None}
        fields["market"] = event.get("code")
        side = event.get("ask_bid")
        fields["side"] = side.lower() if isinstance(side, str) else None
        fields["ord_type"] = event.get("order_type")
        # `trade` is a partial fill: the REST state of such an order is still wait.
        fields["state"] = "wait" if state == "trade" else state
        count = event.get("trades_count")
        if isinstance(count, Decimal | int) and not isinstance(count, bool) and 0 <= count < 10**9:
            fields["trades_count"] = int(count)
        ts = event.get("order_timestamp")
        if isinstance(ts, Decimal | int) and not isinstance(ts, bool) and 0 < ts < 10**14:
            fields["created_at"] = datetime.fromtimestamp(int(ts) / 1000, UTC)
        order = UpbitOrder._adopt(fields)
        market = fields["market"] if isinstance(fields["market"], str) else None
        return cls(
            exchange=Exchange.UPBIT,
            id=uuid.lower(),
            market=market,
            event_state=state,
            order=order,
            raw=event,
        )


class OpenOrdersSnapshot(_Frozen):
    kind: Literal["snapshot"] = "snapshot"
    exchange: Exchange
    account_id: str
    orders: list[B2TraderOrder]
    raw: list[dict[str, Any]]

    @classmethod
    def from_b2trader(cls, account_id: str, item: Any) -> OpenOrdersSnapshot:
        """Parse an `OpenOrders` item; `commissionAmount` is also exposed as REST's `commission`."""
        if not isinstance(item, list) or not all(isinstance(o, dict) for o in item):
            raise ValueError("an OpenOrders item must be a list of orders")
        orders = []
        for wire in item:
            fields = dict(wire)
            if "commission" not in fields and "commissionAmount" in fields:
                fields["commission"] = fields["commissionAmount"]
            orders.append(B2TraderOrder._adopt(wire, fields))
        return cls(exchange=Exchange.B2TRADER, account_id=account_id, orders=orders, raw=item)


StreamEvent = OrderEvent | OpenOrdersSnapshot | ResyncNeeded | StreamStatus
