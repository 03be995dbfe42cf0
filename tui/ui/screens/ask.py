"""A yes/no question (e.g. "Abort the run?")."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from tui.ui.widgets.plain import Plain
from textual.widgets import Static


class AskScreen(ModalScreen[bool]):
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="ask.yes"),
        Binding("n", "answer(False)", "No", id="ask.no"),
        Binding("escape", "answer(False)", "No", show=False, id="ask.escape"),
    ]
    DEFAULT_CSS = """
    AskScreen { align: center middle; }
    AskScreen > Vertical { width: 64; max-width: 100%; height: auto; border: thick $warning; background: $surface; padding: 0 1; }
    AskScreen #q { text-style: bold; }
    AskScreen #detail { padding-top: 1; }
    AskScreen #keys { color: $text-muted; padding-top: 1; }
    """

    def __init__(self, question: str, detail: str = "", yes: str = "yes", no: str = "no") -> None:
        super().__init__()
        self.question, self.detail, self.yes, self.no = question, detail, yes, no

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Plain(self.question, id="q")
            if self.detail:
                yield Plain(self.detail, id="detail")
            yield Plain(f"y: {self.yes} · n / escape: {self.no}", id="keys")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)
