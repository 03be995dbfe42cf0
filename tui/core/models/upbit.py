"""Upbit order objects (Korea and global), exactly as the API documents them."""

from __future__ import annotations

import sys
from typing import Any

from pydantic import BaseModel, ConfigDict

from tui.core.models.common import ExactDecimal, WireOrder, ZonedDatetime

OPEN_STATES = frozenset({"wait", "watch"})
_CATEGORICAL = ("side", "ord_type", "state", "market", "time_in_force", "smp_type")
_ZEROS = frozenset({"0", "0.0", "0.00000000"})


def _share_repeated_text(data: dict[str, Any]) -> None:
    """One string object per repeated value (sides, states, markets, zeros) across 100k orders."""
    for key in _CATEGORICAL:
        value = data.get(key)
        if type(value) is str:
            data[key] = sys.intern(value)
    for key, value in data.items():
        if type(value) is str and value in _ZEROS:
            data[key] = sys.intern(value)


class UpbitOrder(WireOrder):
    """One Upbit order. Every documented field; unknown fields are kept, never rejected.

    `remaing_fee` (an old misspelling on one page) is accepted as `remaining_fee`.
    The wire dict is kept unchanged (`raw`) so output shows exactly what the exchange said.
    """

    uuid: str
    market: str | None = None
    side: str | None = None
    ord_type: str | None = None
    price: ExactDecimal | None = None
    state: str | None = None
    created_at: ZonedDatetime | None = None
    volume: ExactDecimal | None = None
    remaining_volume: ExactDecimal | None = None
    executed_volume: ExactDecimal | None = None
    reserved_fee: ExactDecimal | None = None
    remaining_fee: ExactDecimal | None = None
    paid_fee: ExactDecimal | None = None
    locked: ExactDecimal | None = None
    trades_count: int | None = None
    time_in_force: str | None = None
    identifier: str | None = None
    smp_type: str | None = None
    prevented_volume: ExactDecimal | None = None
    prevented_locked: ExactDecimal | None = None

    @classmethod
    def from_wire(cls, data: Any) -> UpbitOrder:
        """Parse one order from a response. A one-element array (the global single-cancel example) is unwrapped."""
        if isinstance(data, list):
            if len(data) != 1:
                raise ValueError(f"expected one order, got a list of {len(data)}")
            data = data[0]
        if isinstance(data, dict):
            _share_repeated_text(data)
        if isinstance(data, dict) and "remaining_fee" not in data and "remaing_fee" in data:
            fields = dict(data)
            fields["remaining_fee"] = fields.pop("remaing_fee")
            return cls._adopt(data, fields)
        return cls._adopt(data)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class UpbitBatchEntry(BaseModel):
    """One order named in a batch-cancel answer (only uuid, market, identifier are given)."""

    model_config = ConfigDict(extra="allow")

    uuid: str | None = None
    market: str | None = None
    identifier: str | None = None


class _BatchSide(BaseModel):
    model_config = ConfigDict(extra="allow")

    count: int = 0
    orders: list[UpbitBatchEntry] = []


class UpbitBatchCancel(BaseModel):
    """Answer of DELETE /v1/orders/uuids and DELETE /v1/orders/open."""

    model_config = ConfigDict(extra="allow")

    success: _BatchSide = _BatchSide()
    failed: _BatchSide = _BatchSide()
