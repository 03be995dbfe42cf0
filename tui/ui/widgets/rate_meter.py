"""Requests left this second, as the exchange reports them (Upbit's Remaining-Req)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.ui.app_access import ordertui_app_or_none
from tui.ui.app_state import RateReading

BAR = 6
WIDE = 22  # "rate ▮▮▮▮▮▯ 30/30/s" with padding
COMPACT = 15  # "rate 30/30/s" with padding: narrow terminals


class RateMeter(Static):
    DEFAULT_CSS = """
    RateMeter { width: 22; padding: 0 1; color: $text-muted; text-align: right; text-wrap: nowrap; }
    RateMeter.compact { width: 15; }
    RateMeter.low { color: $text-warning; }
    RateMeter.empty { color: $text-error; text-style: bold; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.reading: RateReading = (None, None)
        self.compact = False

    @property
    def cell_width(self) -> int:
        return COMPACT if self.compact else WIDE

    def on_mount(self) -> None:
        app = ordertui_app_or_none(self)
        if app is not None:  # the current reading at once, then every change (app_state.py)
            self.watch(app, "rate_reading", self._reading_changed)
        self._render_reading()

    def _reading_changed(self, reading: RateReading) -> None:
        self.set_rate(*reading)

    def set_compact(self, compact: bool) -> None:
        if compact != self.compact:
            self.compact = compact
            self.set_class(compact, "compact")
            self._render_reading()

    def set_rate(self, remaining: int | None, limit: int | None) -> None:
        if (remaining, limit) == self.reading and self.is_mounted:
            return
        self.reading = (remaining, limit)
        self._render_reading()

    def _render_reading(self) -> None:
        remaining, limit = self.reading
        if remaining is None or not limit:
            self.update(Text("rate –/s"), layout=False)
            self.set_class(False, "low")
            self.set_class(False, "empty")
            self.tooltip = "no rate-limit reading from the exchange"
            return
        remaining = max(0, min(remaining, limit))
        filled = round(BAR * remaining / limit)
        if self.compact:
            text = Text(f"rate {remaining}/{limit}/s")
        else:
            text = Text.assemble(
                "rate ", ("▮" * filled), ("▯" * (BAR - filled)), f" {remaining}/{limit}/s"
            )
        self.update(text, layout=False)
        self.set_class(remaining <= limit // 5 and remaining > 0, "low")
        self.set_class(remaining == 0, "empty")
        self.tooltip = f"{remaining} of {limit} requests left this second"
