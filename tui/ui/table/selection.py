"""The selection half of the table model: which rows a cancel would send.

A bytearray by position (1 = selected) and a count, so selecting all of 100k rows is one C
call. Rows hidden by the filter stay selected (the status bar says how many); closed rows
(`close_rows`) cannot be selected. When the table is sorted by the checkbox column, the order
uses the selection as it was at that sort (`_chosen`), so toggling a row does not move it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from itertools import compress
from typing import TYPE_CHECKING

from tui.core.models.row import OrderRow
from tui.ui.table.locked import LockedSums, part_of, plain_sum
from tui.ui.table.rowkeys import row_key

WARM_CHUNK = 8000


class Selection:
    rows: list[OrderRow]
    _pos: dict[str, int]
    _closed: set[int]
    _cursor: int
    _cursor_pos: int | None
    _terms: tuple[str, ...]
    data_version: int
    view_version: int

    if TYPE_CHECKING:  # provided by TableModel

        def visible_positions(self) -> Iterable[int]: ...
        def matches(self, row: OrderRow) -> bool: ...
        def move_cursor(self, index: int) -> int: ...

        @property
        def visible_count(self) -> int: ...

    def __init__(self) -> None:
        self._sel = bytearray()
        self._sel_count = 0
        self._chosen = bytearray()
        self.selection_version = 0
        self._counted: tuple[tuple[int, int, int], int, int] | None = None
        # Locked amounts of the selection, kept per change (None: sum the selection again).
        self._locked: LockedSums | None = LockedSums()
        # Of every row that can be selected (select all): (rows summed so far, their sums), made
        # while idle and kept per change like the selection's.
        self._selectable: tuple[int, LockedSums] | None = None

    # ---- reading ----------------------------------------------------------------------------
    @property
    def selected_count(self) -> int:
        return self._sel_count

    @property
    def selected_keys(self) -> frozenset[str]:
        return frozenset(map(row_key, compress(self.rows, self._sel)))

    def is_selected(self, key: str) -> bool:
        pos = self._pos.get(key)
        return pos is not None and bool(self._sel[pos])

    def selected_at(self, pos: int) -> bool:
        return bool(self._sel[pos])

    def selected_rows(self) -> list[OrderRow]:
        """Every selected row (also those the filter hides), in insertion order."""
        return list(compress(self.rows, self._sel)) if self._sel_count else []

    def locked_totals(self) -> dict[str, Decimal]:
        """What the selected rows lock, per currency (as `locked_by_currency` of them), kept
        up to date per change: O(1) for one row, never a re-sum of the table."""
        sums = self._locked
        if sums is None:
            sums = LockedSums()
            sums.add_rows(self.selected_rows())
            self._locked = sums
        result = sums.result()
        return plain_sum(self.selected_rows()) if result is None else result

    def warm_locked(self, chunk: int = WARM_CHUNK) -> bool:
        """Sum a chunk more of the selectable rows (for select all). False when ready."""
        entry, n = self._selectable, len(self.rows)
        done, sums = entry if entry is not None else (0, LockedSums())
        if done >= n:
            self._selectable = (done, sums)
            return False
        closed, rows = self._closed, self.rows
        end = min(n, done + chunk)
        if closed:
            sums.add_rows(rows[p] for p in range(done, end) if p not in closed)
        else:
            sums.add_rows(rows[done:end])
        self._selectable = (end, sums)
        return True

    def _selectable_sums(self) -> LockedSums:
        while self.warm_locked(len(self.rows) or 1):
            pass
        assert self._selectable is not None
        return self._selectable[1]

    def _counts(self) -> tuple[int, int]:
        """(selected rows that show, closed rows that show), for the current versions."""
        versions = (self.view_version, self.selection_version, self.data_version)
        if self._counted is None or self._counted[0] != versions:
            if self._terms:
                shown = sum(map(self._sel.__getitem__, self.visible_positions()))
                closed = sum(1 for p in self._closed if self.matches(self.rows[p]))
            else:
                shown, closed = self._sel_count, len(self._closed)
            self._counted = (versions, shown, closed)
        return self._counted[1], self._counted[2]

    def hidden_selected_count(self) -> int:
        """How many selected rows the filter hides."""
        if not self._terms or not self._sel_count:
            return 0
        return self._sel_count - self._counts()[0]

    def all_visible_selected(self) -> bool:
        """Every row that shows (and can be selected) is selected."""
        selectable = self.visible_count - (self._counts()[1] if self._closed else 0)
        if selectable <= 0 or self._sel_count < selectable:
            return False
        return self._counts()[0] == selectable

    # ---- changes --------------------------------------------------------------------------------
    def _set(self, pos: int, value: int) -> bool:
        if self._sel[pos] == value or (value and pos in self._closed):
            return False
        self._sel[pos] = value
        self._sel_count += 1 if value else -1
        if self._locked is not None:
            self._locked.add(part_of(self.rows[pos]), 1 if value else -1)
        return True

    def _changed(self) -> None:
        self.selection_version += 1

    def select_keys(self, keys: Iterable[str], selected: bool = True) -> bool:
        value = 1 if selected else 0
        changed = False
        for key in keys:
            pos = self._pos.get(key)
            if pos is not None and self._set(pos, value):
                changed = True
        if changed:
            self._changed()
        return changed

    def clear_selection(self) -> bool:
        if not self._sel_count:
            return False
        self._sel = bytearray(len(self.rows))
        self._sel_count = 0
        self._locked = LockedSums()
        self._changed()
        return True

    def toggle_cursor(self) -> bool:
        """Flip the row under the cursor (a closed row stays unselected)."""
        pos = self._cursor_pos
        if pos is None or not self._set(pos, self._sel[pos] ^ 1):
            return False
        self._changed()
        return True

    def toggle_visible(self) -> bool:
        """Select every row that shows; when they all are already, clear them instead."""
        if not self.visible_count:
            return False
        value = 0 if self.all_visible_selected() else 1
        n = len(self.rows)
        if not self._terms:  # everything shows: the whole mask at C speed
            self._sel = bytearray([value]) * n
            for pos in self._closed if value else ():
                self._sel[pos] = 0
            self._locked = self._selectable_sums().copy() if value else LockedSums()
        else:
            sel, closed, rows, sums = self._sel, self._closed, self.rows, self._locked
            sign = 1 if value else -1
            for pos in self.visible_positions():
                if sel[pos] != value and not (value and pos in closed):
                    sel[pos] = value
                    if sums is not None:
                        sums.add(part_of(rows[pos]), sign)
        self._sel_count = self._sel.count(1)
        self._changed()
        return True

    def extend(self, step: int) -> bool:
        """Select the cursor's row, move by `step`, select that one too (shift+arrows)."""
        if self._cursor_pos is None:
            return False
        changed = self._set(self._cursor_pos, 1)
        self.move_cursor(self._cursor + step)
        changed = self._cursor_pos is not None and self._set(self._cursor_pos, 1) or changed
        if changed:
            self._changed()
        return changed

    # ---- bookkeeping for the model --------------------------------------------------------------
    def _row_replaced(self, pos: int, old: OrderRow, new: OrderRow) -> None:
        """Row `pos` changes in place (a live update): its amount moves with it in the sums."""
        if self._locked is not None and pos < len(self._sel) and self._sel[pos]:
            self._locked.add(part_of(old), -1)
            self._locked.add(part_of(new), 1)
        selectable = self._selectable
        if selectable is not None and pos < selectable[0] and pos not in self._closed:
            selectable[1].add(part_of(old), -1)
            selectable[1].add(part_of(new), 1)

    def _close(self, pos: int) -> None:
        """Row `pos` can no longer be selected (the order closed)."""
        if pos in self._closed:
            return
        self._closed.add(pos)
        selectable = self._selectable
        if selectable is not None and pos < selectable[0]:
            selectable[1].add(part_of(self.rows[pos]), -1)
        self._deselect(pos)

    def _reset_selection(self, count: int, selected: Iterable[int]) -> None:
        self._locked = self._selectable = None
        before = self._sel_count
        self._sel = bytearray(count)
        for pos in selected:
            self._sel[pos] = 1
        self._sel_count = self._sel.count(1)
        self._chosen = bytearray(count)
        if before or self._sel_count:  # an empty selection that stays empty did not change
            self._changed()

    def _grow_selection(self, count: int) -> None:
        self._sel.extend(bytes(count))
        self._chosen.extend(bytes(count))  # new rows sort as unselected by the checkbox

    def _kept_selection(self, keep: Sequence[int]) -> None:
        self._locked = self._selectable = None
        before = self._sel_count
        self._sel = bytearray(map(self._sel.__getitem__, keep))
        self._sel_count = self._sel.count(1)
        self._chosen = bytearray(map(self._chosen.__getitem__, keep))
        if self._sel_count != before:
            self._changed()

    def _deselect(self, pos: int) -> None:
        if self._set(pos, 0):
            self._changed()
