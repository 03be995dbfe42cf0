"""The top line: app name, profile, exchange and region (or account), DEMO badge, rate meter."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from tui.ui.widgets.plain import Plain
from textual.widgets import Static

from tui.ui.widgets.rate_meter import RateMeter


class HeaderBar(Horizontal):
    DEFAULT_CSS = """
    HeaderBar {
        height: 1;
        dock: top;
        background: $panel;
        color: $foreground;
        & > Static { width: auto; padding: 0 1; }
        & > #hb-app { text-style: bold; color: $text-primary; }
        & > #hb-profile { color: $text-muted; }
        & > #hb-target { width: 1fr; }
        & > #hb-rate { width: 22; text-align: right; }
        & > #hb-demo { background: $warning; color: $background; text-style: bold; display: none; }
        & > #hb-demo.on { display: block; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Plain("ordertui", id="hb-app")
        yield Plain("", id="hb-demo")
        yield Plain("connecting…", id="hb-profile")
        yield Plain("", id="hb-target")
        yield RateMeter(id="hb-rate")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._state: tuple | None = None

    def on_mount(self) -> None:
        if self._state is not None:
            self._apply(*self._state)

    def show(self, *, profile: str, where: str, host: str | None, demo: bool) -> None:
        self._state = (f"profile {profile}", where if not host else f"{where} · {host}", where, demo)
        if self.is_mounted:
            self._apply(*self._state)

    def show_error(self, text: str) -> None:
        self._state = ("not connected", text, text, False)
        if self.is_mounted:
            self._apply(*self._state)

    def _apply(self, profile: str, long_target: str, short_target: str, demo: bool) -> None:
        try:
            self.query_one("#hb-profile", Static).update(profile)
            wide = self.app.size.width >= 100
            self.query_one("#hb-target", Static).update(long_target if wide else short_target)
            badge = self.query_one("#hb-demo", Static)
        except Exception:  # not composed yet: on_mount applies it
            return
        badge.update("DEMO" if demo else "")
        badge.set_class(demo, "on")
