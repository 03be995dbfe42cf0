"""Settings: where the config, journal, themes and keymap live; the profile in use, secrets masked."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll

from tui.ui.formatting import safe_text
from tui.ui.screens.dialog import DialogScreen
from tui.ui.widgets.plain import Plain


class SettingsScreen(DialogScreen[None]):
    BINDINGS = [Binding("escape,q", "close", "Close", id="settings.close")]

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for key, value in self.rows:
            table.add_row(key, safe_text(value))  # paths and values from the config file
        with self.dialog_box():
            yield Plain("Settings", id="title")
            with VerticalScroll():
                yield Plain(table)
            yield Plain(
                "Edit the config file to add profiles (or run `ordertui config add NAME`). "
                "Secrets are never shown. escape: close",
                id="keys",
            )

    def action_close(self) -> None:
        self.dismiss(None)
