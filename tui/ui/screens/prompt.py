"""Ask for one line of text (a file path), with a default already filled in."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Input

from tui.ui.screens.dialog import DialogScreen
from tui.ui.widgets.plain import Plain


class PromptScreen(DialogScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(
        self,
        title: str,
        value: str = "",
        help_text: str = "enter: OK · escape: cancel",
        placeholder: str = "",
    ) -> None:
        super().__init__()
        self.title_text, self.value, self.help_text, self.placeholder = (
            title,
            value,
            help_text,
            placeholder,
        )

    def compose(self) -> ComposeResult:
        with self.dialog_box():
            yield Plain(self.title_text, id="title")
            yield Input(value=self.value, placeholder=self.placeholder, id="value")
            yield Plain(self.help_text, id="keys")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.focus()
        field.cursor_position = len(field.value)

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if value:
            self.dismiss(value)

    def action_cancel(self) -> None:
        self.dismiss(None)
