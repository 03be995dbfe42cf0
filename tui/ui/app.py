"""The ordertui app: themes, keymap, command palette, the connection, and `run_app`."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from textual import events, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.screen import Screen

from tui.core.config import Overrides
from tui.ui.quitting import QuitDuringRun, StopSignals, abort_and_quit
from tui.ui.safe_output import SafeOutput
from tui.ui.screens.main import MainScreen
from tui.ui.session import Session
from tui.ui.widgets.header_bar import HeaderBar

BIG_LOAD = 10_000
RATE_STALE_S = 1.0  # no Remaining-Req for this long: the per-second budget is full again


class OrderTuiApp(SafeOutput, App):
    CSS_PATH = "styles.tcss"
    TITLE = "ordertui"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("t", "pick_theme", "Theme", show=False, id="app.theme"),
    ]

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
        self.theme_errors: list[str] = []
        self.theme_warning: str | None = None
        self.keymap_error: str | None = None
        self.keymap: dict[str, str] = {}
        self._reconcile_offered: set[tuple] = (
            set()
        )  # profiles whose journal was offered for reconcile
        self.connect_error: str | None = (
            None  # the last connect's failure, scrubbed, until one succeeds
        )
        self._rate_state = None
        self._rate_version = -1
        self._rate_seen = 0.0
        self.rate_shown: tuple[int | None, int | None] = (None, None)  # what the meters show
        self._clock = time.monotonic
        self.key_read_at: float | None = None  # the time stamp of the key last handled here
        self.quitting = False
        self.quit_during_run: QuitDuringRun | None = None  # once the app quit while a run was going
        self._theme_ready = False
        self._applied_theme: str | None = None
        super().__init__()
        self._install_themes()

    # ---- start-up ---------------------------------------------------------------------------------
    def _install_themes(self) -> None:
        from tui.ui.themes import load_themes, pick_theme, remembered_theme

        loaded = load_themes()
        for theme in loaded.themes.values():
            self.register_theme(theme)
        self.theme_errors = loaded.errors
        config = self.session.config
        configured = config.ui.theme if config is not None else None
        name, self.theme_warning = pick_theme(
            self.available_themes,
            flag=self._flag_theme,
            remembered=remembered_theme() if self.remember else None,
            configured=configured,
            broken=loaded.broken,
        )
        self.theme = name

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
        self.main = MainScreen()
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
        if self.remember and self._flag_theme and self.theme == self._flag_theme:
            self._remember_theme(self.theme)
        self._applied_theme = self.theme
        self.theme_changed_signal.subscribe(self, self._theme_applied)
        self._theme_ready = True
        self.set_interval(0.25, self._refresh_rate)
        # Connect (and start the demo simulator) once the first frame is up: starting it
        # alongside the UI makes both slower (they share the GIL), measured.
        self.call_after_refresh(self.connect)

    def validate_theme(self, name: str) -> str:
        """Every switch (palette, `t`, code) passes here after Textual's own check: a theme
        whose variables do not fit the app's stylesheet would fail every CSS parse (a crash), so
        it is refused in one notification and the current theme stays."""
        if not self._theme_ready or name == self.theme:
            return name
        problem = self._theme_problem(name)
        if problem is None:
            return name
        self.notify(f"Theme {name!r} not applied: {problem}", severity="error", timeout=10)
        return self.theme

    def _theme_problem(self, name: str) -> str | None:
        from tui.ui.themes import variable_problem

        theme = self.get_theme(name)
        if theme is None:
            return "no such theme"
        problem = variable_problem(theme)
        if problem:
            return problem
        # Then the app's real stylesheet with this theme's variables (as refresh_css will do).
        variables = {
            **self.get_theme_variable_defaults(),
            **theme.to_color_system().generate(),
            **theme.variables,
        }
        sheet = self.stylesheet.copy()
        sheet.set_variables(variables)
        try:
            sheet.reparse()
        except Exception:
            return "its [variables] do not fit the app's styles"
        return None

    def _theme_applied(self, theme) -> None:
        """Remember a theme only once it has been applied (the CSS refreshed without error)."""
        if theme.name == self._applied_theme:
            return
        self._applied_theme = theme.name
        if self.remember:
            self._remember_theme(theme.name)

    @staticmethod
    def _remember_theme(name: str) -> None:
        from tui.ui.themes import remember_theme

        remember_theme(name)

    def connect(
        self, profile: str | None = None, *, demo: bool | None = None, exchange: str | None = None
    ) -> None:
        self.run_worker(self._connect(profile, demo, exchange), exclusive=True, group="connect")

    async def _connect(self, profile: str | None, demo: bool | None, exchange: str | None) -> None:
        import asyncio

        session = self.session
        try:
            pending, session.pending = session.pending, None
            if pending is not None and profile is None and demo is None and exchange is None:
                await asyncio.wrap_future(pending)
            else:
                await asyncio.wrap_future(
                    session.runner.call_blocking(
                        session.connect, profile, demo=demo, exchange=exchange
                    )
                )
        except Exception as exc:
            # Scrubbed like every other error (a server may echo a token back), and on every
            # header: the one of a screen under a modal, and of screens opened later (fill_header).
            message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            self.connect_error = self.session.redactor.scrub(message)
            for screen in self.screen_stack:
                for header in screen.query(HeaderBar):
                    header.show_error(self.connect_error)
            self.report_error("Could not connect", exc)
            return
        self.connect_error = None
        for screen in self.screen_stack:
            for header in screen.query(HeaderBar):
                self.fill_header(header)
        self.offer_reconcile()
        main = self.main
        if self.import_path:
            path, self.import_path = self.import_path, None
            main.import_file(path)
        elif self.auto_load and session.client is not None:
            can_list = session.profile is not None and (
                session.profile.exchange == "upbit" or session.profile.demo
            )
            if can_list:
                main.load_orders()
            else:
                main.table.set_rows([r for r in main.table.all_rows() if not r.known])
                self.notify(
                    "B2TRADER has no list of open orders: add ids with n, paste them, or import a file (i).",
                    timeout=8,
                )

    @work(exclusive=True, group="offer-reconcile")
    async def offer_reconcile(self) -> None:
        """At start: if earlier runs of this profile left orders with unknown outcomes (a crash,
        a lost connection), offer to look them up now."""
        import asyncio

        from tui.ui.screens.ask import AskScreen

        profile = self.session.profile
        if profile is None or profile.demo:  # the demo exchange of an earlier session is gone
            return
        key = (profile.exchange, profile.name, profile.demo)
        if key in self._reconcile_offered:  # once per profile per session, not on every switch back
            return
        try:
            runs = await asyncio.to_thread(self.session.unresolved_runs)
        except Exception as exc:  # the journal is a convenience here; never block start-up
            self.log.warning(f"could not read the journal: {exc}")
            return
        pending = sum(len(run.unresolved()) for run in runs)
        if not pending:
            self._reconcile_offered.add(key)
            return
        # Only over the main screen, idle: popping up over a confirm the user opened meanwhile
        # would take their `y`. A switch of profile meanwhile replaces this worker (exclusive).
        while self.screen is not self.main or self.main.running:
            await asyncio.sleep(0.2)
        if self.session.profile is not profile:
            return
        self._reconcile_offered.add(key)
        question = (
            f"{pending} order{'s' if pending != 1 else ''} from {len(runs)} earlier "
            f"run{'s' if len(runs) != 1 else ''} {'have' if pending != 1 else 'has'} no known outcome."
        )
        detail = (
            "A run was interrupted or lost its connection. Look these orders up on the exchange "
            "now and record what became of them? (ordertui reconcile does the same.)"
        )
        if not await self.push_screen_wait(
            AskScreen(question, detail, yes="look them up", no="not now")
        ):
            return
        try:
            report = await self.session.runner.run(self.session.reconcile_runs(runs))
        except Exception as exc:
            self.report_error("Reconcile failed", exc)
            return
        counts = (
            ", ".join(f"{n} {outcome}" for outcome, n in sorted(report.counts.items())) or "nothing"
        )
        severity = "warning" if report.error else "information"
        self.notify(
            f"Reconciled {len(report.settled)} order(s): {counts}."
            + (f" {report.error}" if report.error else ""),
            severity=severity,
            timeout=10,
        )

    def fill_header(self, header: HeaderBar) -> None:
        if self.connect_error:
            header.show_error(self.connect_error)
            return
        info = self.session.info()
        if info is None:
            return
        header.show(
            profile=info.name,
            where=info.where,
            host=info.host,
            demo=info.demo,
            account_id=info.account_id if info.exchange == "b2trader" else None,
        )

    def _refresh_rate(self) -> None:
        """Every 0.25 s: the latest Remaining-Req on every meter (under a modal too), decayed to
        the full budget once no reading came for RATE_STALE_S (the budget is per second: with
        no request for a second it is full again, whatever the last answer said)."""
        from tui.ui.widgets.rate_meter import RateMeter

        state = self.session.rate  # one per connection (Session.connect)
        version, _group, remaining, limit = state.snapshot()
        now = self._clock()
        if state is not self._rate_state:  # a new connection: nothing known until it answers
            self._rate_state, self._rate_version = state, 0
            self.rate_shown = (None, None)
        if version != self._rate_version:
            self._rate_version = version
            self._rate_seen = now
            self.rate_shown = (remaining, limit)
        remaining, limit = self.rate_shown
        if (
            remaining is not None
            and limit
            and remaining < limit
            and now - self._rate_seen >= RATE_STALE_S
        ):
            self.rate_shown = (limit, limit)
        for screen in self.screen_stack:
            for meter in screen.query(RateMeter):
                meter.set_rate(*self.rate_shown)

    # ---- helpers for screens ------------------------------------------------------------------------
    def report_error(self, title: str, exc: BaseException) -> None:
        message = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        hint = getattr(exc, "hint", None)
        text = self.session.redactor.scrub(f"{title}: {message}" + (f"\n{hint}" if hint else ""))
        self.notify(text, severity="error", timeout=10)

    @staticmethod
    def after_big_load(count: int) -> None:
        """After loading many rows, move every object alive now out of the cyclic collector's
        way (`gc.freeze`, O(1)): a full collection over 100k rows pauses the UI for ~0.2 s, and
        rows hold no reference cycles, so refcounting still frees them when they go."""
        if count >= BIG_LOAD:
            gc.freeze()

    # ---- actions ------------------------------------------------------------------------------------
    async def action_quit(self) -> None:
        """Quit; during a run, ask first, then stop sending and wait for the requests on the wire."""
        main = self.main
        if not main.running:
            self.exit()
            return
        from tui.ui.screens.ask import AskScreen

        def answer(yes: bool | None) -> None:
            if yes:
                self.run_worker(self._abort_and_quit(), exclusive=True, group="quit")

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

    async def _abort_and_quit(self) -> None:
        await abort_and_quit(self, "aborted: the app was closed")

    def action_help(self) -> None:
        from tui.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self.keymap))

    def action_pick_theme(self) -> None:
        self.search_themes()

    def action_switch_profile(self) -> None:
        self._open_profiles()

    @work(exclusive=True, group="profiles")
    async def _open_profiles(self) -> None:
        """Read the config again first (off the UI loop: a slow disk or network home must not
        freeze it): a profile added with `ordertui config add` in another shell is listed. A
        config that has become invalid is one notification, and the profiles read before stay."""
        import asyncio

        from tui.ui.screens.profiles import DEMO_B2, DEMO_UPBIT, ProfilesScreen

        session = self.session
        problem = await asyncio.to_thread(session.reload_config)
        if problem:  # names the file and line
            self.notify(
                session.redactor.scrub(f"Config: {problem}\nShowing the profiles read before."),
                severity="warning",
                timeout=10,
            )
        config = session.config
        profiles = []
        if config is not None:
            for name, prof in sorted(config.profiles.items()):
                where = (
                    f"account {prof.account_id}"
                    if prof.exchange == "b2trader"
                    else (prof.region or "kr")
                )
                profiles.append((name, f"{prof.exchange} {where}"))
        current = session.profile.name if session.profile and not session.profile.demo else None

        def chosen(choice: str | None) -> None:
            if choice is None:
                return
            if self.main.running:
                self.notify("Wait for the run to finish before switching.", severity="warning")
                return
            self.main.table.set_rows([])
            if choice == DEMO_UPBIT:
                self.connect(demo=True, exchange="upbit")
            elif choice == DEMO_B2:
                self.connect(demo=True, exchange="b2trader")
            else:
                prof = config.profiles.get(choice) if config else None
                self.connect(choice, demo=False, exchange=prof.exchange if prof else None)

        self.push_screen(ProfilesScreen(profiles, current), chosen)

    def settings_rows(self) -> list[tuple[str, str]]:
        from tui.ui.keymap import keymap_path
        from tui.ui.session import journal_dir
        from tui.ui.themes import shipped_themes_dir, ui_state_path, user_themes_dir

        session = self.session
        path = session.config_file
        from tui.ui.formatting import short_path

        rows = [
            (
                "Config file",
                short_path(path)
                + ("" if path.exists() else "  (not created yet: `ordertui config init`)"),
            )
        ]
        if session.config_error:
            rows.append(("Config problem", session.config_error))
        profile = session.profile
        if profile is not None:
            rows.append(
                (
                    "Profile",
                    (profile.name or "default")
                    + ("  (demo: built-in simulator)" if profile.demo else ""),
                )
            )
            rows.append(("Exchange", profile.target()))
            rows.append(("Base URL", profile.base_url or "default for the region"))
            for key, value in profile.masked_credentials().items():
                rows.append((key.replace("_", " ").capitalize(), value))
            rows.append(
                (
                    "Settings from",
                    ", ".join(f"{k}: {v}" for k, v in sorted(profile.sources.items()))
                    or "defaults",
                )
            )
        if session.config is not None and session.config.profiles:
            rows.append(("Profiles", ", ".join(sorted(session.config.profiles))))
        rows.append(("Journal", short_path(journal_dir())))
        rows.append(
            (
                "Theme",
                f"{self.theme}  (t or the command palette changes it; remembered in "
                f"{short_path(ui_state_path())})",
            )
        )
        rows.append(
            (
                "Theme files",
                f"{short_path(shipped_themes_dir())}  and  {short_path(user_themes_dir())}",
            )
        )
        rows.append(("Keymap", short_path(keymap_path())))
        return rows

    def action_settings(self) -> None:
        from tui.ui.screens.settings import SettingsScreen

        self.push_screen(SettingsScreen(self.settings_rows()))

    # ---- command palette ------------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        main = self.main
        yield SystemCommand(
            "Load open orders", "Fetch every open order from the exchange (r)", main.action_load
        )
        yield SystemCommand(
            "Cancel selected orders",
            "Confirm, then cancel the selection or the row under the cursor (c)",
            main.action_cancel,
        )
        yield SystemCommand(
            "Add an order", "Add one order by uuid, identifier or order id (n)", main.action_add
        )
        yield SystemCommand(
            "Import orders from a file",
            "Text, CSV/TSV or JSON, previewed before adding (i)",
            main.action_import,
        )
        yield SystemCommand(
            "Look up unknown orders",
            "Fetch full details of orders known only by id (l)",
            main.action_lookup,
        )
        yield SystemCommand(
            "Filter orders",
            "Free text over market, side, id, identifier, state (/)",
            main.action_filter,
        )
        yield SystemCommand(
            "Select all shown orders",
            "Or clear them when all are selected (a)",
            lambda: main.table.action_select_all(),
        )
        yield SystemCommand(
            "Show last results", "The result panels of the last run (v)", main.action_results
        )
        yield SystemCommand(
            "Export last results", "Write the last run's results to CSV or JSON", self._export_last
        )
        yield SystemCommand(
            "Switch profile",
            "Choose another configured profile or the demo (p)",
            self.action_switch_profile,
        )
        yield SystemCommand(
            "Change theme", "Pick a theme; the choice is remembered (t)", self.action_pick_theme
        )
        yield SystemCommand(
            "Settings",
            "Where the config, journal, themes and keymap live (,)",
            self.action_settings,
        )
        yield SystemCommand("Help", "Every key binding (?)", self.action_help)
        from tui.ui.screens.rule_select import rule_commands

        yield from rule_commands(main)
        from tui.ui.widgets.order_table import COLUMN_LABELS, SORTABLE

        for column in SORTABLE:
            yield SystemCommand(
                f"Sort by {COLUMN_LABELS[column]}",
                "Again to reverse the order",
                lambda c=column: main.table.sort_by(c),
            )
        yield SystemCommand("Quit", "Quit ordertui (q)", self.action_quit)

    def _export_last(self) -> None:
        main = self.main
        if main.last_report is None:
            self.notify("No run yet in this session.")
            return
        main.show_results(main.last_report)
        self.call_after_refresh(lambda: self.screen.run_action("export"))


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
    session = Session(config_path=config_path, overrides=over, demo=demo)
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
