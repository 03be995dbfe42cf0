"""How the table addresses a row (its key) and what the filter searches in it."""

from __future__ import annotations

from typing import Any

from tui.core.models.row import OrderRow
from tui.core.refs import IdKind

KEY_PREFIX = {kind: f"{kind.value}:" for kind in IdKind}
UNCHANGED: Any = object()  # "this field does not change" (None would mean "no value")


def row_key(row: OrderRow) -> str:
    """`row.key` without the property call (7x faster in the 100k-row loops)."""
    return KEY_PREFIX[row.id_kind] + row.id


def haystack(r: OrderRow) -> str:
    """What the filter searches in: id, identifier, market, side, type, state (lower case)."""
    return f"{r.id}\x00{r.identifier or ''}\x00{r.market or ''}\x00{r.side or ''}\x00{r.ord_type or ''}\x00{r.state or ''}".lower()
