"""`p`: switch between configured profiles (and the demo)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.ui.formatting import safe_text
from tui.ui.screens.dialog import DialogScreen
from tui.ui.widgets.plain import Plain

DEMO_UPBIT = "\x00demo-upbit"
DEMO_B2 = "\x00demo-b2trader"


class ProfilesScreen(DialogScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="profiles.cancel")]

    def __init__(self, profiles: list[tuple[str, str]], current: str | None) -> None:
        """profiles: (name, description) pairs from the config."""
        super().__init__()
        self.profiles = profiles
        self.current = current

    def compose(self) -> ComposeResult:
        options = [
            Option(
                # names and accounts from the config file: not markup
                safe_text(f"{name}  ·  {desc}" + ("  (in use)" if name == self.current else "")),
                id=name,
            )
            for name, desc in self.profiles
        ]
        options.append(Option("demo  ·  Upbit on the built-in simulator", id=DEMO_UPBIT))
        options.append(Option("demo  ·  B2TRADER on the built-in simulator", id=DEMO_B2))
        with self.dialog_box():
            yield Plain("Switch profile", id="title")
            yield OptionList(*options)
            hint = (
                "No profiles configured yet: `ordertui config add NAME`. "
                if not self.profiles
                else ""
            )
            yield Plain(hint + "enter: switch · escape: cancel", id="keys")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
