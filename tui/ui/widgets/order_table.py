"""The order table: a line-API widget that renders only the visible lines.

Textual's stock DataTable builds cells for every row up front (measured: 14.5 s and 150 MB
for 100k rows). This widget keeps the `OrderRow` objects as they are and renders a row only
when it is on screen, so loading, sorting, filtering and scrolling cost the same at 100 rows
and at 100,000 (see `tests/bench/table_load.py`).

What it holds:
- the rows in insertion order, each addressed by `OrderRow.key`;
- the view: the rows that pass the filter, in sort order (`visible_rows()`);
- a selection (a set of keys; rows hidden by the filter stay selected);
- a cursor (an index into the view);
- marks: a live per-row status laid over the exchange's state during a run
  ("sending", "cancelled", "failed", "unknown", "not_sent").

Line 0 is the header and never scrolls; row `i` of the view is virtual line `i + 1`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import compress, repeat
from operator import attrgetter, is_, is_not
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.core.models.row import OrderRow
from tui.core.refs import IdKind
from tui.ui.formatting import UNKNOWN, fit, fmt_amount, fmt_time


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str
    min_width: int
    ideal: int
    priority: int  # 0 is always shown; higher numbers are hidden first when space runs out
    right: bool = False
    grow: int = 0  # share of the width left over once every column has its ideal width
    expand: int = 0  # order in which columns get spare width up to their ideal (numbers first)


COLUMNS: tuple[Column, ...] = (
    Column("check", "", 3, 3, 0, expand=0),
    Column("id", "ID", 9, 36, 0, expand=6),
    Column("identifier", "Identifier", 8, 20, 5, grow=4, expand=7),
    Column("market", "Market", 7, 10, 1, expand=4),
    Column("side", "Side", 4, 4, 1, expand=5),
    Column("type", "Type", 6, 6, 6, expand=8),
    Column("price", "Price", 10, 16, 2, right=True, grow=1, expand=1),
    Column("volume", "Volume", 10, 14, 2, right=True, grow=1, expand=2),
    Column("remaining", "Remaining", 10, 14, 4, right=True, grow=1, expand=3),
    Column("state", "State", 9, 9, 1, expand=4),
    Column("created", "Created", 11, 19, 7, expand=9),
)
COLUMN_KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
SORTABLE: tuple[str, ...] = tuple(k for k in COLUMN_KEYS if k != "check")
COLUMN_LABELS: dict[str, str] = {c.key: (c.label or "Selected") for c in COLUMNS}

_ATTR = {
    "id": "id",
    "identifier": "identifier",
    "market": "market",
    "side": "side",
    "type": "ord_type",
    "price": "price",
    "volume": "volume",
    "remaining": "remaining",
    "state": "state",
    "created": "created_at",
}

# Exchange states and run marks -> style class of the state cell.
STATE_CLASS: dict[str, str] = {
    "wait": "open",
    "watch": "open",
    "Started": "open",
    "Pending": "open",
    "Working": "open",
    "cancel": "cancelled",
    "Cancelled": "cancelled",
    "Expired": "cancelled",
    "cancelled": "cancelled",
    "done": "done",
    "Completed": "done",
    "Rejected": "failed",
    "failed": "failed",
    "unknown": "unknown",
    "sending": "pending",
    "not_sent": "not-sent",
}
MARK_TEXT: dict[str, str] = {
    "sending": "sending…",
    "cancelled": "cancelled",
    "failed": "failed",
    "unknown": "unknown",
    "not_sent": "not sent",
}
SEP = 1
FLOAT_KEYED = ("price", "volume", "remaining", "created")
AMOUNT_COLUMNS = frozenset({"price", "volume", "remaining"})
FLOAT_EXACT_CHARS = 15  # a decimal written in at most 15 characters has at most 15 digits
AMOUNT_CAP = 16

_KEY_PREFIX = {kind: f"{kind.value}:" for kind in IdKind}


def row_key(row: OrderRow) -> str:
    """`row.key` without the property call (7x faster in the 100k-row loops)."""
    return _KEY_PREFIX[row.id_kind] + row.id


def layout_columns(
    width: int,
    *,
    has_identifier: bool = True,
    ideal: Mapping[str, int] | None = None,
    check: bool = True,
) -> list[tuple[Column, int]]:
    """Choose the columns that fit `width` cells and their widths.

    Columns are dropped from the highest priority number until the minimum widths fit; the
    spare width then brings columns up to their ideal width (amounts first, so numbers are
    not cut) and what is left goes to the growing columns. Display order is always the order of `COLUMNS`.
    """
    ideal = dict(ideal or {})
    cols = [
        c
        for c in COLUMNS
        if (has_identifier or c.key != "identifier") and (check or c.key != "check")
    ]

    def need(c: Column) -> int:
        # Amounts are never cut while a lower-priority column could make room for them.
        if c.right:
            return max(c.min_width, min(ideal.get(c.key, c.min_width), AMOUNT_CAP))
        return c.min_width

    for priority in sorted({c.priority for c in cols}, reverse=True):
        total = sum(need(c) for c in cols) + SEP * (len(cols) - 1)
        if total <= width or priority == 0:
            break
        cols = [c for c in cols if c.priority != priority]
    widths = {c.key: c.min_width for c in cols}
    if sum(need(c) for c in cols) + SEP * (len(cols) - 1) <= width:
        widths = {c.key: need(c) for c in cols}
    spare = width - sum(widths.values()) - SEP * (len(cols) - 1)
    for c in sorted(cols, key=lambda c: c.expand):
        if spare <= 0:
            break
        want = max(c.min_width, len(c.label), ideal.get(c.key, c.ideal))
        add = min(spare, want - widths[c.key])
        if add > 0:
            widths[c.key] += add
            spare -= add
    growers = [c for c in cols if c.grow]
    if spare > 0 and growers:
        weight = sum(c.grow for c in growers)
        share = spare // weight
        for c in growers:
            widths[c.key] += share * c.grow
        spare -= share * weight
        widths[growers[0].key] += max(0, spare)
    return [(c, widths[c.key]) for c in cols]


class OrderTable(ScrollView, can_focus=True):
    """Orders with a checkbox column; keyboard and mouse selection; sort; filter."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False, id="table.up"),
        Binding("down", "cursor_down", "Down", show=False, id="table.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("home", "first", "First", show=False, id="table.first"),
        Binding("end", "last", "Last", show=False, id="table.last"),
        Binding("space", "toggle", "Select", id="table.toggle"),
        Binding("a", "select_all", "All", id="table.select_all"),
        Binding("shift+up", "extend_up", "Extend up", show=False, id="table.extend_up"),
        Binding("shift+down", "extend_down", "Extend down", show=False, id="table.extend_down"),
        Binding("s", "cycle_sort", "Sort", show=False, id="table.sort"),
        Binding("S", "reverse_sort", "Reverse sort", show=False, id="table.reverse_sort"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "order-table--header",
        "order-table--cursor",
        "order-table--selected",
        "order-table--unknown",
        "order-table--bid",
        "order-table--ask",
        "order-table--state-open",
        "order-table--state-cancelled",
        "order-table--state-done",
        "order-table--state-failed",
        "order-table--state-unknown",
        "order-table--state-pending",
        "order-table--state-not-sent",
        "order-table--empty",
    }

    DEFAULT_CSS = """
    OrderTable {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
        height: 1fr;
        & > .order-table--header { text-style: bold; background: $panel; color: $foreground; }
        & > .order-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
        }
        &:focus > .order-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
        & > .order-table--selected { background: $accent-muted; }
        & > .order-table--unknown { color: $text-muted; text-style: italic; }
        & > .order-table--bid { color: $text-success; }
        & > .order-table--ask { color: $text-error; }
        & > .order-table--state-open { }
        & > .order-table--state-cancelled { color: $text-success; text-style: bold; }
        & > .order-table--state-done { color: $text-muted; }
        & > .order-table--state-failed { color: $text-error; text-style: bold; }
        & > .order-table--state-unknown { color: $text-warning; text-style: bold italic; }
        & > .order-table--state-pending { color: $text-accent; text-style: italic; }
        & > .order-table--state-not-sent { color: $text-muted; text-style: italic; }
        & > .order-table--empty { color: $text-muted; text-style: italic; }
    }
    """

    # ---- messages ---------------------------------------------------------------------------
    class CursorMoved(Message):
        """The row under the cursor changed (row is None when the view is empty)."""

        def __init__(self, table: OrderTable, row: OrderRow | None, index: int) -> None:
            super().__init__()
            self.table = table
            self.row = row
            self.index = index

        @property
        def control(self) -> OrderTable:
            return self.table

    class SelectionChanged(Message):
        """The set of selected rows changed."""

        def __init__(self, table: OrderTable, count: int) -> None:
            super().__init__()
            self.table = table
            self.count = count

        @property
        def control(self) -> OrderTable:
            return self.table

    class ViewChanged(Message):
        """Rows were set/added/removed, or the filter or sort changed."""

        def __init__(self, table: OrderTable, total: int, visible: int) -> None:
            super().__init__()
            self.table = table
            self.total = total
            self.visible = visible

        @property
        def control(self) -> OrderTable:
            return self.table

    # ---- construction -----------------------------------------------------------------------
    def __init__(
        self,
        *,
        empty_text: str = "No orders.",
        selectable: bool = True,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.empty_text = empty_text
        self.selectable = selectable  # False: no checkbox column, no selection keys (result lists)
        # Rows are addressed by their position in `_rows` (insertion order); everything else
        # (view, sort orders, selection, marks, search text) holds positions, not rows, so no
        # operation has to touch 100k Python objects in random order.
        self._rows: list[OrderRow] = []
        self._pos: dict[str, int] = {}  # key -> position
        self._sel = bytearray()  # 1 = selected, by position
        self._sel_count = 0
        self._marks: dict[int, str] = {}  # position -> run mark
        self._hay: list[str] = []  # lower-case search text by position (built lazily)
        self._asc: dict[
            str, tuple[list[int], list[int]]
        ] = {}  # column -> (ascending positions, empty ones)
        self._fkeys: dict[str, list[float | None]] = {}  # column -> float sort key by position
        self._short: dict[str, bool] = {}  # column -> every amount fits a float exactly
        self._warming = False
        self._order: list[int] | None = None  # positions in sort order (None: insertion order)
        self._view: list[int] = []  # visible positions in display order
        self._cursor = 0  # index into the view
        self._sort_column: str | None = None
        self._sort_reverse = False
        self._filter = ""
        self._has_identifier = False
        self._ideal: dict[str, int] = {}
        # render caches
        self._layout: list[tuple[Column, int]] = []
        self._layout_key: tuple[int, bool, tuple[tuple[str, int], ...]] | None = None
        self._styles: dict[str, Style] | None = None
        self._line_cache: dict[tuple[int, int, bool], Strip] = {}
        self._header_cache: Strip | None = None
        self._last_cursor_key: str | None = None

    # ---- public API ---------------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return len(self._rows)

    @property
    def visible_count(self) -> int:
        return len(self._view)

    @property
    def selected_count(self) -> int:
        return self._sel_count

    @property
    def cursor_index(self) -> int:
        return self._cursor

    @property
    def cursor_row(self) -> OrderRow | None:
        if 0 <= self._cursor < len(self._view):
            return self._rows[self._view[self._cursor]]
        return None

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
    def selected_keys(self) -> frozenset[str]:
        return frozenset(map(row_key, compress(self._rows, self._sel)))

    def get_row(self, key: str) -> OrderRow | None:
        pos = self._pos.get(key)
        return None if pos is None else self._rows[pos]

    def is_selected(self, key: str) -> bool:
        pos = self._pos.get(key)
        return pos is not None and bool(self._sel[pos])

    def all_rows(self) -> list[OrderRow]:
        """Every row, in insertion order."""
        return list(self._rows)

    def visible_rows(self) -> list[OrderRow]:
        """The rows the filter lets through, in display order."""
        return list(map(self._rows.__getitem__, self._view))

    def selected_rows(self) -> list[OrderRow]:
        """Every selected row (also those the filter hides), in insertion order."""
        if not self._sel_count:
            return []
        return list(compress(self._rows, self._sel))

    def hidden_selected_count(self) -> int:
        """How many selected rows the filter hides."""
        if not self._filter or not self._sel_count:
            return 0
        return self._sel_count - sum(map(self._sel.__getitem__, self._view))

    def mark_of(self, key: str) -> str | None:
        pos = self._pos.get(key)
        return None if pos is None else self._marks.get(pos)

    def set_rows(self, rows: Iterable[OrderRow]) -> None:
        """Replace every row. Selected keys that still exist stay selected."""
        kept = self.selected_keys if self._sel_count else frozenset()
        self._rows = []
        self._pos = {}
        self._sel = bytearray()
        self._sel_count = 0
        self._hay = []
        self._fkeys = {}
        self._short = {}
        self._marks = {}
        self._has_identifier = False
        self._insert(rows)
        if kept:
            for key in kept:
                pos = self._pos.get(key)
                if pos is not None:
                    self._sel[pos] = 1
            self._sel_count = self._sel.count(1)
        self._rows_changed(keep_cursor=False)
        if kept:
            self._selection_changed()

    def add_rows(self, rows: Iterable[OrderRow]) -> int:
        """Append rows; a row whose key is already present replaces the old one in place.

        Returns how many rows were new.
        """
        before = len(self._rows)
        self._insert(rows)
        self._rows_changed(keep_cursor=True)
        return len(self._rows) - before

    def update_rows(self, rows: Iterable[OrderRow]) -> int:
        """Replace rows by key (e.g. after a look-up), keeping their place. Unknown keys are ignored.

        Rows do not move, even when the table is sorted by a column that changed (a list
        that reorders itself under the cursor during a run is worse than a stale order);
        sort again to re-sort.
        """
        changed = 0
        hay = self._hay
        for row in rows:
            pos = self._pos.get(row_key(row))
            if pos is None:
                continue
            self._rows[pos] = row
            if pos < len(hay):
                hay[pos] = self._haystack(row)
            self._update_keys(pos, row)
            self._forget_line(pos)
            if row.identifier:
                self._has_identifier = True
            changed += 1
        if changed:
            self._asc.clear()
            self._layout_key = None
            self.refresh()
        return changed

    def remove_rows(self, keys: Iterable[str]) -> int:
        gone = {self._pos[k] for k in keys if k in self._pos}
        if not gone:
            return 0
        keep = [i for i in range(len(self._rows)) if i not in gone]
        remap = {old: new for new, old in enumerate(keep)}
        self._rows = [self._rows[i] for i in keep]
        self._pos = {row_key(r): n for n, r in enumerate(self._rows)}
        self._sel = bytearray(self._sel[i] for i in keep)
        self._sel_count = self._sel.count(1)
        self._marks = {remap[i]: m for i, m in self._marks.items() if i in remap}
        if self._hay:
            self._hay = [self._hay[i] for i in keep if i < len(self._hay)]
        self._fkeys = {}
        self._short = {}
        if self._order is not None:
            self._order = [remap[i] for i in self._order if i in remap]
        self._line_cache.clear()
        self._rows_changed(keep_cursor=True, resort=False)
        self._selection_changed()
        return len(gone)

    def mark_rows(self, marks: Mapping[str, str | None]) -> None:
        """Lay a run status over rows' state ("sending", "cancelled", "failed", "unknown", "not_sent");
        None removes the mark. Rows keep their place; only lines on screen are repainted."""
        for key, mark in marks.items():
            pos = self._pos.get(key)
            if pos is None:
                continue
            if mark is None:
                self._marks.pop(pos, None)
            else:
                self._marks[pos] = mark
            self._forget_line(pos)
        self._asc.pop("state", None)
        self.refresh()

    def clear_marks(self) -> None:
        self._marks.clear()
        self._asc.pop("state", None)
        self._line_cache.clear()
        self.refresh()

    def sort_by(self, column: str | None, reverse: bool | None = None) -> None:
        """Sort by a column; sorting again by the same column flips the direction.

        Empty values go last in both directions. `None` returns to insertion order.
        The cursor goes to the first row.
        """
        if column is not None and column not in COLUMN_KEYS:
            raise ValueError(f"no such column: {column!r}")
        if reverse is None:
            reverse = (
                (not self._sort_reverse)
                if column == self._sort_column and column is not None
                else False
            )
        self._sort_column = column
        self._sort_reverse = reverse
        self._header_cache = None
        self._resort()
        self._rebuild_view(keep_cursor=False)

    def set_filter(self, text: str) -> None:
        """Show only rows whose id, identifier, market, side, type or state contain every word of `text`
        (case-insensitive). The cursor stays on its row when that row still shows."""
        text = " ".join(text.split())
        if text == self._filter:
            return
        self._filter = text
        self._rebuild_view(keep_cursor=True)

    def select_keys(self, keys: Iterable[str], selected: bool = True) -> None:
        sel = self._sel
        value = 1 if selected else 0
        for key in keys:
            pos = self._pos.get(key)
            if pos is not None and sel[pos] != value:
                sel[pos] = value
                self._sel_count += 1 if selected else -1
                self._forget_line(pos)
        self._selection_changed()

    def clear_selection(self) -> None:
        if not self._sel_count:
            return
        self._sel = bytearray(len(self._rows))
        self._sel_count = 0
        self._line_cache.clear()
        self._selection_changed()

    def move_cursor(self, index: int) -> None:
        """Put the cursor on view index `index` (clamped) and scroll it into view."""
        count = len(self._view)
        new = 0 if count == 0 else max(0, min(index, count - 1))
        old = self._cursor
        self._cursor = new
        if old != new:
            self._refresh_index(old)
            self._refresh_index(new)
        self._scroll_cursor_into_view()
        self._post_cursor()

    def move_cursor_to_key(self, key: str) -> bool:
        pos = self._pos.get(key)
        if pos is None:
            return False
        try:
            index = self._view.index(pos)
        except ValueError:
            return False
        self.move_cursor(index)
        return True

    # ---- actions ------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.selectable and action in ("toggle", "select_all", "extend_up", "extend_down"):
            return False
        return True

    def action_cursor_up(self) -> None:
        self.move_cursor(self._cursor - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self._cursor + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self._cursor - self._page())

    def action_page_down(self) -> None:
        self.move_cursor(self._cursor + self._page())

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self._view) - 1)

    def action_toggle(self) -> None:
        if not self._view:
            return
        pos = self._view[self._cursor]
        self._sel[pos] ^= 1
        self._sel_count += 1 if self._sel[pos] else -1
        self._forget_line(pos)
        self._selection_changed()

    def action_select_all(self) -> None:
        """Select every visible row; when they all are already, clear them instead."""
        view = self._view
        if not view:
            return
        sel = self._sel
        if len(view) == len(self._rows):
            # Everything shows: flip the whole mask at C speed.
            value = 0 if self._sel_count == len(self._rows) else 1
            self._sel = bytearray([value]) * len(self._rows)
            self._sel_count = value * len(self._rows)
        else:
            value = 0 if self._all_visible_selected() else 1
            for pos in view:
                sel[pos] = value
            self._sel_count = sel.count(1)
        self._line_cache.clear()
        self._selection_changed()

    def _extend(self, step: int) -> None:
        if not self._view:
            return
        changed = self._select_pos(self._view[self._cursor])
        self.move_cursor(self._cursor + step)
        changed = self._select_pos(self._view[self._cursor]) or changed
        if changed:
            self._selection_changed()

    def _select_pos(self, pos: int) -> bool:
        if self._sel[pos]:
            return False
        self._sel[pos] = 1
        self._sel_count += 1
        self._forget_line(pos)
        return True

    def action_extend_up(self) -> None:
        self._extend(-1)

    def action_extend_down(self) -> None:
        self._extend(1)

    def action_cycle_sort(self) -> None:
        """Sort by the next column (insertion order after the last one)."""
        order: list[str | None] = [*SORTABLE, None]
        current = order.index(self._sort_column) if self._sort_column in order else len(order) - 1
        self.sort_by(order[(current + 1) % len(order)], reverse=False)
        self._notify_sort()

    def action_reverse_sort(self) -> None:
        if self._sort_column is None:
            self.sort_by("created", reverse=True)
        else:
            self.sort_by(self._sort_column, reverse=not self._sort_reverse)
        self._notify_sort()

    def _notify_sort(self) -> None:
        if self._sort_column is None:
            self.notify("Sorted in the order the rows were added", timeout=2)
        else:
            arrow = "descending" if self._sort_reverse else "ascending"
            self.notify(f"Sorted by {COLUMN_LABELS[self._sort_column]} ({arrow})", timeout=2)

    # ---- mouse ------------------------------------------------------------------------------
    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        event.stop()
        x, y = offset
        if y == 0:
            column = self._column_at(x)
            if column == "check":
                if self.selectable:
                    self.action_select_all()
            elif column is not None:
                self.sort_by(column)
            return
        index = int(self.scroll_offset.y) + y - 1
        if not 0 <= index < len(self._view):
            return
        self.move_cursor(index)
        if self.selectable and self._column_at(x) == "check":
            self.action_toggle()

    def _column_at(self, x: int) -> str | None:
        left = 0
        for column, width in self._layout:
            if left <= x < left + width + SEP:
                return column.key
            left += width + SEP
        return None

    # ---- internals: data ------------------------------------------------------------------------
    def _insert(self, rows: Iterable[OrderRow]) -> None:
        pos_of = self._pos
        all_rows = self._rows
        append = all_rows.append
        hay = self._hay
        has_identifier = self._has_identifier
        added = 0
        for row in rows:
            key = _KEY_PREFIX[row.id_kind] + row.id
            pos = pos_of.get(key)
            if pos is None:
                pos_of[key] = len(all_rows)
                append(row)
                added += 1
            else:
                all_rows[pos] = row
                if pos < len(hay):
                    hay[pos] = self._haystack(row)
                self._update_keys(pos, row)
                self._forget_line(pos)
            if not has_identifier and row.identifier:
                has_identifier = True
        self._has_identifier = has_identifier
        if added:
            self._sel.extend(bytes(added))

    def _update_keys(self, pos: int, row: OrderRow) -> None:
        for column, keys in self._fkeys.items():
            if pos < len(keys):
                value = getattr(row, _ATTR[column])
                if (
                    value is not None
                    and column != "created"
                    and len(str(value)) > FLOAT_EXACT_CHARS
                ):
                    self._short[column] = False
                keys[pos] = (
                    None
                    if value is None
                    else (value.timestamp() if column == "created" else float(value))
                )

    def _rows_changed(self, *, keep_cursor: bool, resort: bool = True) -> None:
        self._asc.clear()
        self._schedule_warm()
        if resort:
            self._resort()
        self._ideal = self._measure_ideal()
        self._layout_key = None
        self._rebuild_view(keep_cursor=keep_cursor)

    def _resort(self) -> None:
        column = self._sort_column
        if column is None:
            self._order = None
            return
        if column == "check":
            sel = self._sel
            n = len(self._rows)
            chosen = list(compress(range(n), sel))
            rest = [i for i in range(n) if not sel[i]]
            self._order = rest + chosen if self._sort_reverse else chosen + rest
            return
        present, missing = self._ascending(column)
        if self._sort_reverse:
            # Descending is the ascending order reversed: O(n), no second sort. Empty values
            # stay last either way.
            present = present[::-1]
        self._order = present + missing if missing else list(present)

    def _ascending(self, column: str) -> tuple[list[int], list[int]]:
        """Positions of rows with a value in `column`, ascending (equal values in insertion
        order), and positions of rows without one. Cached until the rows change."""
        cached = self._asc.get(column)
        if cached is not None:
            return cached
        rows = self._rows
        n = len(rows)
        if column == "state":
            marks = self._marks
            values = [marks.get(i) or r.state for i, r in enumerate(rows)]
        else:
            values = list(map(attrgetter(_ATTR[column]), rows))
        has_missing = any(map(is_, values, repeat(None)))
        if has_missing:  # split at C speed: compress over identity tests, no Python loop
            present = list(compress(range(n), map(is_not, values, repeat(None))))
            missing = list(compress(range(n), map(is_, values, repeat(None))))
        else:
            present, missing = list(range(n)), []
        if column in AMOUNT_COLUMNS or (
            column == "created" and len(self._fkeys.get(column, ())) == n
        ):
            # Comparing Decimals (or aware datetimes) is several times slower than comparing
            # floats, and a sort makes ~17 comparisons per row; a float per row is made once,
            # in row order (prepared while idle by `_warm`, or here). The float order is the
            # exact order when no amount has more than 15 significant digits (then distinct
            # amounts have distinct floats); otherwise a second sort by the exact value follows,
            # which timsort does in one pass over the already (nearly) sorted list.
            keys = self._float_keys(column)
            present.sort(key=keys.__getitem__)
            if column != "created" and not self._short.get(column):
                present.sort(key=values.__getitem__)
        else:
            present.sort(key=values.__getitem__)
        self._asc[column] = (present, missing)
        return present, missing

    def _float_keys(self, column: str, limit: int | None = None) -> list[float | None]:
        """Float sort keys of `column` by position, computed up to `limit` rows more (all if None).

        Built in small steps while the app is idle (`_warm`), or at once when a sort needs them.
        Also tracks whether every amount is short enough (at most 15 characters as text, so at
        most 15 significant digits) for its float to order it exactly.
        """
        keys = self._fkeys.setdefault(column, [])
        start = len(keys)
        end = len(self._rows) if limit is None else min(len(self._rows), start + limit)
        if start < end:
            values = list(map(attrgetter(_ATTR[column]), self._rows[start:end]))
            if column == "created":
                keys.extend([None if v is None else v.timestamp() for v in values])
            else:
                # float(Decimal) goes through the decimal's text anyway: make the text once,
                # measure it (exactness) and parse it.
                if any(map(is_, values, repeat(None))):
                    # text and floats of the present values at C speed, then put the gaps back
                    texts = list(map(str, compress(values, map(is_not, values, repeat(None)))))
                    longest = max(map(len, texts), default=0)
                    parsed = map(float, texts)
                    floats = [None if v is None else next(parsed) for v in values]
                else:
                    texts = list(map(str, values))
                    longest = max(map(len, texts), default=0)
                    floats = list(map(float, texts))
                if start == 0:
                    self._short[column] = longest <= FLOAT_EXACT_CHARS
                elif longest > FLOAT_EXACT_CHARS:
                    self._short[column] = False
                keys.extend(floats)
        return keys

    def _schedule_warm(self) -> None:
        if not self._warming and self.is_mounted:
            self._warming = True
            self.set_timer(0.01, self._warm)

    def _warm(self) -> None:
        """Prepare float sort keys, then search text, a few thousand rows at a time (a few ms
        per step, between key presses), so the first sort or filter after a big load does not
        have to. Amount columns first: their exact sort is the slow one without float keys."""
        n = len(self._rows)
        chunk = 8000
        for column in FLOAT_KEYED:
            if len(self._fkeys.get(column, ())) < n:
                self._float_keys(column, chunk)
                break
        else:
            if len(self._hay) < n:
                self._hay.extend(
                    map(self._haystack, self._rows[len(self._hay) : len(self._hay) + chunk])
                )
            else:
                self._warming = False
                return
        self.set_timer(0.002, self._warm)

    @staticmethod
    def _haystack(r: OrderRow) -> str:
        return f"{r.id}\x00{r.identifier or ''}\x00{r.market or ''}\x00{r.side or ''}\x00{r.ord_type or ''}\x00{r.state or ''}".lower()

    def _ensure_hay(self) -> list[str]:
        hay = self._hay
        if len(hay) < len(self._rows):
            hay.extend(map(self._haystack, self._rows[len(hay) :]))
        return hay

    def _rebuild_view(self, *, keep_cursor: bool) -> None:
        old_pos = None
        if keep_cursor and 0 <= self._cursor < len(self._view):
            old_pos = self._view[self._cursor]
        n = len(self._rows)
        if self._filter:
            hay = self._ensure_hay()
            terms = self._filter.lower().split()
            if len(terms) == 1:
                term = terms[0]
                mask = bytes([term in h for h in hay])
            else:
                mask = bytes([all(t in h for t in terms) for h in hay])
            if self._order is None:
                view = list(compress(range(n), mask))
            else:
                view = [i for i in self._order if mask[i]]
        else:
            view = list(range(n)) if self._order is None else list(self._order)
        self._view = view
        cursor = 0
        if old_pos is not None:
            try:
                cursor = view.index(old_pos)
            except ValueError:
                cursor = 0
        self._cursor = cursor
        self._line_cache.clear()
        self._header_cache = None
        self._update_virtual_size()
        if old_pos is None:
            self.scroll_to(y=0, animate=False)
        self._scroll_cursor_into_view()
        self.refresh()
        self.post_message(self.ViewChanged(self, n, len(view)))
        self._post_cursor()

    def _measure_ideal(self) -> dict[str, int]:
        """Ideal widths from a sample of at most ~2,000 rows (cheap at any row count)."""
        rows = self._rows
        if not rows:
            return {}
        step = max(1, len(rows) // 2000)
        sample = rows[::step]
        ideal: dict[str, int] = {}
        ideal["id"] = max(len(r.id) for r in sample)
        ideal["market"] = max(len(r.market or "") for r in sample) or 7
        ideal["side"] = max(len(r.side or "") for r in sample) or 3
        idents = [len(r.identifier) for r in sample if r.identifier]
        if idents:
            ideal["identifier"] = max(8, min(36, max(idents)))
        for key in ("price", "volume", "remaining"):
            values = [getattr(r, key) for r in sample]
            widths = [len(fmt_amount(v)) for v in values if v is not None]
            ideal[key] = max(10, min(24, max(widths))) if widths else 10
        return ideal

    # ---- internals: rendering ------------------------------------------------------------------
    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(max(1, self.scrollable_content_region.width), len(self._view) + 1)

    def on_mount(self) -> None:
        super().on_mount()
        if self._rows:
            self._schedule_warm()

    def on_resize(self, event: events.Resize) -> None:
        self._layout_key = None
        self._update_virtual_size()
        self._scroll_cursor_into_view()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles = None
        self._line_cache.clear()
        self._header_cache = None

    def on_focus(self) -> None:
        self._styles = None
        self._line_cache.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._styles = None
        self._line_cache.clear()
        self.refresh()

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def _scroll_cursor_into_view(self) -> None:
        rows_on_screen = self.scrollable_content_region.height - 1
        if rows_on_screen <= 0:
            return
        top = int(self.scroll_offset.y)
        cursor = self._cursor
        if cursor < top:
            self.scroll_to(y=cursor, animate=False)
        elif cursor >= top + rows_on_screen:
            self.scroll_to(y=cursor - rows_on_screen + 1, animate=False)

    def _refresh_index(self, index: int) -> None:
        if 0 <= index < len(self._view):
            self._forget_line(self._view[index])
            self.refresh_line(index + 1)

    def _forget_line(self, pos: int) -> None:
        cache = self._line_cache
        if cache:
            for flags in ((0, False), (0, True), (1, False), (1, True)):
                cache.pop((pos, *flags), None)

    def _selection_changed(self) -> None:
        self._header_cache = None
        if self._sort_column == "check":
            self._asc.pop("check", None)
        self.refresh()
        self.post_message(self.SelectionChanged(self, self._sel_count))

    def _post_cursor(self) -> None:
        row = self.cursor_row
        key = row.key if row is not None else None
        if key != self._last_cursor_key:
            self._last_cursor_key = key
            self.post_message(self.CursorMoved(self, row, self._cursor))

    def _get_styles(self) -> dict[str, Style]:
        if self._styles is None:
            get = self.get_component_rich_style
            styles = {"base": self.rich_style}
            for name in self.COMPONENT_CLASSES:
                styles[name.removeprefix("order-table--")] = get(name, partial=True)
            self._styles = styles
        return self._styles

    def _current_layout(self) -> list[tuple[Column, int]]:
        width = self.scrollable_content_region.width
        key = (width, self._has_identifier, tuple(sorted(self._ideal.items())))
        if key != self._layout_key:
            self._layout = layout_columns(
                width, has_identifier=self._has_identifier, ideal=self._ideal, check=self.selectable
            )
            self._layout_key = key
            self._line_cache.clear()
            self._header_cache = None
        return self._layout

    def render_line(self, y: int) -> Strip:
        layout = self._current_layout()
        width = self.size.width
        styles = self._get_styles()
        if y == 0:
            if self._header_cache is None or self._header_cache.cell_length != width:
                self._header_cache = self._render_header(layout, width, styles)
            return self._header_cache
        index = int(self.scroll_offset.y) + y - 1
        view = self._view
        if index >= len(view):
            if not view and y == 1:
                text = fit(
                    " " + (self.empty_text if not self._rows else "No order matches the filter."),
                    width,
                )
                return Strip([Segment(text, styles["base"] + styles["empty"])], width)
            return Strip.blank(width, styles["base"])
        pos = view[index]
        cache_key = (pos, self._sel[pos], index == self._cursor)
        strip = self._line_cache.get(cache_key)
        if strip is None or strip.cell_length != width:
            strip = self._render_row(
                self._rows[pos], pos, layout, width, styles, bool(cache_key[1]), cache_key[2]
            )
            if len(self._line_cache) > 4096:
                self._line_cache.clear()
            self._line_cache[cache_key] = strip
        return strip

    def _render_header(
        self, layout: list[tuple[Column, int]], width: int, styles: dict[str, Style]
    ) -> Strip:
        style = styles["base"] + styles["header"]
        parts: list[str] = []
        for column, w in layout:
            label = column.label
            if column.key == "check":
                label = "[x]" if self._all_visible_selected() else "[ ]"
            elif column.key == self._sort_column:
                label = f"{label}{'▼' if self._sort_reverse else '▲'}"
            parts.append(fit(label, w, right=column.right))
        text = (" " * SEP).join(parts)
        return Strip([Segment(fit(text, width), style)], width)

    def _all_visible_selected(self) -> bool:
        view = self._view
        if not view or self._sel_count < len(view):
            return False
        if self._sel_count == len(self._rows):
            return True
        return sum(map(self._sel.__getitem__, view)) == len(view)

    def _cell(
        self, row: OrderRow, pos: int, key: str, width: int, selected: bool
    ) -> tuple[str, str | None]:
        """Text (exactly `width` cells) and style class of one cell."""
        if key == "check":
            return ("[x]" if selected else "[ ]"), None
        if key == "id":
            return fit(row.id, width), None
        if key == "state":
            mark = self._marks.get(pos)
            if mark is not None:
                return fit(MARK_TEXT.get(mark, mark), width), "state-" + STATE_CLASS.get(
                    mark, "open"
                )
            if row.state is None:
                return self._unknown(row, width)
            return fit(row.state, width), "state-" + STATE_CLASS.get(row.state, "open")
        if key == "side":
            side = row.side
            if side is None:
                return self._unknown(row, width)
            buy = row.is_buy
            return fit(side, width), ("bid" if buy else "ask" if buy is False else None)
        if key in ("price", "volume", "remaining"):
            value = getattr(row, key)
            if value is None:
                return self._unknown(row, width, right=True)
            text = fmt_amount(value)
            if len(text) > width:
                text = fmt_amount(value, group=False)
            return fit(text, width, right=True), None
        if key == "created":
            if row.created_at is None:
                return self._unknown(row, width)
            return fit(fmt_time(row.created_at, width), width), None
        if key == "identifier":
            if row.identifier is None:
                if row.known or row.exchange.value != "upbit":
                    return " " * width, None
                return self._unknown(row, width)
            return fit(row.identifier, width), None
        value = getattr(row, _ATTR[key])
        if value is None:
            return self._unknown(row, width)
        return fit(value, width), None

    @staticmethod
    def _unknown(row: OrderRow, width: int, right: bool = False) -> tuple[str, str | None]:
        if row.known:
            return " " * width, None
        return fit(UNKNOWN if width >= len(UNKNOWN) else "?", width, right=right), "unknown"

    def _render_row(
        self,
        row: OrderRow,
        pos: int,
        layout: list[tuple[Column, int]],
        width: int,
        styles: dict[str, Style],
        selected: bool,
        cursor: bool,
    ) -> Strip:
        base = styles["base"]
        if selected:
            base = base + styles["selected"]
        if cursor:
            base = base + styles["cursor"]
        # Runs of cells in the same style become one segment: fewer segments make every later
        # step (compositor crops, filters, the driver) cheaper.
        segments: list[Segment] = []
        run: list[str] = []
        gap = " " * SEP
        used = 0
        for n, (column, w) in enumerate(layout):
            if n:
                run.append(gap)
                used += SEP
            text, cls = self._cell(row, pos, column.key, w, selected)
            used += w
            if cls is None:
                run.append(text)
                continue
            if run:
                segments.append(Segment("".join(run), base))
                run = []
            if cursor:
                # On the cursor row keep the cursor's colours; keep only the emphasis.
                style = base + Style(bold=styles[cls].bold, italic=styles[cls].italic)
            else:
                style = base + styles[cls]
            segments.append(Segment(text, style))
        if used < width:
            run.append(" " * (width - used))
        if run:
            segments.append(Segment("".join(run), base))
        return Strip(segments, width)
