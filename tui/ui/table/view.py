"""The order table widget: a line-API ScrollView that paints only the lines on screen.

Textual's stock DataTable builds cells for every row up front (measured: 14.5 s and 150 MB for
100k rows). This view keeps no data of its own: the rows, selection, filter, sort and visible
order live in `TableModel` (no Textual), the lines come from `Painter` (LRU-cached on what they
show), and the view handles keys, mouse and messages. What it shows of the model's state
(cursor, sort column and direction, filter text) are reactives; setting one (or calling
`move_cursor`, `sort_by`, `set_filter`) goes through the model, and the watchers repaint.

Line 0 is the header and never scrolls; row `i` of the view is virtual line `i + 1`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from textual import events
from textual.reactive import Reactive
from textual.strip import Strip

from tui.core.models.row import OrderRow
from tui.ui.table.columns import COLUMN_KEYS, COLUMN_LABELS, SORTABLE
from tui.ui.table.model import TableModel
from tui.ui.table.render import Painter
from tui.ui.table.widget_base import OrderTableBase


class OrderTable(OrderTableBase):
    """Orders with a checkbox column; keyboard and mouse selection; sort; filter."""

    cursor_index: Reactive[int] = Reactive(0, repaint=False, always_update=True, init=False)
    sort_column: Reactive[str | None] = Reactive(None, repaint=False, init=False)
    sort_reverse: Reactive[bool] = Reactive(False, repaint=False, init=False)
    filter_text: Reactive[str] = Reactive("", repaint=False, init=False)

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
        self.model = TableModel()
        self.painter = Painter(self._table_styles, selectable)
        self._warming = False
        self._seen = (0, 0)  # (view, selection) versions the messages were posted for
        self._last_cursor_key: str | None = None

    # ---- reading (the model's answers) ----------------------------------------------------------
    @property
    def row_count(self) -> int:
        return self.model.row_count

    @property
    def visible_count(self) -> int:
        return self.model.visible_count

    @property
    def selected_count(self) -> int:
        return self.model.selected_count

    @property
    def cursor_row(self) -> OrderRow | None:
        return self.model.cursor_row

    @property
    def selected_keys(self) -> frozenset[str]:
        return self.model.selected_keys

    def get_row(self, key: str) -> OrderRow | None:
        return self.model.get_row(key)

    def is_selected(self, key: str) -> bool:
        return self.model.is_selected(key)

    def is_closed(self, key: str) -> bool:
        return self.model.is_closed(key)

    def all_rows(self) -> list[OrderRow]:
        return self.model.all_rows()

    def visible_rows(self) -> list[OrderRow]:
        return self.model.visible_rows()

    def selected_rows(self) -> list[OrderRow]:
        return self.model.selected_rows()

    def locked_totals(self) -> dict[str, Decimal]:
        """What the selected rows lock per currency, kept per change (not re-summed)."""
        return self.model.locked_totals()

    def hidden_selected_count(self) -> int:
        return self.model.hidden_selected_count()

    def mark_of(self, key: str) -> str | None:
        return self.model.mark_of(key)

    # ---- changes: the model changes, then `_changed` repaints and tells ---------------------------
    def set_rows(self, rows: Iterable[OrderRow]) -> None:
        """Replace every row. Selected keys that still exist stay selected."""
        self.model.set_rows(rows)
        self._changed()
        self._schedule_warm()

    def add_rows(self, rows: Iterable[OrderRow]) -> int:
        """Add rows (each in its sorted place); a key already present replaces its row.
        Returns how many rows were new."""
        added = self.model.add_rows(rows)
        self._changed()
        self._schedule_warm()
        return added

    def update_rows(self, rows: Iterable[OrderRow]) -> int:
        """Replace rows by key (a look-up, a live update); each moves to its place in the sort
        and in or out of the filter, the cursor stays on its row. Unknown keys are ignored."""
        changed = self.model.update_rows(rows)
        self._changed()
        return changed

    def update_fields(self, changes: Mapping[str, Mapping[str, Any]]) -> int:
        """Change fields of rows by key (see `TableModel.update_fields`)."""
        changed = self.model.update_fields(changes)
        self._changed()
        return changed

    def close_rows(self, keys: Iterable[str], state: str | None = None) -> int:
        """Orders that are no longer open: unselected, not selectable, shown muted."""
        found = self.model.close_rows(keys, state)
        self._changed()
        return found

    def remove_rows(self, keys: Iterable[str]) -> int:
        removed = self.model.remove_rows(keys)
        self._changed()
        return removed

    def mark_rows(self, marks: Mapping[str, str | None]) -> None:
        """Lay a run status over rows' state ("sending", "cancelled", "failed", "unknown",
        "not_sent"); None removes the mark. Only lines on screen are repainted."""
        self.model.mark_rows(marks)
        self._changed()

    def sort_by(self, column: str | None, reverse: bool | None = None) -> None:
        """Sort by a column; sorting again by the same column flips the direction.

        Empty values go last in both directions. `None` returns to insertion order.
        The cursor goes to the first row.
        """
        if column is not None and column not in COLUMN_KEYS:
            raise ValueError(f"no such column: {column!r}")
        model = self.model
        if reverse is None:
            reverse = column is not None and column == model.sort_column and not model.sort_reverse
        model.sort(column, reverse)
        self._changed()
        self._schedule_warm()  # the other direction, while idle

    def set_filter(self, text: str) -> None:
        """Show only rows whose id, identifier, market, side, type or state contain every word
        of `text` (case-insensitive). The cursor stays on its row when that row still shows."""
        self.filter_text = text

    def select_keys(self, keys: Iterable[str], selected: bool = True) -> None:
        self.model.select_keys(keys, selected)
        self._changed()

    def clear_selection(self) -> None:
        self.model.clear_selection()
        self._changed()

    def move_cursor(self, index: int) -> None:
        """Put the cursor on view index `index` (clamped) and scroll it into view."""
        self.cursor_index = index

    def move_cursor_to_key(self, key: str) -> bool:
        index = self.model.index_of(key)
        if index is None:
            return False
        self.move_cursor(index)
        return True

    # ---- reactives: validate, then watch (the model is the truth) -------------------------------
    def validate_cursor_index(self, index: int) -> int:
        count = self.model.visible_count
        return 0 if count == 0 else max(0, min(index, count - 1))

    def watch_cursor_index(self, old: int, new: int) -> None:
        if new != self.model.cursor_index:
            self.model.move_cursor(new)
        if old != new:
            self._refresh_index(old)
            self._refresh_index(new)
        self._scroll_cursor_into_view()
        self._post_cursor()

    def validate_filter_text(self, text: str) -> str:
        return " ".join(text.split())

    def watch_filter_text(self, text: str) -> None:
        if text != self.model.filter_text:
            self.model.set_filter(text)
            self._changed()

    def watch_sort_column(self, column: str | None) -> None:
        if column != self.model.sort_column:
            self.sort_by(column, self.sort_reverse)

    def watch_sort_reverse(self, reverse: bool) -> None:
        if reverse != self.model.sort_reverse:
            self.sort_by(self.model.sort_column, reverse)

    def _changed(self) -> None:
        """After any model change: follow the cursor, repaint, post what changed."""
        model = self.model
        view_changed = model.view_version != self._seen[0]
        selection_changed = model.selection_version != self._seen[1]
        self._seen = (model.view_version, model.selection_version)
        if view_changed:
            self._update_virtual_size()
            self._follow_cursor()
        self.refresh()
        if view_changed:
            self.post_message(self.ViewChanged(self, model.row_count, model.visible_count))
        if selection_changed:
            self.post_message(self.SelectionChanged(self, model.selected_count))
        # The reactives follow the model (their watchers see nothing to do; others' run).
        self.sort_column, self.sort_reverse = model.sort_column, model.sort_reverse
        self.filter_text = model.filter_text
        self.cursor_index = model.cursor_index

    def _follow_cursor(self) -> None:
        """The cursor's row keeps its line on screen when it is still the cursor's row (rows
        moving around it do not move it); a cursor sent back to the first row brings the view
        to the top. `self.cursor_index` still holds the index before the change here."""
        row, index = self.model.cursor_row, self.model.cursor_index
        line = self.cursor_index - int(self.scroll_offset.y)
        if (
            row is not None
            and row.key == self._last_cursor_key
            and 0 <= line < self._rows_on_screen
        ):
            self.scroll_to(y=max(0, index - line), animate=False)
        elif index == 0:
            self.scroll_to(y=0, animate=False)

    # ---- keys and mouse ---------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.selectable and action in ("toggle", "select_all", "extend_up", "extend_down"):
            return False
        return True

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_index - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_index + 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_index - self._page())

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_index + self._page())

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self.model.visible_count - 1)

    def action_toggle(self) -> None:  # type: ignore[override]  # the table's own toggle
        if self.model.toggle_cursor():
            self._changed()

    def action_select_all(self) -> None:
        """Select every visible row; when they all are already, clear them instead."""
        if self.model.toggle_visible():
            self._changed()

    def _extend(self, step: int) -> None:
        if self.model.extend(step):
            self._changed()
        self.move_cursor(self.model.cursor_index)

    def action_extend_up(self) -> None:
        self._extend(-1)

    def action_extend_down(self) -> None:
        self._extend(1)

    def action_cycle_sort(self) -> None:
        """Sort by the next column (insertion order after the last one)."""
        order: list[str | None] = [*SORTABLE, None]
        column = self.model.sort_column
        current = order.index(column) if column in order else len(order) - 1
        self.sort_by(order[(current + 1) % len(order)], reverse=False)
        self._notify_sort()

    def action_reverse_sort(self) -> None:
        model = self.model
        if model.sort_column is None:
            self.sort_by("created", reverse=True)
        else:
            self.sort_by(model.sort_column, reverse=not model.sort_reverse)
        self._notify_sort()

    def _notify_sort(self) -> None:
        column = self.model.sort_column
        if column is None:
            self.notify("Sorted in the order the rows were added", timeout=2)
        else:
            arrow = "descending" if self.model.sort_reverse else "ascending"
            self.notify(f"Sorted by {COLUMN_LABELS[column]} ({arrow})", timeout=2)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        event.stop()
        x, y = offset
        column = self.painter.column_at(x)
        if y == 0:
            if column == "check":
                if self.selectable:
                    self.action_select_all()
            elif column is not None:
                self.sort_by(column)
            return
        index = int(self.scroll_offset.y) + y - 1
        if not 0 <= index < self.model.visible_count:
            return
        self.move_cursor(index)
        if self.selectable and column == "check":
            self.action_toggle()

    # ---- idle preparation -------------------------------------------------------------------------
    def on_mount(self) -> None:
        super().on_mount()
        if self.model.row_count:
            self._schedule_warm()

    def _schedule_warm(self) -> None:
        if not self._warming and self.is_mounted:
            self._warming = True
            self.set_timer(0.01, self._warm)

    def _warm(self) -> None:
        """Float sort keys, then search text, a few thousand rows a step (a few ms between key
        presses), so the first sort or filter after a big load does not have to make them."""
        if self.model.warm():
            self.set_timer(0.002, self._warm)
        else:
            self._warming = False

    # ---- painting ---------------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.painter.style_generation += 1

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        self._update_virtual_size()
        self._scroll_cursor_into_view()

    def render_line(self, y: int) -> Strip:
        model, painter, width = self.model, self.painter, self.size.width
        focused = self.has_focus
        painter.styles(focused)
        painter.current_layout(model, self.scrollable_content_region.width)
        if y == 0:
            return painter.header(model, width, focused)
        index = int(self.scroll_offset.y) + y - 1
        if index >= model.visible_count:
            if not model.visible_count and y == 1:
                text = self.empty_text if not model.row_count else "No order matches the filter."
                return painter.message(text, width, focused)
            return painter.blank(width, focused)
        pos = model.visible_pos(index)
        return painter.row(model, pos, index == model.cursor_index, width, focused)
