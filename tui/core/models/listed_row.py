"""`ListedRow`: an order row made from a listed page, holding the exchange's text until it is read.

A 100k listing makes ~500k amounts, and a `Decimal` of each costs ~0.2 s of CPU at load, while
the table shows some sixty rows and sorts by floats made from the text. So the listing's fast
path (upbit_rows.py) leaves the five shown amounts as the text the page sent (already checked:
plain decimals that `Decimal()` reads exactly) and the wire object in the page's bytes
(wire_page.py). Reading `row.price` (or volume, remaining, executed, locked) gives the
`Decimal`, made on the first read and kept; reading `row.raw` gives the dict. Everything else
behaves as an `OrderRow`: the same fields, equal to the row the models make of the same order.

Only this subclass carries the descriptors, so every other row (imports, B2TRADER, look-ups)
keeps plain slot access. Listed rows are made as `OrderRow`s by the dataclass's own `__init__`
(C-speed through `map`) and then given this class: the layout is the same (no new slots).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tui.core.models.row import AMOUNT_FIELDS, OrderRow, stored
from tui.core.models.wire_page import LazyWire


class _LazyAmount:
    """In front of an amount's slot: text there becomes its `Decimal` on the first read."""

    __slots__ = ("_slot",)

    def __init__(self, slot: Any) -> None:
        self._slot = slot

    def __get__(self, row: Any, owner: type | None = None) -> Any:
        if row is None:
            return self
        value = self._slot.__get__(row, owner)
        if type(value) is str:
            value = Decimal(value)
            self._slot.__set__(row, value)
        return value

    def __set__(self, row: Any, value: Any) -> None:
        self._slot.__set__(row, value)


class _LazyRaw(_LazyAmount):
    """In front of `raw`'s slot: a `LazyWire` there is decoded on the first read."""

    __slots__ = ()

    def __get__(self, row: Any, owner: type | None = None) -> Any:
        if row is None:
            return self
        value = self._slot.__get__(row, owner)
        if type(value) is LazyWire:
            page, index = value
            value = page.item(index)
            self._slot.__set__(row, value)
        return value


class ListedRow(OrderRow):
    """A listed order whose amounts and wire object are read on demand (see the module)."""

    __slots__ = ()


for _name in AMOUNT_FIELDS:
    # setattr: to type checkers the fields stay the Decimals they always read as.
    setattr(ListedRow, _name, _LazyAmount(stored(_name)))
setattr(ListedRow, "raw", _LazyRaw(stored("raw")))  # noqa: B010


def listed(rows: list[OrderRow]) -> list[OrderRow]:
    """The rows, now `ListedRow`s (their slots may hold amounts as text and a `LazyWire`)."""
    for row in rows:
        row.__class__ = ListedRow
    return rows
