"""What one Upbit request may name: one order by uuid or identifier, or a batch of one id kind."""

from __future__ import annotations

from collections.abc import Sequence

from tui.core.errors import InputError
from tui.core.refs import IdKind, OrderRef


def single_param(ref: OrderRef) -> tuple[str, str]:
    """The one query parameter that names an order for /v1/order."""
    if ref.kind is IdKind.UUID:
        return ("uuid", ref.value)
    if ref.kind is IdKind.IDENTIFIER:
        return ("identifier", ref.value)
    raise InputError(f"{ref.value} is a B2TRADER order id, not an Upbit order")


def one_kind(refs: Sequence[OrderRef], most: int) -> IdKind:
    """The one id kind of a batch request of at most `most` orders (uuids and identifiers
    never mixed, no B2TRADER ids); InputError says what is wrong."""
    if not refs:
        raise InputError("no orders given")
    if len(refs) > most:
        raise InputError(f"at most {most} orders per request, got {len(refs)}")
    kinds = {r.kind for r in refs}
    if len(kinds) != 1:
        raise InputError("uuids and identifiers cannot be mixed in one request")
    kind = kinds.pop()
    if kind is IdKind.ORDER_ID:
        raise InputError("B2TRADER order ids cannot be sent to Upbit")
    return kind
