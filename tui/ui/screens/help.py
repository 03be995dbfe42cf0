"""`?`: every binding, by where it applies, with the user's keymap applied and each binding's id."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll

from tui.ui.formatting import short_path
from tui.ui.keymap import help_rows, keymap_path
from tui.ui.screens.dialog import DialogScreen
from tui.ui.widgets.plain import Plain

INTRO = (
    "Select orders with space (or a for all shown), press c, check the summary, press y.\n"
    "Paste ids straight into the terminal (bracketed paste) to add them; i imports a file.\n"
    "Live: rows follow the order stream; closed orders show muted, leave the selection.\n"
    "Header: ● live, reconnecting (why) or stream off (why: palette reconnects)."
)


def help_renderable(keymap: dict[str, str] | None = None) -> Group:
    """One block per section: its title on a line of its own (long titles do not widen the
    key column), then keys, description and id in columns aligned across every section."""
    sections = help_rows(keymap)
    key_width = min(20, max((len(keys) for _, rows in sections for keys, _, _ in rows), default=8))
    id_width = max(
        (len(binding_id) for _, rows in sections for _, _, binding_id in rows), default=8
    )
    blocks: list[RenderableType] = []
    for title, rows in sections:
        blocks.append(Text(title, style="bold underline"))
        table = Table.grid(padding=(0, 2), expand=True)
        table.add_column(no_wrap=True, style="bold", width=key_width)
        table.add_column(ratio=1)
        table.add_column(style="dim", no_wrap=True, width=id_width)
        for keys, description, binding_id in rows:
            table.add_row(keys, description, binding_id)
        blocks.append(table)
        blocks.append(Text(""))
    return Group(*blocks)


class HelpScreen(DialogScreen[None]):
    VARIANT = "-tall"
    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close", id="help.close"),
    ]

    def __init__(self, keymap: dict[str, str] | None = None) -> None:
        super().__init__()
        self.keymap = keymap or {}

    def compose(self) -> ComposeResult:
        with self.dialog_box():
            # The intro scrolls with the keys: at 80x24 every line of the dialog counts.
            with VerticalScroll(id="bindings"):
                yield Plain(INTRO, id="intro")
                yield Plain(help_renderable(self.keymap))
            yield Plain(
                f'Rebind a key by its id in {short_path(keymap_path())}: [keys] "id" = "key,key" '
                '("fixed": Textual\'s own). escape closes.',
                id="keys",
            )

    def on_mount(self) -> None:
        self.query_one("#keys").focus()

    def action_close(self) -> None:
        self.dismiss(None)
