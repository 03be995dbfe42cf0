"""The live-update half of the table model: change rows in place, O(changed rows).

Each changed row is taken out of the sorted order (and the filtered view) with its old key,
written, and put back with its new key by bisection over `Blocks`: O(log n) comparisons and
one block moved per row, whatever the table's size. The cursor stays on its row and the
selection on its rows; a row that stops passing the filter leaves the view, one that starts
passing it comes in at its sorted place. When more than 1/`REBUILD_SHARE` of the table would
move, the batch is written and sorted again instead (cheaper then); a change that moves no
row (a run's mark while the table is not sorted by state) is only written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import fields
from itertools import chain
from typing import TYPE_CHECKING, Any

from tui.core.models.row import OrderRow
from tui.ui.table.blocks import Blocks
from tui.ui.table.columns import widen_ideal
from tui.ui.table.rowkeys import UNCHANGED, haystack, row_key
from tui.ui.table.sorting import SortKeys

_FIELDS = frozenset(f.name for f in fields(OrderRow)) - {"exchange", "id", "id_kind"}


class LiveUpdates:
    """Mixed into `TableModel`, whose state it works on (declared here for the type checker)."""

    REBUILD_SHARE = 16  # when more than 1/16 of the rows move, sort again instead

    rows: list[OrderRow]
    _pos: dict[str, int]
    _marks: dict[int, str]
    _closed: set[int]
    _stamps: Any
    _next_stamp: int
    _hay: list[str]
    keys: SortKeys
    _order: Blocks
    _view: Blocks
    _cursor: int
    has_identifier: bool
    ideal: dict[str, int]
    data_version: int
    rebuilds_after_fault: int
    _keyfn: Callable[[int], Any]

    if TYPE_CHECKING:  # provided by TableModel and Selection

        def _append(self, rows: Iterable[OrderRow], changed: dict[int, OrderRow]) -> None: ...
        def _set_ideal(self, ideal: dict[str, int]) -> None: ...
        def _key(self, pos: int, row: OrderRow | None = None, mark: Any = UNCHANGED) -> Any: ...
        def _find(self, seq: Blocks, pos: int, key: Any) -> int | None: ...
        def matches(self, row: OrderRow) -> bool: ...
        def _grow_selection(self, count: int) -> None: ...
        def _deselect(self, pos: int) -> None: ...
        def _row_replaced(self, pos: int, old: OrderRow, new: OrderRow) -> None: ...
        def _close(self, pos: int) -> None: ...
        def _rebuild(
            self, *, keep_cursor: bool, top: bool = True, old: int | None = None
        ) -> None: ...
        def _view_changed(self, old: int, *, keep_cursor: bool, top: bool) -> None: ...

    def add_rows(self, rows: Iterable[OrderRow]) -> int:
        """Add rows in their sorted place if the filter lets them through; a row whose key is
        already present replaces the old one. Returns how many rows were new."""
        changed: dict[int, OrderRow] = {}
        first = len(self.rows)
        self._append(rows, changed)
        new = range(first, len(self.rows))
        if not new and not changed:
            return 0
        self._stamps.extend(range(self._next_stamp, self._next_stamp + len(new)))
        self._next_stamp += len(new)
        self._grow_selection(len(new))
        self.data_version += 1
        self._set_ideal(widen_ideal(self.ideal, [self.rows[p] for p in chain(new, changed)]))
        old = self._cursor
        if self._change(changed, {}, extra=len(new)) is False:
            self._rebuild(keep_cursor=True, top=False, old=old)
            return len(new)
        filtered = self._view is not self._order
        for pos in new:
            key = self._keyfn(pos)
            self._insert(self._order, pos, key)
            if filtered and self.matches(self.rows[pos]):
                self._insert(self._view, pos, key)
        self._view_changed(old, keep_cursor=True, top=False)
        return len(new)

    def update_rows(self, rows: Iterable[OrderRow]) -> int:
        """Replace rows by key (a look-up, a live update), moving each to its place in the sort
        order and in or out of the filter. Unknown keys are ignored. Returns how many changed."""
        changed = {p: r for r in rows if (p := self._pos.get(row_key(r))) is not None}
        self._update(changed, {})
        return len(changed)

    def update_fields(self, changes: Mapping[str, Mapping[str, Any]]) -> int:
        """Change fields of rows by key, e.g. {"uuid:…": {"state": "done", "remaining": 0}}.
        The id fields cannot change. Unknown keys are ignored; an unknown field is an error."""
        rows: dict[int, OrderRow] = {}
        for key, values in changes.items():
            bad = set(values) - _FIELDS
            if bad:
                raise ValueError(f"not a field that can change: {', '.join(sorted(bad))}")
            pos = self._pos.get(key)
            if pos is not None:
                rows[pos] = rows.get(pos, self.rows[pos]).replaced(**values)
        self._update(rows, {})
        return len(rows)

    def close_rows(self, keys: Iterable[str], state: str | None = None) -> int:
        """The orders are no longer open (filled, cancelled elsewhere): they leave the
        selection and cannot be selected again; with `state`, their state becomes it. They stay
        in the table, in their sorted place. Returns how many rows were found."""
        rows: dict[int, OrderRow] = {}
        for key in keys:
            pos = self._pos.get(key)
            if pos is None:
                continue
            self._close(pos)
            row = self.rows[pos]
            rows[pos] = row.replaced(state=state) if state is not None else row
        self._update(rows, {})
        return len(rows)

    def mark_rows(self, marks: Mapping[str, str | None]) -> None:
        """Lay a run status over rows' state ("sending", "cancelled", "failed", "unknown",
        "not_sent"); None removes it. Sorted by state, a marked row moves to its place."""
        by_pos = {p: m for k, m in marks.items() if (p := self._pos.get(k)) is not None}
        self._update({}, by_pos)

    def clear_marks(self) -> None:
        self._update({}, dict.fromkeys(self._marks))

    # ---- internals ------------------------------------------------------------------------------
    def _insert(self, seq: Blocks, pos: int, key: Any) -> None:
        seq.insert_at(*seq.locate(self._keyfn, key), pos)

    def _write(self, pos: int, row: OrderRow, mark: Any) -> None:
        if row is not self.rows[pos]:
            self._row_replaced(pos, self.rows[pos], row)
            self.rows[pos] = row
            if pos < len(self._hay):
                self._hay[pos] = haystack(row)
            self.keys.updated(pos, row)
            if row.identifier:
                self.has_identifier = True
        if mark is not UNCHANGED:
            if mark is None:
                self._marks.pop(pos, None)
            else:
                self._marks[pos] = mark
        self._stamps[pos] = self._next_stamp
        self._next_stamp += 1
        self.data_version += 1  # the sort orders cached for the old data are no longer true

    def _update(self, rows: Mapping[int, OrderRow], marks: Mapping[int, str | None]) -> None:
        if not rows and not marks:
            return
        if rows:
            self._set_ideal(widen_ideal(self.ideal, list(rows.values())))
        old = self._cursor
        moved = self._change(rows, marks)
        if moved is False:
            self._rebuild(keep_cursor=True, top=False, old=old)
        elif moved is not UNCHANGED:
            self._view_changed(old, keep_cursor=True, top=False)

    def _change(
        self, rows: Mapping[int, OrderRow], marks: Mapping[int, str | None], extra: int = 0
    ) -> Any:
        """Write changed rows and marks, moving each row to its new place: out with its old
        key first (while every key in the order is still true), then back in with its new one.

        The data is always written. Returns True when rows moved or showed/hid, `UNCHANGED`
        when none did (a mark while not sorted by state), False when the caller must sort
        again: more than 1/`REBUILD_SHARE` of the rows move (`extra` more are being added),
        so a sort is cheaper, or the order was found broken."""
        filtered = self._view is not self._order
        plan = []
        for pos in rows.keys() | marks.keys():
            old_row, new_row = self.rows[pos], rows.get(pos, self.rows[pos])
            mark = marks.get(pos, UNCHANGED)
            old_key, new_key = self._keyfn(pos), self._key(pos, new_row, mark)
            was_in = filtered and self.matches(old_row)
            now_in = filtered and (was_in if new_row is old_row else self.matches(new_row))
            plan.append((pos, new_row, mark, old_key, new_key, old_key != new_key, was_in, now_in))
        shifts = sum(1 for p in plan if p[5] or p[6] != p[7])
        if (shifts + extra) * self.REBUILD_SHARE > len(self.rows):
            for pos, row, mark, *_ in plan:
                self._write(pos, row, mark)
            return False
        intact = True
        for pos, _, _, old_key, _, moved, was_in, now_in in plan:
            if moved:
                intact = self._take(self._order, pos, old_key) and intact
            if was_in and (moved or not now_in):
                intact = self._take(self._view, pos, old_key) and intact
        for pos, row, mark, *_ in plan:
            self._write(pos, row, mark)
        if not intact:  # cannot happen while the invariant holds; never show a wrong order
            self.rebuilds_after_fault += 1
            return False
        for pos, _, _, _, new_key, moved, was_in, now_in in plan:
            if moved:
                self._insert(self._order, pos, new_key)
            if now_in and (moved or not was_in):
                self._insert(self._view, pos, new_key)
        return True if shifts else UNCHANGED

    def _take(self, seq: Blocks, pos: int, key: Any) -> bool:
        block, offset = seq.locate(self._keyfn, key)
        if seq.item_at(block, offset) != pos:
            return False
        seq.pop_at(block, offset)
        return True
