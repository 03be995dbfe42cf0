"""A yes/no question (e.g. "Abort the run?")."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding

from tui.ui.screens.guard import GuardedModal
from tui.ui.widgets.plain import Plain


class AskScreen(GuardedModal):
    VARIANT = "-warning"
    """`y` answers yes only once the question has been shown for CONFIRM_GUARD_S (abort a
    run, quit during one); `n` / `escape` answer no at once."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="ask.yes"),
        Binding("n", "answer(False)", "No", id="ask.no"),
        Binding("escape", "answer(False)", "No", show=False, id="ask.escape"),
    ]

    def __init__(self, question: str, detail: str = "", yes: str = "yes", no: str = "no") -> None:
        super().__init__()
        self.question, self.detail, self.yes, self.no = question, detail, yes, no

    def compose(self) -> ComposeResult:
        with self.dialog_box():
            yield Plain(self.question, id="q")
            if self.detail:
                yield Plain(self.detail, id="detail")
            yield Plain(f"y: {self.yes} · n / escape: {self.no}", id="keys")

    def action_answer(self, value: bool) -> None:
        if value and not self.shown_long_enough():
            return
        self.dismiss(value)
