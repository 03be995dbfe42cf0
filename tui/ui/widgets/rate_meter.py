"""Requests left this second, as the exchange reports them (Upbit's Remaining-Req)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

BAR = 6


class RateMeter(Static):
    DEFAULT_CSS = """
    RateMeter { width: 22; padding: 0 1; color: $text-muted; text-align: right; }
    RateMeter.low { color: $text-warning; }
    RateMeter.empty { color: $text-error; text-style: bold; }
    """

    def on_mount(self) -> None:
        self.set_rate(None, None)

    def set_rate(self, remaining: int | None, limit: int | None) -> None:
        if remaining is None or not limit:
            self.update(Text("rate –/s"), layout=False)
            self.set_class(False, "low")
            self.set_class(False, "empty")
            return
        remaining = max(0, min(remaining, limit))
        filled = round(BAR * remaining / limit)
        text = Text.assemble("rate ", ("▮" * filled), ("▯" * (BAR - filled)), f" {remaining}/{limit}/s")
        self.update(text, layout=False)
        self.set_class(remaining <= limit // 5 and remaining > 0, "low")
        self.set_class(remaining == 0, "empty")
        self.tooltip = f"{remaining} of {limit} requests left this second"
