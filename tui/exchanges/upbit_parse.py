"""Reading Upbit answers: one order, a list of orders, a list of orders as table rows."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from tui.core.bulk import gc_paused
from tui.core.errors import BadResponse, PartialResponse, validation_message
from tui.core.models.row import OrderRow
from tui.core.models.upbit import UpbitOrder
from tui.core.models.upbit_rows import rows_from_json
from tui.exchanges.http import Reply

# The client's logger: where an unreadable order has always been reported.
log = logging.getLogger("tui.exchanges.upbit")


def parse_order(body: Any, reply: Reply) -> UpbitOrder:
    try:
        return UpbitOrder.from_wire(body)
    except ValueError as exc:
        raise BadResponse(
            reply.status,
            f"unexpected order object: {validation_message(exc)}",
            body=str(body)[:500],
        ) from None


def parse_orders(body: Any, reply: Reply) -> list[UpbitOrder]:
    """Orders of a list answer. Unreadable items raise PartialResponse carrying the readable
    orders and the ids of the rest, so no caller mistakes an unreadable order for a missing one."""
    if not isinstance(body, list):
        raise BadResponse(
            reply.status,
            f"expected a list of orders, got {type(body).__name__}",
            body=str(body)[:500],
        )
    orders: list[UpbitOrder] = []
    unreadable: list[dict[str, str | None]] = []
    with gc_paused():
        for item in body:
            try:
                orders.append(UpbitOrder.from_wire(item))
            except ValueError as exc:
                log.warning("unreadable order in a list answer: %s", validation_message(exc))
                ids = item if isinstance(item, dict) else {}
                unreadable.append({key: _text_id(ids.get(key)) for key in ("uuid", "identifier")})
    if unreadable:
        raise PartialResponse(reply.status, orders, unreadable)
    return orders


def parse_rows(reply: Reply, decode: Callable[[Reply], Any]) -> list[OrderRow]:
    """`parse_orders` of a list answer as table rows: the rows of the orders it would accept,
    and the same PartialResponse (its `orders` are rows) or BadResponse. A page of the plain
    shape goes from its JSON text straight to rows (upbit_rows, ~5x cheaper, each row's wire
    object decoded when first read); any other page is decoded with `decode` and read order by
    order through the models."""
    body = reply.body
    if isinstance(body, bytes):
        with gc_paused():
            fast = rows_from_json(body)
        if fast is not None:
            return fast
    try:
        orders = parse_orders(decode(reply), reply)
    except PartialResponse as partial:
        raise PartialResponse(
            partial.status, OrderRow.many(partial.orders), partial.unreadable
        ) from None
    return OrderRow.many(orders)


def _text_id(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
