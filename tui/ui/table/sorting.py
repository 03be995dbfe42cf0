"""Sort keys of the order table: one total order per column and direction, in two forms.

- In bulk (`SortKeys.order`): every row at once, at C speed. Amounts compare as floats made
  once per row (prepared while idle), which is exact when no amount is longer than 15
  characters (distinct decimals of at most 15 digits have distinct floats); otherwise a
  second, exact pass by the Decimal follows (one near-linear timsort pass).
- One row at a time (`sort_key`): the key the model bisects with when a live update moves a
  row, so an update costs O(log n) comparisons instead of a new sort.

Both give the same order: values ascending (or descending), rows without a value last in either
direction, and equal values in the order the rows were added (their position), both ways.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Mapping, Sequence
from itertools import compress, islice, repeat
from math import inf, isfinite
from operator import attrgetter, eq, is_, is_not, ne
from typing import Any

from tui.core.models.row import OrderRow, stored
from tui.ui.table.columns import ATTR

FLOAT_KEYED = ("price", "volume", "remaining", "created")
FLOAT_EXACT_CHARS = 15  # a decimal written in at most 15 characters has at most 15 digits
KEY_CHUNK = 8192
MISSING = inf  # the float key of a row without a value: after every finite value
_NONE_AS_MISSING = {"None": "inf"}  # .get(t, t): no value's text, as the text of MISSING


class Desc:
    """A value that sorts the other way round (for bisecting a descending order)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: Desc) -> bool:
        return other.value < self.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Desc) and self.value == other.value

    __hash__ = None  # type: ignore[assignment]


def value_of(column: str, row: OrderRow, mark: str | None, chosen: int) -> Any:
    """What `column` sorts `row` by (None: no value, sorts last)."""
    if column == "state":
        return mark or row.state
    if column == "check":
        return 0 if chosen else 1  # selected first
    if column == "created":
        created = row.created_at
        return None if created is None else created.timestamp()
    return getattr(row, ATTR[column])


def sort_key(value: Any, pos: int, reverse: bool) -> tuple[Any, ...]:
    """The row's place in the order: a key unique to the row (its position breaks ties)."""
    if value is None:
        return (1, 0, pos)
    return (0, Desc(value) if reverse else value, pos)


class SortKeys:
    """Float keys by position (kept up to date as rows change; `MISSING` for a row without a
    value, 8 bytes a row in an array) and the ascending order of the column sorted last (valid
    for the data version it was made at; one column only, so sorting by every column in turn
    does not keep a full order of every row per column)."""

    def __init__(self) -> None:
        self.fkeys: dict[str, array[float]] = {}
        self.short: dict[str, bool] = {}  # column -> every amount fits a float exactly
        self._ints: list[int] = []
        # column -> (data version, ascending, missing, exact key by position, descending)
        self._asc: dict[str, tuple[int, list[int], list[int], Sequence[Any], list[int] | None]] = {}

    def positions(self, n: int) -> list[int]:
        """0 .. n-1, as int objects shared by every order made from them (do not change the
        list). `range(n)` makes 100k new ints (2.8 MB) each time, interleaved in memory with
        the sort's temporary floats, which holds memory the process never gets back."""
        ints = self._ints
        if len(ints) < n:
            ints.extend(range(len(ints), n))
        return ints if len(ints) == n else ints[:n]

    def clear(self) -> None:
        self.fkeys.clear()
        self.short.clear()
        self._asc.clear()

    def forget_orders(self) -> None:
        self._asc.clear()

    def ready(self, column: str, count: int) -> bool:
        return len(self.fkeys.get(column, ())) >= count

    def updated(self, pos: int, row: OrderRow) -> None:
        """Row `pos` changed: keep its prepared float keys right."""
        for column, keys in self.fkeys.items():
            if pos < len(keys):
                value = getattr(row, ATTR[column])
                if value is None:
                    keys[pos] = MISSING
                elif column == "created":
                    keys[pos] = value.timestamp()
                else:
                    text = str(value)
                    key = float(text)
                    if len(text) > FLOAT_EXACT_CHARS or not isfinite(key):
                        self.short[column] = False
                    keys[pos] = key

    def kept(self, keep: Sequence[int]) -> None:
        """Rows were removed: `keep` lists the old positions that remain, in order."""
        for column, keys in self.fkeys.items():
            made = bisect_left(keep, len(keys))  # keys were made for a prefix of the rows
            self.fkeys[column] = array("d", map(keys.__getitem__, keep[:made]))
        self._asc.clear()

    def float_keys(
        self, column: str, rows: Sequence[OrderRow], limit: int | None = None
    ) -> array[float]:
        """Float sort keys of `column` by position, made up to `limit` rows further (all if None).

        Also tracks whether every amount is short enough (at most 15 characters as text, so at
        most 15 significant digits) and finite as a float for its float to order it exactly.
        """
        keys = self.fkeys.setdefault(column, array("d"))
        start = len(keys)
        end = len(rows) if limit is None else min(len(rows), start + limit)
        # A chunk at a time: the texts and floats in between are a chunk's, not 100k rows' (a
        # few MB that would otherwise raise the process's peak memory at every cold sort).
        for lo in range(start, end, KEY_CHUNK):
            self._extend(column, keys, rows[lo : min(end, lo + KEY_CHUNK)], lo == 0)
        return keys

    def _extend(
        self, column: str, keys: array[float], part: Sequence[OrderRow], first: bool
    ) -> None:
        # As stored: a listed row's amount is still the exchange's text (ListedRow), which
        # floats without a Decimal.
        values = list(map(stored(ATTR[column]).__get__, part))
        if column == "created":
            keys.extend([MISSING if v is None else v.timestamp() for v in values])
            return
        # float(Decimal) goes through the decimal's text anyway: make the text once, measure it
        # (exactness) and parse it. A row without a value ("None") reads as "inf" (MISSING): no
        # value's text is either (a listed amount is a checked plain decimal; a Decimal's
        # infinity reads "Infinity"), so the finite test leaves those rows out by their text.
        named = list(map(str, values))
        texts = list(map(_NONE_AS_MISSING.get, named, named))
        floats = list(map(float, texts))
        longest = max(map(len, texts), default=0)
        finite = all(map(isfinite, compress(floats, map(ne, texts, repeat("inf")))))
        exact = longest <= FLOAT_EXACT_CHARS and finite  # 1e999 is a finite Decimal, inf a float
        if first:
            self.short[column] = exact
        elif not exact:
            self.short[column] = False
        keys.extend(floats)

    def order(
        self,
        column: str,
        reverse: bool,
        rows: Sequence[OrderRow],
        marks: Mapping[int, str],
        chosen: bytes | bytearray,
        version: int,
    ) -> list[int]:
        """Every position in the order `sort_key` gives."""
        n = len(rows)
        if column == "check":
            every = self.positions(n)
            picked = list(compress(every, chosen))
            rest = list(compress(every, map((0).__eq__, chosen)))
            return rest + picked if reverse else picked + rest
        present, missing, fast = self._ascending(column, rows, marks, version)
        if reverse:
            # Ids of one kind are the rows' keys: never equal.
            distinct = column == "id" and len(set(map(attrgetter("id_kind"), rows))) == 1
            present = self._descending(column, present, fast, distinct)
        return present + missing if missing else list(present)

    def prepare_descending(self, column: str, version: int) -> bool:
        """Make the descending order of the ascending one made last (idle time, so a flip of
        the sort direction is a copy). True when there was something to do."""
        entry = self._asc.get(column)
        if entry is None or entry[0] != version or entry[4] is not None:
            return False
        self._descending(column, entry[1], entry[3])
        return True

    def _descending(
        self, column: str, present: list[int], fast: Sequence[Any], distinct: bool = False
    ) -> list[int]:
        """Values descending, equal ones in position order; made once per ascending order.

        Without ties that is the ascending order reversed (O(n)); ties are adjacent in it, so
        one C-speed scan tells (it stops at the first). With ties, a stable sort keeps them
        in position order (near-linear on an ascending list)."""
        entry = self._asc[column]
        if entry[4] is not None:
            return entry[4]
        values = [] if distinct else list(map(fast.__getitem__, present))
        if any(map(eq, values, islice(values, 1, None))):
            desc = sorted(present, key=fast.__getitem__, reverse=True)
        else:
            desc = present[::-1]
        self._asc[column] = (*entry[:4], desc)
        return desc

    def _ascending(
        self, column: str, rows: Sequence[OrderRow], marks: Mapping[int, str], version: int
    ) -> tuple[list[int], list[int], Sequence[Any]]:
        """Positions with a value ascending (ties in position order), positions without one,
        and the exact key by position. Cached for the data version it was made at."""
        cached = self._asc.get(column)
        if cached is not None and cached[0] == version:
            return cached[1], cached[2], cached[3]
        n = len(rows)
        if column in FLOAT_KEYED:
            # Comparing Decimals (or datetimes) is several times slower than comparing floats,
            # and a sort makes ~17 comparisons per row: a float per row is made once.
            keys = self.float_keys(column, rows)
            if column == "created" or self.short.get(column):
                # The float order is the exact order, and rows without a value (MISSING, after
                # every finite key) end up last in position order: one sort, no split.
                order = sorted(self.positions(n), key=keys.__getitem__)
                cut = n - keys.count(MISSING)
                present, missing = order[:cut], order[cut:]
                self._asc = {column: (version, present, missing, keys, None)}
                return present, missing, keys
        values: list[Any]
        if column == "state":
            values = [marks.get(i) or r.state for i, r in enumerate(rows)]
        else:
            values = list(map(attrgetter(ATTR[column]), rows))
        if any(map(is_, values, repeat(None))):  # split at C speed, no Python loop
            every = self.positions(n)
            present = list(compress(every, map(is_not, values, repeat(None))))
            missing = list(compress(every, map(is_, values, repeat(None))))
        else:
            present, missing = list(self.positions(n)), []
        if column in FLOAT_KEYED:  # not exact as floats: near, then exact (near-linear)
            present.sort(key=self.fkeys[column].__getitem__)
        present.sort(key=values.__getitem__)
        self._asc = {column: (version, present, missing, values, None)}
        return present, missing, values
