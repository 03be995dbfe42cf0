"""Deterministic rows for UI tests (no randomness: snapshots must be stable)."""

from __future__ import annotations

from tui.core.models.b2trader import B2TraderOrder
from tui.core.models.row import OrderRow
from tui.core.models.upbit import UpbitOrder
from tui.core.refs import OrderRef

MARKETS = ("KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-SOL")


def upbit_wire(i: int, **over: object) -> dict:
    side = "bid" if i % 2 == 0 else "ask"
    wire = {
        "uuid": f"{i:08x}-aaaa-4bbb-8ccc-{i:012x}",
        "side": side,
        "ord_type": "limit",
        "price": f"{(i * 7919) % 900 + 100}000.0",
        "state": "wait",
        "market": MARKETS[i % len(MARKETS)],
        "created_at": f"2025-07-04T15:{i // 60 % 60:02d}:{i % 60:02d}+09:00",
        "volume": f"0.{(i * 104729) % 99999999 + 1:08d}",
        "remaining_volume": f"0.{(i * 104729) % 99999999 + 1:08d}",
        "reserved_fee": "0.0",
        "remaining_fee": "0.0",
        "paid_fee": "0.0",
        "locked": "1000.0",
        "executed_volume": "0.0",
        "trades_count": 0,
        "identifier": f"bot-{i}" if i % 3 else None,
    }
    wire.update(over)
    return {k: v for k, v in wire.items() if v is not None}


def upbit_row(i: int, **over: object) -> OrderRow:
    return OrderRow.from_upbit(UpbitOrder.from_wire(upbit_wire(i, **over)))


def upbit_rows(n: int, start: int = 0) -> list[OrderRow]:
    return [upbit_row(i) for i in range(start, start + n)]


def ref_row(i: int) -> OrderRow:
    return OrderRow.from_ref(OrderRef.uuid(f"{i:08x}-dddd-4eee-8fff-{i:012x}"))


def b2_row(i: int, **over: object) -> OrderRow:
    wire = {
        "orderId": f"01J{i:023d}",
        "marketId": "spot.eth_usdt",
        "orderType": "Limit",
        "side": "Buy" if i % 2 == 0 else "Sell",
        "status": "Working",
        "requestedAmount": "1.5",
        "remainingAmount": "1.5",
        "requestedPrice": "3100.25",
        "createdAt": "2025-07-04T06:00:00Z",
    }
    wire.update(over)
    return OrderRow.from_b2trader(B2TraderOrder.from_wire(wire))
