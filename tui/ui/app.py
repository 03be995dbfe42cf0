"""The ordertui app: wiring (screens, keymap, connection, app-wide state) and `run_app`.

Themes: app_themes.py. The command palette and settings rows: app_commands.py. The profile
switcher and the reconcile offer: app_offers.py. The cancel run: cancel_run.py. What the
header and rate meters show lives in the reactives `connection` and `rate_reading`
(app_state.py), which those widgets watch.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from textual import events, work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.reactive import var
from textual.screen import Screen

from tui.core.config import Overrides
from tui.core.errors import OrderTuiError
from tui.core.models.row import Exchange
from tui.core.models.stream import StreamStatus
from tui.ui.app_state import NO_READING, ConnectionState, RateDecay, RateReading
from tui.ui.app_themes import ThemedApp
from tui.ui.cancel_run import CancelRun
from tui.ui.gc_freeze import after_big_load
from tui.ui.live_table import LIVE_EVERY
from tui.ui.quitting import QuitDuringRun, StopSignals, abort_and_quit
from tui.ui.safe_output import SafeOutput
from tui.ui.screens.main import MainScreen
from tui.ui.session import Session

RATE_EVERY = 0.25  # seconds between two looks at the connection's Remaining-Req


def error_text(exc: BaseException) -> str:
    """An exception's message (ordertui errors carry `message`), never empty."""
    message = exc.message if isinstance(exc, OrderTuiError) else None
    return message or str(exc) or type(exc).__name__


class OrderTuiApp(SafeOutput, ThemedApp):
    CSS_PATH = "styles.tcss"
    TITLE = "ordertui"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("t", "pick_theme", "Theme", show=False, id="app.theme"),
    ]

    # App-wide state the widgets watch (tui/ui/app_state.py); set here only.
    connection: var[ConnectionState | None] = var(None)
    rate_reading: var[RateReading] = var(NO_READING)
    stream_status: var[StreamStatus | None] = var(
        None
    )  # the order stream: live / reconnecting / off

    after_big_load = staticmethod(after_big_load)

    def __init__(
        self,
        session: Session,
        *,
        theme: str | None = None,
        import_path: str | None = None,
        auto_load: bool = True,
        remember: bool = True,
    ) -> None:
        self.session = session
        self._flag_theme = theme
        self.import_path = import_path
        self.auto_load = auto_load
        self.remember = remember
        self.keymap_error: str | None = None
        self.keymap: dict[str, str] = {}
        self.reconcile_offered: set[tuple[str, str | None, bool]] = set()  # profiles offered
        self._clock = time.monotonic
        self._rate = RateDecay(lambda: self._clock())
        self.key_read_at: float | None = None  # the time stamp of the key last handled here
        self.quitting = False
        self.quit_during_run: QuitDuringRun | None = None  # once the app quit while a run was going
        super().__init__()
        self.main = MainScreen()
        self.cancel_run = CancelRun(self, self.main)
        config = session.config
        self.install_themes(config.ui.theme if config is not None else None)

    @property
    def connect_error(self) -> str | None:
        """The last connect's failure, scrubbed, until one succeeds."""
        state = self.connection
        return state.where if state is not None and state.error else None

    @property
    def event_loop(self) -> asyncio.AbstractEventLoop | None:
        """The loop the app runs on, while it runs (for signal handlers: tui/ui/quitting.py)."""
        return self._loop

    # ---- start-up ---------------------------------------------------------------------------------
    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for this platform, with input read by `PasteSafeParser`: a paste
        is text, never key presses (see tui/ui/terminal_input.py)."""
        from tui.ui.terminal_input import paste_safe_driver

        return paste_safe_driver(super().get_driver_class())

    def on_key(self, event: events.Key) -> None:
        # Runs just before the bindings this key may fire (App._on_key): a guarded question
        # judges its confirming key by when the key was read (tui/ui/screens/guard.py).
        self.key_read_at = event.time

    def get_default_screen(self) -> Screen:
        return self.main

    def on_mount(self) -> None:
        from tui.ui.keymap import load_keymap

        self.keymap, self.keymap_error = load_keymap()
        if self.keymap:
            self.set_keymap(self.keymap)
        problems = []
        if self.theme_errors:
            problems.append("Theme files skipped: " + "; ".join(self.theme_errors))
        if self.theme_warning:
            problems.append(self.theme_warning)
        if self.keymap_error:
            problems.append("Keymap: " + self.keymap_error)
        if self.session.config_error:
            problems.append("Config: " + self.session.config_error)
        if problems:
            self.notify("\n".join(problems), severity="warning", timeout=12)
        self.themes_ready()
        self.set_interval(RATE_EVERY, self._refresh_rate)
        self.set_interval(LIVE_EVERY, self._drain_live)
        # Connect (and start the demo simulator) once the first frame is up: starting it
        # alongside the UI makes both slower (they share the GIL), measured.
        self.call_after_refresh(self.connect)

    # ---- the connection ---------------------------------------------------------------------------
    def connect(
        self, profile: str | None = None, *, demo: bool | None = None, exchange: str | None = None
    ) -> None:
        self.run_worker(self._connect(profile, demo, exchange), exclusive=True, group="connect")

    async def _connect(self, profile: str | None, demo: bool | None, exchange: str | None) -> None:
        session = self.session
        self.stream_status = None
        try:
            await asyncio.wrap_future(
                session.runner.call_blocking(session.connect, profile, demo=demo, exchange=exchange)
            )
        except Exception as exc:
            # Scrubbed like every other error (a server may echo a token back); every header
            # shows it (they watch `connection`), under a modal and on screens opened later.
            self.connection = ConnectionState.failed(session.redactor.scrub(error_text(exc)))
            self.report_error("Could not connect", exc)
            return
        info = session.info()
        self.connection = ConnectionState.of(info) if info is not None else None
        self.offer_reconcile()
        main = self.main
        main.new_connection()
        if self.import_path:
            path, self.import_path = self.import_path, None
            main.import_file(path)
        elif self.auto_load and session.client is not None and session.profile is not None:
            if session.profile.exchange == Exchange.UPBIT:
                main.list_when_live()  # the stream's first re-sync lists (tui/ui/screens/main_live.py)
            else:
                main.load_orders()  # B2TRADER: the open set the stream sends first

    @work(exclusive=True, group="offer-reconcile")
    async def offer_reconcile(self) -> None:
        from tui.ui.app_offers import offer_reconcile

        await offer_reconcile(self)

    def _drain_live(self) -> None:
        """Every LIVE_EVERY s: the stream's events since the last look, as one batch."""
        live = self.session.live
        items = live.inbox.drain()
        if not items:
            return
        generation = live.generation  # events of a stream closed by a switch are dropped
        events = [event for gen, event in items if gen == generation]
        if not events:
            return
        out = self.main.apply_live(events)
        if out.status is not None:
            self.stream_status = out.status

    def reconnect_stream(self) -> None:
        """Open the order stream again (the palette offers it while the stream is off)."""
        session = self.session
        if session.client is None:
            self.notify("Not connected yet.", severity="warning")
            return
        session.runner.call_soon(session.live.restart)
        self.notify("Reconnecting the order stream…", timeout=3)

    def _refresh_rate(self) -> None:
        """Every RATE_EVERY s: the connection's latest Remaining-Req, decayed (app_state.py)."""
        self.rate_reading = self._rate.read(self.session.rate)  # one per connection

    # ---- helpers for screens ------------------------------------------------------------------------
    def report_error(self, title: str, exc: BaseException) -> None:
        hint = exc.hint if isinstance(exc, OrderTuiError) else None
        text = f"{title}: {error_text(exc)}" + (f"\n{hint}" if hint else "")
        self.notify(self.session.redactor.scrub(text), severity="error", timeout=10)

    # ---- actions ------------------------------------------------------------------------------------
    async def action_quit(self) -> None:
        """Quit; during a run, ask first, then stop sending and wait for the requests on the wire."""
        if not self.cancel_run.running:
            self.exit()
            return
        from tui.ui.screens.ask import AskScreen

        def answer(yes: bool | None) -> None:
            if yes:
                self.run_worker(
                    abort_and_quit(self, "aborted: the app was closed"),
                    exclusive=True,
                    group="quit",
                )

        self.push_screen(
            AskScreen(
                "A cancel run is in progress. Abort it and quit?",
                "Nothing more is sent; requests already on the wire finish and are recorded in the journal "
                "(`ordertui reconcile` settles anything left unknown).",
                yes="abort and quit",
                no="keep running",
            ),
            answer,
        )

    def action_help(self) -> None:
        from tui.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.keymap))

    def action_pick_theme(self) -> None:
        self.search_themes()

    def action_switch_profile(self) -> None:
        self._open_profiles()

    @work(exclusive=True, group="profiles")
    async def _open_profiles(self) -> None:
        from tui.ui.app_offers import open_profiles

        await open_profiles(self)

    def settings_rows(self) -> list[tuple[str, str]]:
        from tui.ui.app_commands import settings_rows

        return settings_rows(self)

    def action_settings(self) -> None:
        from tui.ui.screens.settings import SettingsScreen

        self.push_screen(SettingsScreen(self.settings_rows()))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        from tui.ui.app_commands import system_commands

        return system_commands(self)


def run_app(
    *,
    overrides: Overrides | None = None,
    config_path: str | Path | None = None,
    theme: str | None = None,
    import_path: str | None = None,
    demo: bool | None = None,
    profile_name: str | None = None,
    on_quit_during_run: Callable[[QuitDuringRun, Callable[[str], str]], int] | None = None,
) -> int:
    """Run the TUI until the user quits. Returns the exit code (0).

    `overrides` are the command line's global options (profile, exchange, region, base URL,
    account id, --demo); `profile_name` and `demo` are shortcuts for callers without them.
    With no credentials configured, the app runs in demo mode on the built-in simulator.
    When the app quit during a cancel run (`q` answered "abort", SIGHUP, SIGTERM),
    `on_quit_during_run(quit, scrub)` reports it and returns the exit code (1 without it).
    """
    over = overrides or Overrides()
    if profile_name and not over.profile:
        over.profile = profile_name
    from tui.demo import DEMO_TRICKLE

    # The demo book trickles (seeded fills and new orders) so a demonstration looks alive;
    # tests build their Session without it, so snapshots stay still.
    session = Session(config_path=config_path, overrides=over, demo=demo, demo_options=DEMO_TRICKLE)
    session.load_config()
    app = OrderTuiApp(session, theme=theme, import_path=import_path)
    signals = StopSignals(app)
    signals.install()
    try:
        app.run()
    finally:
        signals.uninstall()
        session.close()
    quit_during_run = app.quit_during_run
    if quit_during_run is not None:
        if on_quit_during_run is None:
            return 1
        return on_quit_during_run(quit_during_run, session.redactor.scrub)
    return app.return_code or 0
