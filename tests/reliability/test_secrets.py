"""Must show 7: secrets. A full flow (cancel --json, a killed run, journal, reconcile, orders,
config show, a refused key) leaves no secret key, access key or JWT in any artefact: CLI
output, journal files, log files, the TUI's SVG snapshots. A hostile exchange echoing our
credentials cannot make us print or store them. World-readable credentials are refused with
the chmod to run; plain http only to loopback; TLS verification is never turned off."""

from __future__ import annotations

import html
import os
import re
import signal
import ssl
import stat
import subprocess
import uuid as uuidlib
from pathlib import Path

import pytest

from tui.core.config import Overrides, mask
from tui.core.config_read import load_config
from tui.core.resolve import resolve
from tui.exchanges.b2trader import B2TraderClient
from tui.exchanges.upbit import UpbitClient

from .helpers import REPO, journal_files, run_cli, start_cli, stop, wait_for
from .servers import EchoingExchange, RecordingRelay

JWT_RE = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}")
BEARER_RE = re.compile(r"(?i)bearer\s+(?!\[redacted\])[A-Za-z0-9_.-]{8,}")


def _write_config(env, text: str, mode: int = 0o600) -> Path:
    path = env.root / "config" / "ordertui" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, mode)
    return path


def _artefact_files(env) -> list[Path]:
    """Every file the flow wrote, except the config file (which holds the keys on purpose)."""
    out = []
    for path in env.root.rglob("*"):
        if path.is_file() and path.suffix != ".toml" and not path.name.startswith("stdin-"):
            out.append(path)
    return out


def _snapshots() -> list[Path]:
    return sorted((REPO / "tests").rglob("__snapshots__/**/*.svg"))


def _assert_clean(texts: dict[str, str], secrets: list[str]) -> None:
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a secret ({secret[:4]}…) in {where}"
        match = JWT_RE.search(text)
        assert match is None, f"a JWT in {where}: {match.group(0)[:16]}…"
        match = BEARER_RE.search(text)
        assert match is None, f"a bearer token in {where}: {match.group(0)[:16]}…"


@pytest.mark.slow
def test_a_full_flow_leaves_no_secret_in_any_artefact(make_sim, env):
    sim = make_sim(
        seed=21, orders=400, latency_ms=120, drop_rate=0.1, fail_rate=0.1, fill_rate=0.05
    )
    creds = sim.credentials["upbit"]
    uuids = [o["uuid"] for o in sim.state.upbit_open_orders()]
    wrong_secret = "WrongSecretWrongSecretWrongSecretWrong001"
    outputs: dict[str, str] = {}
    with RecordingRelay(sim.port) as relay:
        _write_config(
            env,
            f'default_profile = "main"\n[profiles.main]\nexchange = "upbit"\n'
            f'base_url = "{relay.base_url}"\naccess_key = "{creds["access_key"]}"\n'
            f'secret_key = "{creds["secret_key"]}"\n',
        )
        base = {**env.vars, "ORDERTUI_LOG_LEVEL": "DEBUG"}

        def cli(name: str, args: list[str], stdin: str | None = None, extra: dict | None = None):
            proc = run_cli(args, {**base, **(extra or {})}, stdin=stdin)
            outputs[f"{name} stdout"], outputs[f"{name} stderr"] = proc.stdout, proc.stderr
            assert "Traceback" not in proc.stderr, proc.stderr
            return proc

        shown = cli("config show", ["config", "show"])
        assert (
            shown.returncode == 0
            and f"{creds['secret_key'][:4]}…{creds['secret_key'][-2:]}" in shown.stdout
        )
        assert cli("orders", ["orders", "--json"]).returncode == 0
        assert (
            cli(
                "dry run",
                ["cancel", "--from-file", "-", "--dry-run", "--json"],
                "\n".join(uuids[:50]),
            ).returncode
            == 0
        )
        assert cli(
            "cancel", ["cancel", "--from-file", "-", "--yes", "--json"], "\n".join(uuids[:100])
        ).returncode in (0, 1)
        assert cli("cancel text", ["cancel", "--uuid", uuids[100], "--yes"]).returncode in (0, 1)

        # a run killed mid-way leaves unresolved orders for reconcile
        seen = len(relay.tokens())
        proc = start_cli(
            ["cancel", "--from-file", "-", "--yes", "--json"], base, stdin="\n".join(uuids[101:])
        )
        try:
            # killed once its first requests are on the wire (their answers take 60-180 ms)
            wait_for(
                lambda: len(relay.tokens()) >= seen + 3 or proc.poll() is not None,
                30,
                what="requests",
            )
            proc.send_signal(signal.SIGKILL)
        finally:
            stop(proc)
        cli("journal", ["journal"])
        cli("journal json", ["journal", "--json"])
        unresolved = cli("unresolved", ["journal", "--unresolved", "--json"])
        assert '"unresolved": []' not in unresolved.stdout
        assert cli("reconcile", ["reconcile", "--yes", "--json"]).returncode in (0, 1)
        cli("reconcile text", ["reconcile", "--yes"])
        # a refused key: the error text must not carry what was sent
        refused = cli(
            "refused",
            ["cancel", "--uuid", uuids[-1], "--yes", "--json"],
            extra={
                "UPBIT_OPEN_API_SECRET_KEY": wrong_secret,
                "UPBIT_OPEN_API_ACCESS_KEY": creds["access_key"],
            },
        )
        assert refused.returncode == 3 and "jwt_verification" in refused.stdout + refused.stderr
        tokens = relay.tokens()

    assert len(tokens) >= max(sim.state.stats.requests, 10), (
        "the relay did not see the client's requests"
    )
    files = _artefact_files(env)
    logs = [p for p in files if "ordertui.log" in p.name]
    assert logs and any(p.stat().st_size for p in logs), "no log file to check"
    assert all(
        stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in logs + journal_files(env.journal_dir)
    )
    assert len(journal_files(env.journal_dir)) >= 4
    texts = dict(outputs)
    texts.update({str(p): p.read_text(errors="replace") for p in files})
    _assert_clean(texts, [creds["secret_key"], creds["access_key"], wrong_secret, *tokens])


# ---- snapshots ------------------------------------------------------------------------------
def _svg_text(path: Path) -> str:
    """An SVG's text as shown: entities decoded, non-breaking spaces as spaces."""
    return html.unescape(path.read_text(errors="replace")).replace("\xa0", " ")


def test_committed_snapshots_hold_no_demo_secret():
    """Snapshots are made with fixed, known demo keys (tests/ui/demo_keys.py), so a screen that
    showed a key would commit it: no 8 consecutive characters of any of them may be in an SVG.
    (This run's own keys are random and were never in the committed files.)"""
    from tests.ui import demo_keys

    texts = {p.name: _svg_text(p) for p in _snapshots()}
    # the check knows what to look for: the screen that shows credentials was made with these
    settings = texts["test_settings_screen.svg"]
    assert mask(demo_keys.UPBIT_ACCESS) in settings and mask(demo_keys.UPBIT_SECRET) in settings
    assert len(texts) >= 16
    for name, text in texts.items():
        for secret in demo_keys.SECRETS:
            pieces = {secret[i : i + 8] for i in range(len(secret) - 7)}
            shown = sorted(p for p in pieces if p in text)
            assert not shown, f"{name} shows part of a demo secret: {shown[:3]}"
    _assert_clean(texts, list(demo_keys.SECRETS))


def test_an_exchange_echoing_our_credentials_cannot_make_us_show_or_store_them(env):
    access = "EchoAccessEchoAccessEchoAccessEchoAcc001"
    secret = "EchoSecretEchoSecretEchoSecretEchoSec001"
    uuids = [str(uuidlib.uuid4()) for _ in range(21)]  # a batch of 20 and a single
    with EchoingExchange(uuids) as exchange:
        vars_ = {
            **env.vars,
            "UPBIT_OPEN_API_ACCESS_KEY": access,
            "UPBIT_OPEN_API_SECRET_KEY": secret,
            "UPBIT_OPEN_API_SERVER_URL": exchange.base_url,
            "ORDERTUI_LOG_LEVEL": "DEBUG",
        }
        texts = {}
        for name, args in (
            ("cancel json", ["cancel", "--from-file", "-", "--yes", "--json"]),
            ("cancel", ["cancel", "--from-file", "-", "--yes"]),
            ("orders json", ["orders", "--json"]),
            ("orders", ["orders"]),
        ):
            proc = run_cli(args, vars_, stdin="\n".join(uuids))
            assert "Traceback" not in proc.stderr
            texts[name] = proc.stdout + proc.stderr
        tokens = list(exchange.tokens)
    assert len(tokens) >= 4
    assert "validation_error" in texts["cancel json"]  # the echoing answer did reach us
    assert "[redacted]" in texts["cancel json"]
    texts.update({str(p): p.read_text(errors="replace") for p in _artefact_files(env)})
    _assert_clean(texts, [access, secret, *tokens])


# ---- files and transport ----------------------------------------------------------------------
def test_a_world_readable_credentials_file_is_refused_with_the_chmod(env):
    path = _write_config(
        env,
        '[profiles.main]\naccess_key = "AccessKeyAccessKeyAccessKeyAccessKey0001"\n'
        'secret_key = "SecretKeySecretKeySecretKeySecretKey0001"\n',
        mode=0o644,
    )
    for args in (
        ["cancel", "--uuid", str(uuidlib.uuid4()), "--yes"],
        ["config", "show"],
        ["orders"],
    ):
        proc = run_cli(args, env.vars)
        assert proc.returncode == 2, (args, proc.stderr)
        assert f"chmod 600 {path}" in proc.stderr
        assert "Traceback" not in proc.stderr and "SecretKey" not in proc.stderr + proc.stdout
    os.chmod(path, 0o600)
    proc = run_cli(["config", "show"], env.vars)
    assert (
        proc.returncode == 0 and "Secr…01" in proc.stdout and "SecretKeySecret" not in proc.stdout
    )


def test_config_files_are_created_private_whatever_the_umask(env):
    path = env.root / "made" / "config.toml"

    def careless() -> None:
        os.umask(0)

    for args in (
        ["config", "--config", str(path), "init"],
        ["config", "--config", str(path), "add", "main", "--region", "sg"],
    ):
        proc = subprocess.run(
            [*__import__("sys").executable.split(), "-m", "tui", *args],
            capture_output=True,
            text=True,
            timeout=60,
            preexec_fn=careless,
            env={
                **env.vars,
                "UPBIT_OPEN_API_ACCESS_KEY": "AccessKeyAccessKeyAccessKeyAccessKey0001",
                "UPBIT_OPEN_API_SECRET_KEY": "SecretKeySecretKeySecretKeySecretKey0001",
            },
        )
        assert proc.returncode == 0, proc.stderr
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert "SecretKeySecret" not in proc.stdout + proc.stderr
    assert load_config(path).profiles["main"].secret_key is not None


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com",
        "http://api.upbit.com",
        "http://127.0.0.1.nip.io",
        "http://localhost.evil.test",
        "http://10.0.0.1:8080",
        "http://[::ffff:8.8.8.8]",
    ],
)
def test_plain_http_is_refused_except_to_loopback(env, url):
    keys = {
        "UPBIT_OPEN_API_ACCESS_KEY": "AccessKeyAccessKeyAccessKeyAccessKey0001",
        "UPBIT_OPEN_API_SECRET_KEY": "SecretKeySecretKeySecretKeySecretKey0001",
    }
    uid = str(uuidlib.uuid4())
    by_flag = run_cli(
        ["cancel", "--uuid", uid, "--dry-run", "--base-url", url], {**env.vars, **keys}
    )
    by_env = run_cli(
        ["cancel", "--uuid", uid, "--dry-run"],
        {**env.vars, **keys, "UPBIT_OPEN_API_SERVER_URL": url},
    )
    for proc in (by_flag, by_env):
        assert proc.returncode == 2 and "plain http is refused" in proc.stderr, proc.stderr
    path = _write_config(env, f'[profiles.main]\nbase_url = "{url}"\n')
    by_file = run_cli(["cancel", "--uuid", uid, "--dry-run"], {**env.vars, **keys})
    assert by_file.returncode == 2 and "plain http is refused" in by_file.stderr
    assert str(path) in by_file.stderr and "line 2" in by_file.stderr


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9", "https://example.com"]
)
def test_loopback_http_and_any_https_are_accepted(env, url):
    proc = run_cli(
        ["cancel", "--uuid", str(uuidlib.uuid4()), "--dry-run", "--json", "--base-url", url],
        {**env.vars, "UPBIT_OPEN_API_ACCESS_KEY": "a" * 40, "UPBIT_OPEN_API_SECRET_KEY": "s" * 40},
    )
    assert proc.returncode == 0, proc.stderr


def test_tls_verification_is_never_disabled():
    pattern = re.compile(
        r"verify\s*=\s*False|CERT_NONE|check_hostname\s*=\s*False|_create_unverified_context"
        r"|PYTHONHTTPSVERIFY|verify_mode\s*="
    )
    offenders = [
        f"{p.relative_to(REPO)}:{n}"
        for p in (REPO / "tui").rglob("*.py")
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if pattern.search(line)
    ]
    assert offenders == []
    for client in (
        UpbitClient("a" * 40, "s" * 40),
        B2TraderClient("https://broker.example", "token-token-token", "acc"),
    ):
        context = client._client._transport._pool._ssl_context
        assert context.verify_mode is ssl.CERT_REQUIRED and context.check_hostname


def test_secrets_stay_out_of_reprs(env):
    profile = resolve(
        load_config(None),
        Overrides(),
        env={
            "UPBIT_OPEN_API_ACCESS_KEY": "AccessKeyAccessKeyAccessKeyAccessKey0001",
            "UPBIT_OPEN_API_SECRET_KEY": "SecretKeySecretKeySecretKeySecretKey0001",
        },
    )
    client = UpbitClient(
        "AccessKeyAccessKeyAccessKeyAccessKey0001", "SecretKeySecretKeySecretKeySecretKey0001"
    )
    for text in (
        repr(profile),
        str(profile),
        repr(client),
        str(client),
        client.describe(),
        repr(profile.secret_key),
        str(profile.access_key),
    ):
        assert "KeyAccessKey" not in text and "KeySecretKey" not in text, text
