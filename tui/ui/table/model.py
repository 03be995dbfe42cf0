"""The order table's data: rows, selection, marks, filter, sort and the visible order.

No Textual (an import-linter contract enforces it): the view paints from this, and the live
updates call it directly. Rows are addressed by their position in `rows` (insertion order);
the visible order, the selection, the marks and the search text hold positions, so no
operation touches 100k Python objects in random order.

Invariant: `view` holds the positions of the rows that pass the filter, ordered by the sort
key (`sorting.sort_key`, or the position when unsorted), which is unique per row. Every change
keeps it: a live update (`update_rows`, `update_fields`, `close_rows`, `mark_rows`,
`add_rows`) takes each changed row out with its old key and puts it back with its new one by
bisection, O(log n) per row and never O(all rows); when more than 1/16 of the table would move,
it sorts again instead, which is then cheaper.

Versions tell the view what to repaint, instead of caches emptied by hand: `data_version`
(any row, mark or closed flag), `view_version` (which rows show, or their order),
`selection_version`, `ideal_version` (column widths); `stamp(pos)` is unique to a row's
current content, so a cached line keyed on it can never be stale.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable
from itertools import compress
from operator import attrgetter
from typing import Any

from tui.core.models.row import OrderRow
from tui.ui.table.blocks import Blocks
from tui.ui.table.columns import ATTR, COLUMN_KEYS, measure_ideal
from tui.ui.table.live import LiveUpdates
from tui.ui.table.rowkeys import KEY_PREFIX, UNCHANGED, haystack, row_key
from tui.ui.table.selection import Selection
from tui.ui.table.sorting import FLOAT_KEYED, Desc, SortKeys, sort_key, value_of

__all__ = ["TableModel", "row_key", "haystack"]


class TableModel(LiveUpdates, Selection):
    def __init__(self) -> None:
        self.rows: list[OrderRow] = []
        self._pos: dict[str, int] = {}
        self._marks: dict[int, str] = {}
        self._closed: set[int] = set()
        self._stamps = array("Q")
        self._next_stamp = 1
        self._hay: list[str] = []
        self.keys = SortKeys()
        self._sort_column: str | None = None
        self._sort_reverse = False
        self._filter = ""
        self._terms: tuple[str, ...] = ()
        self._order = Blocks()
        self._view = self._order  # the same object while no filter is set
        self._cursor = 0
        self._cursor_pos: int | None = None
        self.has_identifier = False
        self.ideal: dict[str, int] = {}
        self.data_version = self.view_version = self.ideal_version = 0
        self.rebuilds = 0  # full sorts (what an O(changed rows) update must not cause)
        self.rebuilds_after_fault = 0
        self._keyfn: Callable[[int], Any] = self._key
        Selection.__init__(self)

    # ---- reading ----------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def visible_count(self) -> int:
        return len(self._view)

    @property
    def sort_column(self) -> str | None:
        return self._sort_column

    @property
    def sort_reverse(self) -> bool:
        return self._sort_reverse

    @property
    def filter_text(self) -> str:
        return self._filter

    @property
    def cursor_index(self) -> int:
        return self._cursor

    @property
    def cursor_row(self) -> OrderRow | None:
        return None if self._cursor_pos is None else self.rows[self._cursor_pos]

    def position(self, key: str) -> int | None:
        return self._pos.get(key)

    def get_row(self, key: str) -> OrderRow | None:
        pos = self._pos.get(key)
        return None if pos is None else self.rows[pos]

    def all_rows(self) -> list[OrderRow]:
        """Every row, in insertion order."""
        return list(self.rows)

    def visible_pos(self, index: int) -> int:
        return self._view[index]

    def visible_rows(self) -> list[OrderRow]:
        """The rows the filter lets through, in display order."""
        return list(map(self.rows.__getitem__, self._view))

    def visible_positions(self) -> Iterable[int]:
        return iter(self._view)

    def index_of(self, key: str) -> int | None:
        """Where the row shows (None: not in the table, or hidden by the filter). O(log n)."""
        pos = self._pos.get(key)
        return None if pos is None else self._find(self._view, pos, self._keyfn(pos))

    def mark_at(self, pos: int) -> str | None:
        return self._marks.get(pos)

    def mark_of(self, key: str) -> str | None:
        pos = self._pos.get(key)
        return None if pos is None else self._marks.get(pos)

    def is_closed(self, key: str) -> bool:
        return self._pos.get(key, -1) in self._closed

    def closed_at(self, pos: int) -> bool:
        return pos in self._closed

    def stamp(self, pos: int) -> int:
        return self._stamps[pos]

    def matches(self, row: OrderRow) -> bool:
        hay = haystack(row)
        return all(term in hay for term in self._terms)

    # ---- whole-table changes ------------------------------------------------------------------
    def set_rows(self, rows: Iterable[OrderRow]) -> None:
        """Replace every row. Selected keys that still exist stay selected; the cursor goes
        to the first row."""
        kept = self.selected_keys if self.selected_count else frozenset()
        self.rows, self._pos, self._marks, self._closed, self._hay = [], {}, {}, set(), []
        self.keys.clear()
        self.has_identifier = False
        self._append(rows, {})
        n = len(self.rows)
        self._stamps = array("Q", range(self._next_stamp, self._next_stamp + n))
        self._next_stamp += n
        self._reset_selection(n, [p for k in kept if (p := self._pos.get(k)) is not None])
        self._set_ideal(measure_ideal(self.rows))
        self.data_version += 1
        self._rebuild(keep_cursor=False)

    def remove_rows(self, keys: Iterable[str]) -> int:
        """Take rows out (O(n): the positions after them close up)."""
        gone = {p for k in keys if (p := self._pos.get(k)) is not None}
        if not gone:
            return 0
        n = len(self.rows)
        keep = [i for i in range(n) if i not in gone]
        remap = [-1] * n
        for new, old in enumerate(keep):
            remap[old] = new
        self.rows = list(map(self.rows.__getitem__, keep))
        self._pos = {row_key(r): i for i, r in enumerate(self.rows)}
        self._stamps = array("Q", map(self._stamps.__getitem__, keep))
        self._marks = {remap[p]: m for p, m in self._marks.items() if remap[p] >= 0}
        self._closed = {remap[p] for p in self._closed if remap[p] >= 0}
        self._hay = [self._hay[i] for i in keep if i < len(self._hay)]
        self.keys.kept(keep)
        self._kept_selection(keep)
        # Positions keep their relative order, so the sorted order stays sorted.
        filtered, old_view = self._view is not self._order, self._view
        self._order = Blocks(p for p in map(remap.__getitem__, self._order) if p >= 0)
        self._view = self._order
        if filtered:
            self._view = Blocks(p for p in map(remap.__getitem__, old_view) if p >= 0)
        old = self._cursor
        if self._cursor_pos is not None:
            self._cursor_pos = remap[self._cursor_pos] if remap[self._cursor_pos] >= 0 else None
        self.data_version += 1
        self._view_changed(old, keep_cursor=True, top=False)
        return len(gone)

    def sort(self, column: str | None, reverse: bool = False) -> None:
        """Sort by a column (None: insertion order). The cursor goes to the first row."""
        if column is not None and column not in COLUMN_KEYS:
            raise ValueError(f"no such column: {column!r}")
        self._sort_column, self._sort_reverse = column, bool(reverse)
        self._make_keyfn()
        self._rebuild(keep_cursor=False)

    def set_filter(self, text: str) -> bool:
        """Show only rows whose id, identifier, market, side, type or state contain every
        word of `text` (case-insensitive). The cursor stays on its row when it still shows."""
        text = " ".join(text.split())
        if text == self._filter:
            return False
        before = self._terms
        self._filter, self._terms = text, tuple(text.lower().split())
        old = self._cursor
        # Typing on narrows the filter (every word before is in a word now): only the rows that
        # show can still match, so only those are tested.
        narrower = (
            bool(before)
            and self._view is not self._order
            and all(any(b in t for t in self._terms) for b in before)
        )
        self._refilter(narrower)
        self._view_changed(old, keep_cursor=True, top=True)
        return True

    # ---- idle preparation -----------------------------------------------------------------------
    def warm(self, chunk: int = 8000) -> bool:
        """Prepare float sort keys, then search text, then the locked sums of every row (for
        select all), `chunk` rows at a time (a few ms), then the other direction of the current
        sort. Returns False when everything is ready."""
        n = len(self.rows)
        for column in FLOAT_KEYED:
            if not self.keys.ready(column, n):
                self.keys.float_keys(column, self.rows, chunk)
                return True
        if len(self._hay) < n:
            start = len(self._hay)
            self._hay.extend(map(haystack, self.rows[start : start + chunk]))
            return True
        if self.warm_locked(chunk):  # what every selectable row locks (select all)
            return True
        by = self._sort_column
        return by is not None and self.keys.prepare_descending(by, self.data_version)

    # ---- internals ------------------------------------------------------------------------------
    def _append(self, rows: Iterable[OrderRow], changed: dict[int, OrderRow]) -> None:
        pos_of, all_rows, first = self._pos, self.rows, len(self.rows)
        has_identifier = self.has_identifier
        for row in rows:
            key = KEY_PREFIX[row.id_kind] + row.id
            pos = pos_of.get(key)
            if pos is None:
                pos_of[key] = len(all_rows)
                all_rows.append(row)
            elif pos >= first:  # twice in one batch: the last one counts
                all_rows[pos] = row
            else:
                changed[pos] = row
            if not has_identifier and row.identifier:
                has_identifier = True
        self.has_identifier = has_identifier

    def _set_ideal(self, ideal: dict[str, int]) -> None:
        if ideal != self.ideal:
            self.ideal = ideal
            self.ideal_version += 1

    def _key(self, pos: int, row: OrderRow | None = None, mark: Any = UNCHANGED) -> Any:
        """The sort key of row `pos`, or of what it is about to become (`row`, `mark`)."""
        column = self._sort_column
        if column is None:
            return pos
        if mark is UNCHANGED:
            mark = self._marks.get(pos)
        chosen = self._chosen[pos] if column == "check" else 0
        value = value_of(column, self.rows[pos] if row is None else row, mark, chosen)
        return sort_key(value, pos, self._sort_reverse)

    def _make_keyfn(self) -> None:
        """`_keyfn(pos)`: `_key(pos)` specialised to the sort column, for the bisections (an
        update of a row makes ~70 key calls)."""
        column, reverse = self._sort_column, self._sort_reverse
        if column is None or column in ("state", "check", "created"):
            self._keyfn = self._key
            return
        get = attrgetter(ATTR[column])

        def keyfn(pos: int) -> Any:
            value = get(self.rows[pos])
            if value is None:
                return (1, 0, pos)
            return (0, Desc(value), pos) if reverse else (0, value, pos)

        self._keyfn = keyfn

    def _find(self, seq: Blocks, pos: int, key: Any) -> int | None:
        index = seq.search(self._keyfn, key)
        return index if index < len(seq) and seq[index] == pos else None

    def _rebuild(self, *, keep_cursor: bool, top: bool = True, old: int | None = None) -> None:
        old = self._cursor if old is None else old
        self.rebuilds += 1
        column, n = self._sort_column, len(self.rows)
        if column is None:
            self._order = Blocks(self.keys.positions(n))
        else:
            if column == "check":
                self._chosen = bytearray(self._sel)
            self._order = Blocks(
                self.keys.order(
                    column,
                    self._sort_reverse,
                    self.rows,
                    self._marks,
                    self._chosen,
                    self.data_version,
                )
            )
        self._refilter()
        self._view_changed(old, keep_cursor=keep_cursor, top=top)

    def _refilter(self, narrower: bool = False) -> None:
        terms = self._terms
        if not terms:
            self._view = self._order
            return
        hay = self._hay
        if len(hay) < len(self.rows):
            hay.extend(map(haystack, self.rows[len(hay) :]))
        if narrower:  # the rows showing, in their order, tested again
            if len(terms) == 1:
                term = terms[0]
                self._view = Blocks([p for p in self._view if term in hay[p]])
            else:
                self._view = Blocks([p for p in self._view if all(t in hay[p] for t in terms)])
            return
        if len(terms) == 1:
            term = terms[0]
            mask = bytes([term in h for h in hay])
        else:
            mask = bytes([all(t in h for t in terms) for h in hay])
        if self._sort_column is None:
            self._view = Blocks(compress(self.keys.positions(len(self.rows)), mask))
        else:
            self._view = Blocks([p for p in self._order if mask[p]])

    def _view_changed(self, old: int, *, keep_cursor: bool, top: bool) -> None:
        """Settle the cursor: on its row if that still shows, else the first row (`top`) or the
        row now at its index."""
        self.view_version += 1
        view, pos = self._view, self._cursor_pos
        if not view:
            self._cursor, self._cursor_pos = 0, None
            return
        index = None
        if keep_cursor and pos is not None:
            index = self._find(view, pos, self._keyfn(pos))
        if index is None:
            index = 0 if top else max(0, min(old, len(view) - 1))
        self._cursor, self._cursor_pos = index, view[index]

    def move_cursor(self, index: int) -> int:
        """Put the cursor on view index `index` (clamped); returns the index it was on."""
        old, view = self._cursor, self._view
        if not view:
            self._cursor, self._cursor_pos = 0, None
            return old
        self._cursor = max(0, min(index, len(view) - 1))
        self._cursor_pos = view[self._cursor]
        return old
