"""One look-up request, read so that an unreadable order is never taken for an absent one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tui.core.errors import PartialResponse
from tui.core.ports import ExchangeClient, Order, RunControl
from tui.core.refs import OrderRef


@dataclass(slots=True)
class LookupAnswer:
    orders: list[Order]
    settled: set[OrderRef]  # refs of the request whose presence or absence the answer settles
    problem: str | None  # why some were left unsettled (unreadable items), if any


async def look_up(
    client: ExchangeClient, part: Sequence[OrderRef], *, control: RunControl | None = None
) -> LookupAnswer:
    """Look `part` up. A ref absent from a readable answer is settled (the order does not
    exist); one that may be among the unreadable items is not. Other errors propagate."""
    try:
        orders = await client.lookup(part, control=control)
    except PartialResponse as exc:
        unreadable, anonymous = exc.unreadable_ids(), exc.anonymous
        named = {(getattr(o, "uuid", None) or "").lower() for o in exc.orders}
        named |= {(getattr(o, "identifier", None) or "").lower() for o in exc.orders}
        settled = {
            r
            for r in part
            if r.value.lower() in named or not (anonymous or r.value.lower() in unreadable)
        }
        return LookupAnswer(list(exc.orders), settled, exc.message)
    return LookupAnswer(list(orders), set(part), None)
