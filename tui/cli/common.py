"""What every command shares: config, profile, client, journal, prompts and one-line errors."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from tui.connection import Connection, journal_dir
from tui.core.config import AppConfig, Overrides
from tui.core.errors import OrderTuiError
from tui.core.redact import Redactor
from tui.core.resolve import ResolvedProfile
from tui.core.visible import visible

if TYPE_CHECKING:
    from tui.core.journal import Journal
    from tui.core.ports import ExchangeClient
    from tui.demo import DemoSession


class Context:
    """One command's view of the connection (`tui.connection`), from its parsed arguments."""

    def __init__(self, args: argparse.Namespace, redactor: Redactor) -> None:
        self.args = args
        self.redactor = redactor
        self.connection = Connection(
            config_path=getattr(args, "config", None),
            overrides=self.overrides(),
            redactor=redactor,
        )

    # ---- configuration ----------------------------------------------------------------------
    @property
    def config(self) -> AppConfig:
        conn = self.connection
        return conn.config if conn.config is not None else conn.load_config()

    @property
    def demo_session(self) -> DemoSession | None:
        return self.connection.demo

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
        conn = self.connection
        if conn.overrides.demo:
            return conn.demo_profile(conn.overrides.exchange or exchange_hint)
        return conn.resolve()

    def client(self, profile: ResolvedProfile) -> ExchangeClient:
        return self.connection.make_client(profile)

    def journal_dir(self) -> Path:
        return journal_dir()

    def journal(self, profile: ResolvedProfile) -> Journal:
        return self.connection.open_journal(profile)

    # ---- output -------------------------------------------------------------------------------
    def fail(self, exc: OrderTuiError) -> None:
        # One line each: the message may quote a file, an argument or the exchange's answer.
        message = self.redactor.scrub(exc.message)
        print(f"ordertui: error: {visible(message)}", file=sys.stderr)
        if exc.hint and exc.hint not in message:
            print(f"  hint: {visible(self.redactor.scrub(exc.hint))}", file=sys.stderr)

    def close(self) -> None:
        self.connection.close()


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


def _terminals() -> Iterator[tuple[TextIO, TextIO]]:
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
