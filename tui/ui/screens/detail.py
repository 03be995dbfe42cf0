"""One order's full detail on its own screen (enter on a row)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding

from tui.core.events import OrderResult
from tui.core.models.row import OrderRow
from tui.ui.screens.dialog import DialogScreen
from tui.ui.widgets.order_detail import OrderDetail
from tui.ui.widgets.plain import Plain


class DetailScreen(DialogScreen[None]):
    VARIANT = "-tall"
    BINDINGS = [
        Binding("escape,q,enter", "close", "Close", id="detail.close"),
        Binding("y", "copy", "Copy JSON", id="detail.copy"),
    ]

    def __init__(self, row: OrderRow | None, result: OrderResult | None = None) -> None:
        super().__init__()
        self.row = row
        self.result = result

    def compose(self) -> ComposeResult:
        row = self.row or (self.result.row if self.result else None)
        title = f"Order {row.id}" if row else "Order"
        with self.dialog_box():
            yield Plain(title, id="title")
            yield OrderDetail()
            yield Plain("y: copy JSON (OSC 52) · escape: close", id="keys")

    def on_mount(self) -> None:
        detail = self.query_one(OrderDetail)
        detail.show(self.row, self.result)
        detail.focus()

    def action_copy(self) -> None:
        from tui.ui.clipboard import copy_order_json

        copy_order_json(
            self.app, self.row or (self.result.row if self.result else None), self.result
        )

    def action_close(self) -> None:
        self.dismiss(None)
