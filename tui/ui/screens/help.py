"""`?`: every binding, by where it applies, with the user's keymap applied and each binding's id."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from tui.ui.widgets.plain import Plain
from textual.widgets import Static

from tui.ui.formatting import short_path
from tui.ui.keymap import help_rows, keymap_path

INTRO = (
    "Select orders with space (or a for all shown), press c, check the summary, press y.\n"
    "Paste ids straight into the terminal (bracketed paste) to add them; i imports a file."
)


def help_renderable(keymap: dict[str, str] | None = None) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(no_wrap=True, style="bold")
    table.add_column()
    table.add_column(style="dim", no_wrap=True)
    for title, rows in help_rows(keymap):
        table.add_row(Text(title, style="bold underline"), "", "")
        for keys, description, binding_id in rows:
            table.add_row(keys, description, binding_id)
        table.add_row("", "", "")
    return table


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]

    def __init__(self, keymap: dict[str, str] | None = None) -> None:
        super().__init__()
        self.keymap = keymap or {}

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Plain(INTRO, id="intro")
            with VerticalScroll(id="keys"):
                yield Plain(help_renderable(self.keymap))
            yield Plain(f"Rebind any key by id in {short_path(keymap_path())} ([keys] \"id\" = \"key,key\"). "
                         "escape closes.", id="keymap")

    def on_mount(self) -> None:
        self.query_one("#keys").focus()

    def action_close(self) -> None:
        self.dismiss(None)
