"""Where ordertui connects: the one place that loads the config, starts the demo simulator,
registers the secrets with the redactor, builds the exchange client and opens the journal.

The command line's `tui.cli.common.Context` and the app's `tui.ui.session.Session` are thin
users of a `Connection`: one per process (a command) or per app. Nothing here imports Textual;
it sits above the demo and the clients and below the UI and the command line (see the
import-linter layers in pyproject.toml).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.core.config import REGIONS, AppConfig, JournalConfig, Overrides
from tui.core.config_read import load_config
from tui.core.errors import ConfigError, InputError
from tui.core.models.row import Exchange
from tui.core.redact import Redactor
from tui.core.resolve import ResolvedProfile, resolve

if TYPE_CHECKING:
    from tui.core.journal import Journal
    from tui.core.ports import ExchangeClient
    from tui.demo import DemoSession


def journal_dir() -> Path:
    """Where every run is journaled: the same place for the command line and the app."""
    from tui.core.journal import default_dir

    return default_dir()


class Connection:
    """Config, demo simulator, secrets, clients and journals of one command or one app.

    `overrides` are the command line's global flags (--profile, --exchange, --region, ...).
    `demo_options` go to the simulator (seed, order counts, faults); `demo_wait=False` starts
    it without waiting for it to listen (the app overlaps that with drawing itself).
    """

    def __init__(
        self,
        *,
        config_path: str | Path | None = None,
        overrides: Overrides | None = None,
        redactor: Redactor | None = None,
        force_demo: bool = False,
        demo_options: dict[str, Any] | None = None,
        demo_wait: bool = True,
    ) -> None:
        self.config_path = Path(config_path).expanduser() if config_path else None
        self.overrides = overrides or Overrides()
        self.redactor = redactor if redactor is not None else Redactor()
        self.force_demo = force_demo or self.overrides.demo
        self.demo_options = dict(demo_options or {})
        self.demo_wait = demo_wait
        self.config: AppConfig | None = None
        self.config_error: str | None = None  # the problem of a config read leniently
        self.demo: DemoSession | None = None

    # ---- configuration (no network, no simulator) -------------------------------------------
    def load_config(self) -> AppConfig:
        """Read the config file; a problem raises ConfigError (the command line stops on it)."""
        self.config = load_config(self.config_path)
        self.config_error = None
        return self.config

    def load_config_or_empty(self) -> AppConfig:
        """Read the config file; on a problem, an empty config and the problem in
        `config_error` (the app still starts, in demo, and shows it)."""
        try:
            return self.load_config()
        except ConfigError as exc:
            self.config = AppConfig(path=self.config_path)
            self.config_error = exc.message
            return self.config

    def reload_config(self) -> str | None:
        """Read the config again (a profile added from another shell). On a problem the config
        read before stays and the problem (file and line) is returned."""
        try:
            self.config = load_config(self.config_path)
        except ConfigError as exc:
            return exc.message
        self.config_error = None
        return None

    @property
    def config_file(self) -> Path:
        from tui.core.paths import default_config_path

        if self.config is not None and self.config.path is not None:
            return self.config.path
        return self.config_path or default_config_path()

    def wants_demo(self) -> bool:
        """Demo when asked, or when nothing is configured to connect to (and no profile was
        named: a named profile that cannot be used is an error, not a demo)."""
        if self.force_demo:
            return True
        config = self.config if self.config is not None else self.load_config_or_empty()
        if self.config_error and not self.overrides.profile:
            return True
        try:
            resolved = resolve(config, self.overrides)
        except ConfigError:
            return not self.overrides.profile
        return not resolved.has_credentials and not self.overrides.profile

    # ---- what to connect to -------------------------------------------------------------------
    def resolve(self, overrides: Overrides | None = None) -> ResolvedProfile:
        """The configured profile (file, environment, flags), its secrets registered."""
        config = self.config if self.config is not None else self.load_config()
        if self.config_error:
            raise ConfigError(self.config_error)
        return self.register(resolve(config, overrides or self.overrides))

    def demo_profile(self, exchange: str | None = None) -> ResolvedProfile:
        """A profile of the built-in simulator (started on first use), its secrets registered."""
        if self.demo is None:
            from tui.demo import start_demo

            region = self.overrides.region or "kr"
            if region not in REGIONS:
                raise InputError(f"unknown region {region!r}: choose one of {', '.join(REGIONS)}")
            self.demo = start_demo(region=region, wait=self.demo_wait, **self.demo_options)
        demo = self.demo
        wanted = exchange or self.overrides.exchange or Exchange.UPBIT
        return self.register(demo.b2trader_profile if wanted == Exchange.B2TRADER else demo.profile)

    def register(self, profile: ResolvedProfile) -> ResolvedProfile:
        """Every secret a profile holds is scrubbed from logs, output and the journal from now on.
        The only place secrets are registered: every profile handed out passes here."""
        for secret in (profile.access_key, profile.secret_key, profile.token):
            if secret is not None:
                self.redactor.add(secret.get_secret_value())
        return profile

    # ---- clients and journals -----------------------------------------------------------------
    def make_client(self, profile: ResolvedProfile, **options: Any) -> ExchangeClient:
        """The exchange client for `profile` (`options`: transport, timeout)."""
        from tui.exchanges import factory  # looked up at call time: tests replace make_client

        self.register(profile)  # a profile built elsewhere (a test, a script) is scrubbed too
        return factory.make_client(profile, **options)

    def journal_settings(self, profile: ResolvedProfile | None) -> JournalConfig:
        """The config's journal limits; a demo run needs no (readable) config file."""
        if self.config is None:
            try:
                self.load_config()
            except ConfigError:
                if profile is None or not profile.demo:
                    raise
                return JournalConfig()
        assert self.config is not None
        return self.config.journal

    def open_journal(self, profile: ResolvedProfile | None) -> Journal:
        """A journal for one run on `profile`, in the user's state directory, scrubbed by this
        connection's redactor."""
        from tui.core.journal import Journal

        settings = self.journal_settings(profile)
        return Journal(
            journal_dir(),
            profile=profile.name if profile is not None else None,
            demo=bool(profile is not None and profile.demo),
            redactor=self.redactor,
            max_mb=settings.max_mb,
            keep_runs=settings.keep_runs,
        )

    # ---- shutdown ---------------------------------------------------------------------------------
    def close(self) -> None:
        """Stop the demo simulator, if one was started."""
        demo, self.demo = self.demo, None
        if demo is not None:
            demo.stop()
