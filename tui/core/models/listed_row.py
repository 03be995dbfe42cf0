"""`ListedRow`: an order row made from a listed page, holding the exchange's text until it is read.

A 100k listing makes ~500k amounts, and a `Decimal` of each costs ~0.2 s of CPU at load, while
the table shows some sixty rows and sorts by floats made from the text. So the listing's fast
path (upbit_rows.py) leaves the five shown amounts as the text the page sent (already checked:
plain decimals that `Decimal()` reads exactly) and the wire object in the page's bytes
(wire_page.py: `raw` holds the page, shared by its rows). Reading `row.price` (or volume,
remaining, executed, locked) gives the `Decimal`, made on the first read and kept; reading
`row.raw` gives the dict. Everything else behaves as an `OrderRow`: the same fields, equal to
the row the models make of the same order.

Only this subclass carries the descriptors, so every other row (imports, B2TRADER, look-ups)
keeps plain slot access. Listed rows are made as `OrderRow`s by the dataclass's own `__init__`
(plain slot stores, not six descriptor calls a row) and then given this class: the layout is
the same (no new slots). A full read of every amount (an exact sort, a sum of all) makes one
`Decimal` per row and value, where the old eager path shared a page's repeated values: ~9 MB
more for 100k rows once everything has been read; the idle warm-up reads `locked` of every row.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tui.core.models.row import AMOUNT_FIELDS, OrderRow, stored
from tui.core.models.wire_page import WirePage


class _Lazy:
    """In front of a field's slot: a value of type `kind` there (an amount's text, a
    `WirePage`) becomes `convert(value, row)` on the first read, and is kept."""

    __slots__ = ("_slot", "_kind", "_convert")

    def __init__(self, slot: Any, kind: type, convert: Callable[[Any, Any], Any]) -> None:
        self._slot, self._kind, self._convert = slot, kind, convert

    def __get__(self, row: Any, owner: type | None = None) -> Any:
        if row is None:
            return self
        value = self._slot.__get__(row, owner)
        if type(value) is self._kind:
            value = self._convert(value, row)
            self._slot.__set__(row, value)
        return value

    def __set__(self, row: Any, value: Any) -> None:
        self._slot.__set__(row, value)


def _decimal(text: str, row: Any) -> Decimal:
    return Decimal(text)


def _wire_object(page: WirePage, row: Any) -> Any:
    return page.item(row.id)


class ListedRow(OrderRow):
    """A listed order whose amounts and wire object are read on demand (see the module)."""

    __slots__ = ()


for _name in AMOUNT_FIELDS:
    # setattr: to type checkers the fields stay the Decimals they always read as.
    setattr(ListedRow, _name, _Lazy(stored(_name), str, _decimal))
setattr(ListedRow, "raw", _Lazy(stored("raw"), WirePage, _wire_object))  # noqa: B010


def listed(rows: list[OrderRow]) -> list[OrderRow]:
    """The rows, now `ListedRow`s (their slots may hold amounts as text and a `WirePage`)."""
    for row in rows:
        row.__class__ = ListedRow
    return rows
