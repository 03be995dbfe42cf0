"""Exchange order models (pydantic) and the exchange-neutral row the table and CLI use."""

from tui.core.models.b2trader import B2TraderOrder
from tui.core.models.row import Exchange, OrderRow
from tui.core.models.upbit import UpbitBatchCancel, UpbitBatchEntry, UpbitOrder

__all__ = [
    "B2TraderOrder",
    "Exchange",
    "OrderRow",
    "UpbitBatchCancel",
    "UpbitBatchEntry",
    "UpbitOrder",
]
