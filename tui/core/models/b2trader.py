"""B2TRADER order objects (seed 004: DELETE /frontoffice/api/v3/orders/{orderId})."""

from __future__ import annotations

from typing import Any

from tui.core.models.common import ExactDecimal, WireOrder, ZonedDatetime

CANCELLABLE_STATUSES = frozenset({"Started", "Pending", "Working"})


class B2TraderOrder(WireOrder):
    """One B2TRADER order, every field of the cancel response's `order` object; extras kept."""

    orderId: str
    marketId: str | None = None
    marketDisplayName: str | None = None
    orderType: str | None = None
    side: str | None = None
    status: str | None = None
    source: str | None = None
    timeInForce: str | None = None
    commission: ExactDecimal | None = None
    requestedAmount: ExactDecimal | None = None
    remainingAmount: ExactDecimal | None = None
    requestedPrice: ExactDecimal | None = None
    executionPrice: ExactDecimal | None = None
    createdAt: ZonedDatetime | None = None
    updatedAt: ZonedDatetime | None = None
    rejectDetails: str | None = None
    cancellationDate: ZonedDatetime | None = None
    fillFactor: ExactDecimal | None = None

    @classmethod
    def from_wire(cls, data: Any) -> B2TraderOrder:
        """Parse `{"order": {...}}` or a bare order object."""
        if isinstance(data, dict) and isinstance(data.get("order"), dict):
            data = data["order"]
        return cls._adopt(data)

    @property
    def is_open(self) -> bool:
        return self.status in CANCELLABLE_STATUSES
