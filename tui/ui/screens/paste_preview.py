"""What a paste or an import found, before anything is added: N found, M lines ignored (with
line numbers and why), duplicates dropped."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll

from tui.core.models.row import Exchange
from tui.core.visible import visible
from tui.ui.formatting import safe_text
from tui.ui.screens.dialog import DialogScreen
from tui.ui.widgets.plain import Plain

PREVIEW_ROWS = 8
IGNORED_ROWS = 50


def preview_notes(result, *, exchange: str, in_table: set[str]) -> list[str]:
    """What the user should know before adding: ids already in the table, and ids of a kind
    the current exchange cannot cancel (B2TRADER order ids on Upbit, or the other way)."""
    notes = []
    already = sum(1 for ref in result.refs if ref.key in in_table)
    if already:
        notes.append(f"{already:,} already in the table (they are updated, not doubled)")
    b2 = sum(1 for ref in result.refs if ref.kind.value == "order_id")
    if exchange == Exchange.UPBIT and b2:
        notes.append(
            f"{b2:,} B2TRADER order id{'s' if b2 != 1 else ''}: this Upbit session cannot cancel "
            f"{'it' if b2 == 1 else 'them'} (switch profile with p)"
        )
    upbit = len(result.refs) - b2
    if exchange == Exchange.B2TRADER and upbit:
        notes.append(
            f"{upbit:,} Upbit id{'s' if upbit != 1 else ''}: this B2TRADER session cannot cancel "
            f"{'it' if upbit == 1 else 'them'} (switch profile with p)"
        )
    return notes


def preview_renderable(result, *, source: str, notes: list[str] | None = None) -> Group:
    found = len(result.refs)
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")
    head = Text.assemble(
        (f"{found:,} order{'s' if found != 1 else ''} found", "bold green" if found else "bold"),
        ", ",
        (
            f"{len(result.ignored):,} line{'s' if len(result.ignored) != 1 else ''} ignored",
            "bold yellow" if result.ignored else "",
        ),
    )
    if result.duplicates:
        head.append(
            f", {result.duplicates:,} duplicate{'s' if result.duplicates != 1 else ''} dropped"
        )
    head.append(visible(f"  ({source}, read as {result.format})"), style="italic")
    if found:
        table.add_row(Text("Found", style="bold"), "")
        known = {r.key: r for r in result.rows}
        for ref in result.refs[:PREVIEW_ROWS]:
            row = known.get(ref.key)
            extra = ""
            if row is not None and row.known:
                extra = f"  {row.market or ''} {row.side or ''} {row.state or ''}".rstrip()
            table.add_row(f"  {ref.kind.value}", safe_text(f"{ref.value}{extra}"))
        if found > PREVIEW_ROWS:
            table.add_row("", Text(f"… and {found - PREVIEW_ROWS:,} more", style="italic"))
    if result.ignored:
        if found:
            table.add_row("", "")
        table.add_row(Text("Ignored", style="bold yellow"), "")
        for item in result.ignored[:IGNORED_ROWS]:
            where = f"  line {item.line_no}" if item.line_no is not None else f"  {item.text}"
            shown = f": {item.text}" if item.line_no is not None and item.text else ""
            table.add_row(safe_text(where), safe_text(f"{item.reason}{shown}"))
        if len(result.ignored) > IGNORED_ROWS:
            table.add_row(
                "", Text(f"… and {len(result.ignored) - IGNORED_ROWS:,} more", style="italic")
            )
    parts = [head]
    for note in notes or ():
        parts.append(Text(f"Note: {note}", style="yellow"))
    return Group(*parts, Text(""), table)


class PastePreviewScreen(DialogScreen[bool]):
    BINDINGS = [
        Binding("enter", "add", "Add to table", id="preview.add"),
        Binding("a", "add", "Add", show=False, id="preview.add_a"),
        Binding("escape", "cancel", "Cancel", id="preview.cancel"),
    ]

    def __init__(self, result, *, source: str = "paste", notes: list[str] | None = None) -> None:
        super().__init__()
        self.result = result
        self.source = source
        self.notes = notes or []

    def compose(self) -> ComposeResult:
        found = len(self.result.refs)
        with self.dialog_box():
            source = "the paste" if self.source == "paste" else self.source
            yield Plain(
                f"Add {found:,} order{'s' if found != 1 else ''} from {source}?", id="title"
            )
            with VerticalScroll():
                yield Plain(
                    preview_renderable(self.result, source=self.source, notes=self.notes),
                    id="preview",
                )
            keys = (
                "enter: add to the table · escape: cancel"
                if found
                else "Nothing to add · escape: close"
            )
            yield Plain(keys, id="keys")

    def action_add(self) -> None:
        self.dismiss(bool(self.result.refs))

    def action_cancel(self) -> None:
        self.dismiss(False)
