"""The top line: app name, profile, exchange and region (or account), DEMO badge, the order
stream's state (live / reconnecting / off, with the reason), rate meter.

It shows the app's `connection` and `stream_status` state (watched: tui/ui/app_state.py),
under a modal too.

One line at any width: the target (exchange, region or account, host) is fitted to the space
left, dropping the host first, then shortening a long account id in the middle, and only then
cut with an ellipsis. The fit is redone on every resize.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from tui.core.models.stream import StreamState, StreamStatus
from tui.ui.app_access import ordertui_app_or_none
from tui.ui.app_state import ConnectionState
from tui.ui.formatting import safe_text
from tui.ui.widgets.plain import Plain
from tui.ui.widgets.rate_meter import RateMeter

COMPACT_BELOW = 100  # columns: below this the rate meter drops its bar


def shorten_id(value: str, width: int) -> str:
    """ "a8aa99c7-97f8-4282-90cc-38fa7187c1ea" -> "a8aa99c7…c1ea": both ends stay readable."""
    if len(value) <= width:
        return value
    if width < 6:
        return value[: max(1, width - 1)] + "…"
    tail = max(2, (width - 1) // 3)
    return value[: width - 1 - tail] + "…" + value[-tail:]


HeaderState = ConnectionState  # what the header shows (tui/ui/app_state.py)


def stream_text(status: StreamStatus | None) -> str:
    """ "● live", "reconnecting (connection lost), retry 2 in 1.3 s", "stream off (reason)"."""
    if status is None:
        return ""
    if status.state is StreamState.LIVE:
        return "● live"
    line = status.line()  # "stream upbit: reconnecting (…)": the exchange is shown already
    rest = line.split(": ", 1)[1] if ": " in line else line
    return rest if status.state is StreamState.RECONNECTING else f"stream {rest}"


def cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "…"


def fit_target(state: HeaderState, width: int) -> str:
    """The fullest form of the target that fits `width` cells."""
    where = state.where
    if state.host and len(where) + 3 + len(state.host) <= width:
        return f"{where} · {state.host}"
    account = state.account_id
    if len(where) <= width or not account or account not in where:
        return where
    prefix = where[: where.index(account)]
    return prefix + shorten_id(account, max(3, width - len(prefix)))


class HeaderBar(Horizontal):
    DEFAULT_CSS = """
    HeaderBar {
        height: 1;
        dock: top;
        background: $panel;
        color: $foreground;
        & > Static { width: auto; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
        & > #hb-app { text-style: bold; color: $text-primary; }
        & > #hb-profile { color: $text-muted; max-width: 30; }
        & > #hb-target { width: 1fr; }
        & > #hb-target.error { color: $text-error; }
        & > #hb-rate { width: 22; text-align: right; }
        & > #hb-rate.compact { width: 15; }
        & > #hb-demo { background: $warning; color: $background; text-style: bold; display: none; }
        & > #hb-demo.on { display: block; }
        & > #hb-stream { color: $text-muted; padding: 0 1 0 0; }
        & > #hb-stream.-live { color: $text-success; }
        & > #hb-stream.-reconnecting { color: $text-warning; }
        & > #hb-stream.-off { color: $text-error; }
    }
    """

    def compose(self) -> ComposeResult:
        yield Plain("ordertui", id="hb-app")
        yield Plain("", id="hb-demo")
        yield Plain("connecting…", id="hb-profile")
        yield Plain("", id="hb-target")
        yield Plain("", id="hb-stream")
        yield RateMeter(id="hb-rate")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._state: ConnectionState | None = None
        self._stream: StreamStatus | None = None

    def on_mount(self) -> None:
        app = ordertui_app_or_none(self)
        if app is not None:  # called now with the current state, then on every change
            self.watch(app, "connection", self._connection_changed)
            self.watch(app, "stream_status", self._stream_changed)
        self._apply()

    def _connection_changed(self, state: ConnectionState | None) -> None:
        self._state = state
        self._apply()

    def _stream_changed(self, status: StreamStatus | None) -> None:
        self._stream = status
        self._apply()

    @property
    def stream_shown(self) -> str:
        """What the stream state shows now (for tests)."""
        try:
            return str(self.query_one("#hb-stream", Static).render())
        except Exception:
            return ""

    def on_resize(self) -> None:
        self._apply()

    @property
    def target_text(self) -> str:
        """What the target shows now (for tests and the tooltip)."""
        try:
            return str(self.query_one("#hb-target", Static).render())
        except Exception:
            return ""

    def _apply(self) -> None:
        if not self.is_mounted:
            return
        try:
            profile = self.query_one("#hb-profile", Static)
            target = self.query_one("#hb-target", Static)
            badge = self.query_one("#hb-demo", Static)
            stream = self.query_one("#hb-stream", Static)
            meter = self.query_one(RateMeter)
        except Exception:  # not composed yet: on_mount applies it
            return
        width = self.size.width or self.app.size.width
        meter.set_compact(width < COMPACT_BELOW)
        state = self._state
        if state is None:
            return
        profile.update(state.profile)
        badge.update("DEMO" if state.demo else "")
        badge.set_class(state.demo, "on")
        target.set_class(state.error, "error")
        # What is left for the target once everything else has its width (padding 1 each side).
        used = len("ordertui") + 2 + meter.cell_width + min(len(state.profile) + 2, 30)
        if state.demo:
            used += len("DEMO") + 2
        room = max(1, width - used - 2)
        status = self._stream
        live = stream_text(status)
        for name in ("live", "reconnecting", "off"):
            stream.set_class(status is not None and status.state.value == name, f"-{name}")
        if live:  # the target keeps its short form; the stream gets the rest
            spare = room - len(state.where) - 1
            if len(live) <= spare:
                shown = live
            elif status is not None and status.state is StreamState.LIVE:
                shown = "●"  # narrow: the dot (green) says live; the tooltip says it in words
            else:
                shown = cut(live, max(14, spare))
            stream.update(shown)
            stream.display = True
            room = max(1, room - len(shown) - 1)
            stream.tooltip = safe_text(status.line()) if status is not None else None
        else:
            stream.update("")
            stream.display = False
        text = fit_target(state, room)
        target.update(text)
        # A str tooltip is read as markup; `where` may be a connection error quoting the server.
        target.tooltip = safe_text(f"{state.where} · {state.host}" if state.host else state.where)
