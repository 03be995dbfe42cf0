"""The one connection module (`tui.connection`): the demo, secret registration, the journal.

Both the command line (`tui.cli.common.Context`) and the app (`tui.ui.session.Session`) go
through it; these tests hold it to what both rely on.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import home_env
from tui.connection import Connection
from tui.core.config import Overrides
from tui.core.errors import ConfigError, OrderTuiError
from tui.core.redact import RedactingFilter

ACCESS = "cfg-access-" + "a1" * 12
SECRET = "cfg-secret-" + "b2" * 16
TOKEN = "cfg-token-" + "c3" * 14
UUID = "0b2a3c4d-1111-4222-8333-444455556666"


def write_config(path: Path, base_url: str = "https://api.upbit.com", **journal: int) -> Path:
    lines = [
        'default_profile = "main"',
        "[profiles.main]",
        'exchange = "upbit"',
        f'base_url = "{base_url}"',
        f'access_key = "{ACCESS}"',
        f'secret_key = "{SECRET}"',
        "[profiles.broker]",
        'exchange = "b2trader"',
        'base_url = "https://broker.example"',
        'account_id = "42"',
        f'token = "{TOKEN}"',
    ]
    if journal:
        lines += ["[journal]", *(f"{k} = {v}" for k, v in journal.items())]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


# ---- the demo ---------------------------------------------------------------------------------
def test_no_credentials_anywhere_means_the_demo_and_it_is_started_once(isolated_home):
    conn = Connection()
    try:
        assert conn.wants_demo()
        upbit = conn.demo_profile()
        server = conn.demo
        b2 = conn.demo_profile("b2trader")
        assert conn.demo is server  # one simulator for both exchanges
        assert upbit.demo and b2.demo and upbit.exchange == "upbit" and b2.exchange == "b2trader"
        assert upbit.base_url == b2.base_url and upbit.base_url.startswith("http://127.0.0.1:")
        # The demo's keys are secrets like any other.
        assert conn.redactor.scrub(upbit.secret_key.get_secret_value()) == "[redacted]"
        assert conn.redactor.scrub(b2.token.get_secret_value()) == "[redacted]"
    finally:
        conn.close()
    assert conn.demo is None


def test_configured_credentials_mean_no_demo_unless_asked(isolated_home):
    path = write_config(isolated_home / ".config" / "ordertui" / "config.toml")
    assert not Connection(config_path=path).wants_demo()
    assert Connection(config_path=path, force_demo=True).wants_demo()
    assert Connection(config_path=path, overrides=Overrides(demo=True)).wants_demo()


def test_a_bad_config_is_a_demo_for_the_app_and_an_error_for_a_named_profile(isolated_home):
    bad = isolated_home / "bad.toml"
    bad.write_text("profiles = 3\n", encoding="utf-8")
    conn = Connection(config_path=bad)
    assert conn.wants_demo()
    assert conn.config_error and "bad.toml" in conn.config_error
    with pytest.raises(ConfigError):
        conn.resolve()
    named = Connection(config_path=bad, overrides=Overrides(profile="main"))
    assert not named.wants_demo()


# ---- secrets --------------------------------------------------------------------------------
@pytest.mark.parametrize("profile_name", ["main", "broker"])
def test_every_profile_handed_out_has_its_secrets_registered(isolated_home, profile_name):
    path = write_config(isolated_home / "config.toml")
    conn = Connection(config_path=path, overrides=Overrides(profile=profile_name))
    profile = conn.resolve()
    assert profile.has_credentials
    text = f"echo {ACCESS} {SECRET} {TOKEN}"
    scrubbed = conn.redactor.scrub(text)
    wanted = (TOKEN,) if profile_name == "broker" else (ACCESS, SECRET)
    for secret in wanted:
        assert secret not in scrubbed


def test_a_config_secret_never_reaches_the_log_or_an_error_line(isolated_home, capsys):
    """The command line's path: a secret read from the config file is scrubbed from the log
    file's records and from the one-line error of an exception that quotes it."""
    from tui.cli.common import Context
    from tui.core.redact import Redactor

    path = write_config(isolated_home / "config.toml")
    args = argparse.Namespace(config=str(path), profile=None, exchange=None, demo=False)
    redactor = Redactor()
    ctx = Context(args, redactor)
    ctx.profile()
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep()
    handler.addFilter(RedactingFilter(redactor))
    log = logging.getLogger("tests.connection")
    log.addHandler(handler)
    try:
        log.warning("the exchange said: bad key %s / %s", ACCESS, SECRET)
    finally:
        log.removeHandler(handler)
    ctx.fail(OrderTuiError(f"refused {ACCESS}", hint=f"check {SECRET}"))
    err = capsys.readouterr().err
    assert records and "[redacted]" in records[0]
    for text in (*records, err):
        assert ACCESS not in text and SECRET not in text


class _Echo(BaseHTTPRequestHandler):
    """Refuses every request with an error message quoting the config's keys back."""

    def _answer(self) -> None:
        body = json.dumps(
            {"error": {"name": "invalid_access_key", "message": f"bad {ACCESS} / {SECRET}"}}
        ).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_DELETE = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echo_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_cancel_against_an_exchange_echoing_the_config_keys_shows_them_nowhere(
    tmp_path, echo_server
):
    home = tmp_path / "home"
    config = write_config(home / ".config" / "ordertui" / "config.toml", base_url=echo_server)
    proc = subprocess.run(
        [sys.executable, "-m", "tui", "cancel", "--uuid", UUID, "--yes", "--json"],
        env=home_env(home, ORDERTUI_LOG_LEVEL="DEBUG"),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert proc.returncode == 3, proc.stderr  # refused credentials halt the run
    assert "[redacted]" in proc.stdout  # the exchange's message did come back, scrubbed
    seen = [proc.stdout, proc.stderr]
    seen += [p.read_text(errors="replace") for p in home.rglob("*") if p.is_file() and p != config]
    for text in seen:
        assert ACCESS not in text and SECRET not in text


# ---- the journal ------------------------------------------------------------------------------
def test_the_journal_opens_in_the_users_data_dir_with_the_configs_limits(isolated_home):
    path = write_config(isolated_home / "config.toml", keep_runs=7)
    conn = Connection(config_path=path)
    profile = conn.resolve()
    journal = conn.open_journal(profile)
    assert journal.directory == isolated_home / ".local/share" / "ordertui" / "journal"
    assert journal.keep_runs == 7
    assert journal.redactor is conn.redactor


def test_a_demo_journal_needs_no_readable_config_but_a_real_one_does(isolated_home):
    bad = isolated_home / "bad.toml"
    bad.write_text("[journal]\nkeep_runs = 0\n", encoding="utf-8")
    conn = Connection(config_path=bad, overrides=Overrides(demo=True))
    try:
        demo = conn.demo_profile()
        assert conn.open_journal(demo).keep_runs == 500  # the default
        real = Connection(config_path=bad)
        with pytest.raises(ConfigError):
            real.open_journal(
                demo.__class__(name="x", exchange="upbit", region="kr", base_url=None)
            )
    finally:
        conn.close()
