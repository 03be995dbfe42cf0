"""What the order table widget declares to Textual: keys, component classes, default CSS,
the messages it posts, and the scrolling arithmetic. The behaviour is in `view.OrderTable`."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView

from tui.core.models.row import OrderRow

if TYPE_CHECKING:
    from tui.ui.table.model import TableModel
    from tui.ui.table.view import OrderTable


class OrderTableBase(ScrollView, can_focus=True):
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
        "order-table--closed",
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

    # Written for the concrete class, so not scoped to this base's name.
    SCOPED_CSS: ClassVar[bool] = False
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
        & > .order-table--closed { color: $text-muted; }
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

    model: TableModel
    _last_cursor_key: str | None

    # ---- messages (handlers: on_order_table_cursor_moved, ...) ------------------------------------
    class CursorMoved(Message, namespace="order_table"):
        """The row under the cursor changed (row is None when the view is empty)."""

        def __init__(self, table: OrderTable, row: OrderRow | None, index: int) -> None:
            super().__init__()
            self.table = table
            self.row = row
            self.index = index

        @property
        def control(self) -> OrderTable:
            return self.table

    class SelectionChanged(Message, namespace="order_table"):
        """The set of selected rows changed."""

        def __init__(self, table: OrderTable, count: int) -> None:
            super().__init__()
            self.table = table
            self.count = count

        @property
        def control(self) -> OrderTable:
            return self.table

    class ViewChanged(Message, namespace="order_table"):
        """Rows showed or hid, or their order changed (set, add, remove, sort, filter, an
        update that moved rows)."""

        def __init__(self, table: OrderTable, total: int, visible: int) -> None:
            super().__init__()
            self.table = table
            self.total = total
            self.visible = visible

        @property
        def control(self) -> OrderTable:
            return self.table

    def _table_styles(self) -> dict[str, Style]:
        """The rich style of each component class, by its short name ("cursor", "state-done")."""
        get = self.get_component_rich_style
        styles = {"base": self.rich_style}
        for name in self.COMPONENT_CLASSES:
            style = get(name, partial=True)
            if style.color is not None:
                # A partial style keeps a translucent color ($text-muted) unblended, which a
                # terminal shows as full white: take the color blended onto the background.
                style += Style(color=get(name).color)
            styles[name.removeprefix("order-table--")] = style
        return styles

    # ---- scrolling ----------------------------------------------------------------------------
    @property
    def _rows_on_screen(self) -> int:
        return self.scrollable_content_region.height - 1  # the header takes a line

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(
            max(1, self.scrollable_content_region.width), self.model.visible_count + 1
        )

    def _page(self) -> int:
        return max(1, self.scrollable_content_region.height - 2)

    def _scroll_cursor_into_view(self) -> None:
        rows_on_screen = self._rows_on_screen
        if rows_on_screen <= 0:
            return
        top = int(self.scroll_offset.y)
        cursor = self.model.cursor_index
        if cursor < top:
            self.scroll_to(y=cursor, animate=False)
        elif cursor >= top + rows_on_screen:
            self.scroll_to(y=cursor - rows_on_screen + 1, animate=False)

    def _refresh_index(self, index: int) -> None:
        if 0 <= index < self.model.visible_count:
            self.refresh_line(index + 1)

    def _post_cursor(self) -> None:
        """Tell others when the cursor is on another row."""
        row = self.model.cursor_row
        key = row.key if row is not None else None
        if key != self._last_cursor_key:
            self._last_cursor_key = key
            self.post_message(self.CursorMoved(self, row, self.model.cursor_index))  # type: ignore[arg-type]
