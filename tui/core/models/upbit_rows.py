"""Table rows straight from a page of Upbit orders, checked a column at a time (the listing's fast path).

Validating 100k orders into `UpbitOrder` models costs ~1.2 s of CPU (a Python validator per
amount, a model per order) and the table only keeps rows. Nearly every page the exchange sends is
of one plain shape: text fields as strings, amounts as plain decimal strings ("4445000",
"0.0041676"), a count as an int, times as ISO-8601 text with a zone. For such a page this module
checks every documented field of every order with C-level calls (one regex over a column joined
into one string, `set(map(type, ...))`) and makes the rows from the columns, with the same
conversions the model uses. The check is stricter than pydantic's: whatever passes is a page
pydantic accepts order by order, giving the same rows (tests/core/test_upbit_rows.py compares
both on a corpus of normal and hostile orders). Anything else (a number where a string was
expected, an exponent, a time in another form, the old `remaing_fee` spelling, a value a
conversion refuses) answers None, and the caller validates the page order by order as before,
with its own answers and errors. The full model of a row is still parsed from `raw` on demand.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from itertools import compress, repeat
from operator import is_not
from typing import Any

from tui.core.models.row import Exchange, OrderRow
from tui.core.models.upbit import _CATEGORICAL, UpbitOrder
from tui.core.refs import IdKind

_FIELDS = tuple(UpbitOrder.model_fields)
_KNOWN = frozenset(_FIELDS)
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

_NONE = type(None)
_STR_OR_NONE = frozenset((str, _NONE))
_INT_OR_NONE = frozenset((int, _NONE))
_INT_LIMIT = 1 << 63
_SEP = ","  # in neither pattern below, so a value holding one is caught by the count
_AMOUNT_ONE = r"-?[0-9]+(?:\.[0-9]+)?"
_TIME_ONE = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{3}|\.[0-9]{6})?"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})"
)
_AMOUNT_COLUMN = re.compile(f"(?:{_AMOUNT_ONE}{_SEP})*{_AMOUNT_ONE}")
_TIME_COLUMN = re.compile(f"(?:{_TIME_ONE}{_SEP})*{_TIME_ONE}")
# Decimal from plain digits (the pattern above): always finite, shared for repeated values
# ("0", a market's price levels) as the model's own conversion shares them. All in C.
_decimal = lru_cache(maxsize=65536)(Decimal)


class _Refused(Exception):
    """Not the plain shape: validate this page order by order."""


def _values(items: Sequence[dict[str, Any]], name: str) -> list[Any]:
    return list(map(dict.get, items, repeat(name)))


def _present(values: list[Any]) -> list[Any]:
    return list(compress(values, map(is_not, values, repeat(None))))


def _plain(values: list[Any], column: re.Pattern[str]) -> None:
    """Every value that is not None is a string matching `column`'s one-value pattern."""
    if not set(map(type, values)) <= _STR_OR_NONE:
        raise _Refused
    present = _present(values)
    if not present:
        return
    joined = _SEP.join(present)
    if joined.count(_SEP) != len(present) - 1 or column.fullmatch(joined) is None:
        raise _Refused


def _amounts(values: list[Any]) -> list[Decimal | None]:
    if None in values:
        return [None if v is None else _decimal(v) for v in values]
    return list(map(_decimal, values))


def rows_from_page(items: Any) -> list[OrderRow] | None:
    """The rows of a list answer (each keeping its wire object), as `OrderRow.from_upbit` of
    each validated order would make them; None: not the plain shape, validate as usual."""
    if not isinstance(items, list):
        return None
    if not items:
        return []
    if set(map(type, items)) != {dict}:
        return None
    keys: set[str] = set().union(*items)
    # The old misspelling is renamed by from_wire; names pydantic treats specially stay with it.
    if "remaing_fee" in keys or any(k.startswith(("_", "model_")) for k in keys - _KNOWN):
        return None
    try:
        return _rows(items, keys)
    except (_Refused, ValueError, TypeError):
        return None


def _rows(items: list[dict[str, Any]], keys: set[str]) -> list[OrderRow]:
    n = len(items)
    column: dict[str, list[Any]] = {}
    for name in _AMOUNTS:
        if name in keys:
            values = _values(items, name)
            _plain(values, _AMOUNT_COLUMN)
            column[name] = values
    for name in _TEXT:
        if name in keys:
            values = _values(items, name)
            if not set(map(type, values)) <= _STR_OR_NONE:
                raise _Refused
            column[name] = values
    uuids: list[Any] | None = column.get("uuid")
    if uuids is None or None in uuids:
        raise _Refused
    if "trades_count" in keys:
        counts = _values(items, "trades_count")
        if not set(map(type, counts)) <= _INT_OR_NONE:  # exact: a bool is not a count
            raise _Refused
        numbers = _present(counts)
        if numbers and not (-_INT_LIMIT < min(numbers) and max(numbers) < _INT_LIMIT):
            raise _Refused
    created: list[Any] = [None] * n
    if "created_at" in keys:
        times = _values(items, "created_at")
        _plain(times, _TIME_COLUMN)
        moments = iter(list(map(datetime.fromisoformat, _present(times))))  # may refuse a date
        created = [None if t is None else next(moments) for t in times]
    for name in _CATEGORICAL:
        given = column.get(name)
        if given is None:
            continue
        # One string object per repeated value (sides, states, markets) across 100k rows, in
        # the wire object too, as from_wire does.
        if None in given:
            shared = [None if v is None else sys.intern(v) for v in given]
        else:
            shared = list(map(sys.intern, given))
        if all(map(dict.__contains__, items, repeat(name))):
            list(map(dict.__setitem__, items, repeat(name), shared))
        column[name] = shared
    nothing: list[Any] = [None] * n

    def text(name: str) -> list[Any]:
        return column.get(name, nothing)

    def amount(name: str) -> list[Decimal | None]:
        values = column.get(name)
        return nothing if values is None else _amounts(values)

    return list(
        map(
            OrderRow,
            repeat(Exchange.UPBIT, n),
            map(str.lower, uuids),
            repeat(IdKind.UUID, n),
            text("identifier"),
            text("market"),
            text("side"),
            text("ord_type"),
            amount("price"),
            amount("volume"),
            amount("remaining_volume"),
            amount("executed_volume"),
            amount("locked"),
            text("state"),
            created,
            items,
        )
    )
