"""Every field of one order (all Upbit fields incl. SMP, or all B2TRADER fields), and for a
failed cancel the exchange's error name, message and the hint."""

from __future__ import annotations

from typing import Any

from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui.core.events import OrderResult
from tui.core.models.row import OrderRow
from tui.ui.formatting import safe_text
from tui.ui.widgets.plain import Plain

OUTCOME_STYLE = {
    "cancelled": "bold green",
    "failed": "bold red",
    "unknown": "bold yellow",
    "not_sent": "italic",
}


def order_fields(row: OrderRow) -> list[tuple[str, str]]:
    """(field, value) for every documented field in the exchange's order, then any extra field
    the exchange sent. Values are the exchange's own text (amounts exactly as sent)."""
    order = row.order
    if order is None:
        return [(row.id_kind.value, row.id), ("details", "unknown until looked up (l)")]
    raw = order.raw
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name in type(order).model_fields:
        seen.add(name)
        if name == "remaining_fee" and name not in raw and "remaing_fee" in raw:
            value = raw["remaing_fee"]
            seen.add("remaing_fee")
        else:
            value = raw.get(name)
        out.append((name, _text(value)))
    for name, value in raw.items():
        if name not in seen:
            out.append((name, _text(value)))
    return out


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        from tui.core import decimal_json

        return decimal_json.dumps(value)
    return str(value)


def confirmed_text(row: OrderRow | None, result: OrderResult) -> str:
    """How the outcome is known. Upbit's cancel answer shows the order before the cancel, so a
    look-up confirms it; B2TRADER has no look-up, but its answer already shows the final status."""
    if not result.confirmed:
        return "no"
    if result.by_stream:
        state = row.state if row is not None and row.state else "closed"
        return f"yes (the order stream said {state})"
    from tui.core.models.row import Exchange

    exchange = (
        row.exchange
        if row is not None
        else (Exchange.B2TRADER if result.ref.kind.value == "order_id" else Exchange.UPBIT)
    )
    if exchange is Exchange.B2TRADER:
        state = row.state if row is not None and row.state else "final"
        return f"yes (the exchange's answer showed it {state})"
    return "yes (looked up)"


def detail_renderable(row: OrderRow | None, result: OrderResult | None = None) -> Table | Text:
    if row is None and result is None:
        return Text("Move onto an order to see every field.", style="italic")
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    if result is not None:
        outcome = result.outcome.value
        table.add_row(
            "outcome", Text(outcome.replace("_", " "), style=OUTCOME_STYLE.get(outcome, ""))
        )
        if result.error is not None:
            err = result.error
            table.add_row("error", safe_text(err.name, style="bold red"))
            if err.status is not None:
                table.add_row("status", str(err.status))
            table.add_row("message", safe_text(err.message or "—"))
            table.add_row("hint", safe_text(err.hint or "—", style="italic"))
        table.add_row("attempts", str(result.attempts))
        if row is None:
            row = result.row
        table.add_row("confirmed", safe_text(confirmed_text(row, result)))
        table.add_row("", "")
    if row is None and result is not None:
        row = result.row
    if row is not None:
        table.add_row("exchange", row.exchange.value)
        for name, value in order_fields(row):  # names and values are the exchange's
            table.add_row(safe_text(name), safe_text(value))
    return table


class OrderDetail(VerticalScroll):
    """A scrollable field list; `show(row, result)` replaces it."""

    DEFAULT_CSS = """
    OrderDetail { height: 1fr; background: $surface; padding: 0 1; }
    OrderDetail > Static { width: 1fr; }
    """

    def compose(self):
        yield Plain(detail_renderable(None), id="detail-body")

    row: OrderRow | None = None
    result: OrderResult | None = None

    def plain_text(self, width: int = 120) -> str:
        """Everything the panel holds (also what is scrolled out of view), as plain text."""
        from rich.console import Console

        console = Console(
            width=width, record=True, color_system=None, file=__import__("io").StringIO()
        )
        console.print(detail_renderable(self.row, self.result))
        return console.export_text()

    def show(self, row: OrderRow | None, result: OrderResult | None = None) -> None:
        self.row = row
        self.result = result
        self.query_one("#detail-body", Static).update(detail_renderable(row, result))
        self.scroll_home(animate=False)
