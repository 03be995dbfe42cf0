"""What every command shares: config, profile, client, journal, prompts and one-line errors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from tui.core.config import REGIONS, AppConfig, Overrides
from tui.core.config_read import load_config
from tui.core.errors import InputError, OrderTuiError
from tui.core.redact import Redactor
from tui.core.resolve import ResolvedProfile, resolve
from tui.core.visible import visible


class Context:
    def __init__(self, args: argparse.Namespace, redactor: Redactor) -> None:
        self.args = args
        self.redactor = redactor
        self._config: AppConfig | None = None
        self.demo_session: Any = None

    # ---- configuration ----------------------------------------------------------------------
    @property
    def config(self) -> AppConfig:
        if self._config is None:
            self._config = load_config(getattr(self.args, "config", None))
        return self._config

    def overrides(self) -> Overrides:
        a = self.args
        return Overrides(
            profile=getattr(a, "profile", None),
            exchange=getattr(a, "exchange", None),
            region=getattr(a, "region", None),
            base_url=getattr(a, "base_url", None),
            account_id=getattr(a, "account_id", None),
            demo=bool(getattr(a, "demo", False)),
        )

    def profile(self, *, exchange_hint: str | None = None) -> ResolvedProfile:
        """The profile to use; with --demo, the built-in simulator (started here)."""
        over = self.overrides()
        if over.demo:
            return self.demo_profile(over.exchange or exchange_hint or "upbit")
        resolved = resolve(self.config, over)
        for secret in (resolved.access_key, resolved.secret_key, resolved.token):
            if secret is not None:
                self.redactor.add(secret.get_secret_value())
        return resolved

    def demo_profile(self, exchange: str) -> ResolvedProfile:
        from tui.demo import start_demo

        if self.demo_session is None:
            region = getattr(self.args, "region", None) or "kr"
            if region not in REGIONS:
                raise InputError(f"unknown region {region!r}: choose one of {', '.join(REGIONS)}")
            self.demo_session = start_demo(region=region)
        session = self.demo_session
        profile = session.b2trader_profile if exchange == "b2trader" else session.profile
        for secret in (profile.access_key, profile.secret_key, profile.token):
            if secret is not None:
                self.redactor.add(secret.get_secret_value())
        return profile

    def journal_dir(self) -> Path:
        from tui.core.journal import default_dir

        return default_dir()

    def journal(self, profile: ResolvedProfile):
        from tui.core.config import JournalConfig
        from tui.core.journal import Journal

        try:
            settings = self.config.journal
        except OrderTuiError:
            if not profile.demo:
                raise
            settings = JournalConfig()  # a demo run needs no config file
        return Journal(
            self.journal_dir(),
            profile=profile.name,
            demo=profile.demo,
            redactor=self.redactor,
            max_mb=settings.max_mb,
            keep_runs=settings.keep_runs,
        )

    # ---- output -------------------------------------------------------------------------------
    def fail(self, exc: OrderTuiError) -> None:
        # One line each: the message may quote a file, an argument or the exchange's answer.
        message = self.redactor.scrub(exc.message)
        print(f"ordertui: error: {visible(message)}", file=sys.stderr)
        if exc.hint and exc.hint not in message:
            print(f"  hint: {visible(self.redactor.scrub(exc.hint))}", file=sys.stderr)

    def close(self) -> None:
        if self.demo_session is not None:
            self.demo_session.stop()
            self.demo_session = None


def ask(question: str) -> bool | None:
    """Ask yes/no on the terminal. None when there is no terminal to ask on."""
    for stream_in, stream_out in _terminals():
        try:
            stream_out.write(f"{visible(question)} [y/N] ")  # /dev/tty is not scrubbed
            stream_out.flush()
            answer = stream_in.readline()
        except OSError:
            continue
        return answer.strip().lower() in ("y", "yes")
    return None


def _terminals():
    if sys.stdin.isatty() and sys.stderr.isatty():
        yield sys.stdin, sys.stderr
    try:
        tty = open("/dev/tty", "r+", encoding="utf-8")  # noqa: SIM115 - closed at exit
    except OSError:
        return
    with tty:
        yield tty, tty


def stderr_is_tty() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
