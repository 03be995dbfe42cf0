"""B2TRADER order objects (seed 004: DELETE /frontoffice/api/v3/orders/{orderId})."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, PrivateAttr

from tui.core.models.common import ExactDecimal, ZonedDatetime

CANCELLABLE_STATUSES = frozenset({"Started", "Pending", "Working"})


class B2TraderOrder(BaseModel):
    """One B2TRADER order, every field of the cancel response's `order` object; extras kept."""

    model_config = ConfigDict(extra="allow")

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

    _raw: dict[str, Any] = PrivateAttr(default_factory=dict)

    @classmethod
    def from_wire(cls, data: Any) -> B2TraderOrder:
        """Parse `{"order": {...}}` or a bare order object."""
        if isinstance(data, dict) and isinstance(data.get("order"), dict):
            data = data["order"]
        if not isinstance(data, dict):
            raise ValueError(f"expected an order object, got {type(data).__name__}")
        order = cls.model_validate(data)
        order._raw = dict(data)
        return order

    @property
    def raw(self) -> dict[str, Any]:
        return self._raw or self.model_dump(mode="json", exclude_none=True)

    @property
    def is_open(self) -> bool:
        return self.status in CANCELLABLE_STATUSES
