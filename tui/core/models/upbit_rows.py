"""Table rows straight from a page of Upbit orders as JSON text (the listing's fast path).

Validating 100k orders into `UpbitOrder` models costs ~1.2 s of CPU (a Python validator per
amount, a model per order), and decoding them into dicts first costs ~0.35 s and ~180 MB that
the table never reads. Nearly every page the exchange sends is of one plain shape: text fields
as strings, amounts as plain decimal strings ("4445000", "0.0041676"), a count as an int, times
as ISO-8601 text with a zone, sides, types and states from the documented sets. For such a
page this module decodes the JSON text straight into the documented fields (msgspec, in C:
unknown fields are skipped there and kept in the page's text; a value of another type, or a
side, type or state outside its set, fails the decode), checks every amount and time with one
C-level regex over the distinct values of the columns joined into one string, and makes the
rows from the columns: times converted as the model converts them, the five shown amounts left
as their checked text until first read (listed_row.py), each row's `raw` its page
(wire_page.py), whose order of that id is decoded when first read. The check is stricter than
pydantic's: whatever passes is a page pydantic accepts order by order, giving equal rows
(tests/core/test_upbit_rows.py compares both on a corpus of normal and hostile orders).
Anything else (a number where a string was expected, an exponent, a time in another form, a
side the documents do not name, the old `remaing_fee` spelling, any escape in the text, deep
nesting, one order id twice in a page) answers None, and the caller decodes and validates the
page order by order as before, with its own answers and errors.
"""

from __future__ import annotations

import re
import sys
from datetime import datetime
from itertools import chain, repeat
from typing import Any, Literal

import msgspec

from tui.core.models.listed_row import listed
from tui.core.models.row import Exchange, OrderRow
from tui.core.models.upbit import UpbitOrder
from tui.core.models.wire_page import WirePage
from tui.core.refs import IdKind

_FIELDS = tuple(UpbitOrder.model_fields)
_AMOUNTS = tuple(n for n, f in UpbitOrder.model_fields.items() if "Decimal" in str(f.annotation))
_INTS = ("trades_count",)
_TIMES = ("created_at",)
_TEXT = tuple(n for n in _FIELDS if n not in _AMOUNTS + _INTS + _TIMES)
assert set(_TEXT) == {
    "uuid",
    "market",
    "side",
    "ord_type",
    "state",
    "time_in_force",
    "identifier",
    "smp_type",
}, "a new UpbitOrder field needs a rule here"


# Closed sets decoded as literals: one shared string per value, made in C (a value outside them
# sends the page to the model path, which takes any text).
_LITERALS: dict[str, Any] = {
    "side": Literal["bid", "ask"],
    "ord_type": Literal["limit", "price", "market", "best"],
    "state": Literal["wait", "watch", "done", "cancel"],
}
# The old misspelling of remaining_fee (renamed by from_wire): present, the page goes aside.
_OLD_NAME = "remaing_fee"


def _wire_struct() -> type[msgspec.Struct]:
    """The documented fields, every one as it arrives on the plain shape (amounts and times as
    text, checked below): anything else there fails the decode. Not tracked by the collector:
    what it holds is decoded JSON (text, numbers, and whatever an old `remaing_fee` held),
    which cannot refer back to it, so it is never part of a cycle."""
    fields: list[tuple[str, Any, Any]] = []
    for name in _FIELDS:
        kind: Any = int | None if name in _INTS else _LITERALS.get(name, str) | None
        field = (name, kind) if name == "uuid" else (name, kind, None)
        fields.append(field)  # type: ignore[arg-type]
    fields.append((_OLD_NAME, Any, msgspec.UNSET))
    return msgspec.defstruct("UpbitWireOrder", fields, gc=False)


_WIRE = _wire_struct()
_PAGE: msgspec.json.Decoder[Any] = msgspec.json.Decoder(list[_WIRE])  # type: ignore[valid-type]
# Any escape sends a page to the model path (JSON escapes control characters; a key spelled
# with \u escapes would slip past the field names).
_ESCAPE = b"\\"
_MAX_NESTING = 64  # brackets beyond one per order and the page's own: an odd, deep page

_INT_LIMIT = 1 << 63
_SEP = ","  # in neither pattern below, so a value holding one is caught by the count
# Possessive (no backtracking: a value's shape is decided as it is read), about twice as fast
# as the same patterns that may backtrack.
_AMOUNT_ONE = r"-?[0-9]++(?:\.[0-9]++)?+"
_TIME_ONE = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{6}|\.[0-9]{3})?+"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
_AMOUNT_COLUMN = re.compile(f"(?:{_AMOUNT_ONE}{_SEP})*+{_AMOUNT_ONE}")
_TIME_COLUMN = re.compile(f"(?:{_TIME_ONE}{_SEP})*+{_TIME_ONE}")


class _Refused(Exception):
    """Not the plain shape: validate this page order by order."""


def _checked(pattern: re.Pattern[str], *columns: tuple[Any, ...]) -> set[Any]:
    """The distinct values that are not None (the decode made them text) of the columns, each
    matching `pattern`'s one value; checked in one C-level match over them joined."""
    distinct: set[Any] = set(chain.from_iterable(columns))
    distinct.discard(None)
    if distinct:
        joined = _SEP.join(distinct)
        if joined.count(_SEP) != len(distinct) - 1 or pattern.fullmatch(joined) is None:
            raise _Refused
    return distinct


def _mapped(values: tuple[Any, ...], distinct: set[Any], convert: Any) -> list[Any]:
    """`convert` of each value, None staying None, once per distinct value of the page (so
    repeated values, a time or a market named twice, share one object, as the model's own
    conversion shares them)."""
    if len(distinct) == len(values):  # every value distinct (none is None): nothing to share
        return list(map(convert, values))
    table = dict(zip(distinct, map(convert, distinct), strict=True))  # may refuse a date
    table[None] = None
    return list(map(table.__getitem__, values))


def rows_from_json(body: bytes) -> list[OrderRow] | None:
    """The rows of a list answer's JSON text (`ListedRow`s: amounts and wire object read on
    demand), equal to what `OrderRow.from_upbit` of each validated order makes; None: not the
    plain shape, decode and validate as usual."""
    if _ESCAPE in body:
        return None
    try:
        items = _PAGE.decode(body)
    except (msgspec.DecodeError, RecursionError):
        return None
    n = len(items)
    nested = body.count(b"{") - n  # beyond one an order
    first = body.find(b"[")
    if body.find(b"[", first + 1) != -1:  # any but the page's own (most pages have none)
        nested += body.count(b"[") - 1
    if nested > _MAX_NESTING:
        return None
    if not n:
        return []
    try:
        return _rows(items, WirePage(body))
    except (_Refused, ValueError, TypeError):
        return None


_AT = {name: i for i, name in enumerate((*_FIELDS, _OLD_NAME))}


def _rows(items: list[Any], page: WirePage) -> list[OrderRow]:
    n = len(items)
    # The page as columns, in C: one tuple of each order's fields, transposed.
    columns = list(zip(*map(msgspec.structs.astuple, items), strict=True))

    def column(name: str) -> tuple[Any, ...]:
        return columns[_AT[name]]

    if column(_OLD_NAME).count(msgspec.UNSET) != n:  # the old spelling: from_wire renames it
        raise _Refused
    # Every amount is checked (all columns at once: fees and prevented amounts repeat "0"); the
    # shown ones stay text until read (ListedRow).
    _checked(_AMOUNT_COLUMN, *map(column, _AMOUNTS))
    counts = set(column("trades_count"))
    counts.discard(None)
    if counts and not (-_INT_LIMIT < min(counts) and max(counts) < _INT_LIMIT):
        raise _Refused
    times = column("created_at")
    created = _mapped(times, _checked(_TIME_COLUMN, times), datetime.fromisoformat)
    # One string object per repeated value: the literals are shared by the decode already.
    markets = column("market")
    if None in markets:
        market = _mapped(markets, set(markets) - {None}, sys.intern)
    else:
        market = list(map(sys.intern, markets))

    ids = list(map(str.lower, column("uuid")))
    if len(set(ids)) != n:  # an order twice: its row finds its wire object by id (wire_page.py)
        raise _Refused
    return listed(
        list(
            map(
                OrderRow,
                repeat(Exchange.UPBIT, n),
                ids,
                repeat(IdKind.UUID, n),
                column("identifier"),
                market,
                column("side"),
                column("ord_type"),
                column("price"),
                column("volume"),
                column("remaining_volume"),
                column("executed_volume"),
                column("locked"),
                column("state"),
                created,
                repeat(page, n),
            )
        )
    )
