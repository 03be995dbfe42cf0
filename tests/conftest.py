"""Fixtures shared by the whole suite: isolated user dirs and a seeded loopback simulator,
and the checks every test passes through (see `_no_hidden_errors`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.process_checks import ProcessChecks, hypothesis_seed_header, setup_hypothesis_seed


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "internal_errors_expected: the test provokes a bug the product catches and logs "
        "(an engine internal_error, a broken listener, a logged exception) and checks it itself",
    )
    config.addinivalue_line(
        "markers",
        "rate_limited_expected: the test makes a simulator answer 429 (or 418) on purpose",
    )
    setup_hypothesis_seed(config)


def pytest_report_header(config: pytest.Config) -> str:
    return hypothesis_seed_header(config)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    # Also at the end (the header is not shown with -q): what replays this run's examples.
    line = hypothesis_seed_header(config)
    if line and exitstatus != 0:
        terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _no_hidden_errors(request: pytest.FixtureRequest) -> Iterator[ProcessChecks]:
    """Fail any test in which the product hid a problem behind a good end state: an engine run
    that caught an internal error, an ERROR logged by ordertui (in this process, or in the log
    file of a CLI subprocess under the test's tmp_path), an `internal_error` in a journal, a
    simulator that answered 429/418 or crashed. A test that provokes one on purpose says so
    with a marker and checks it itself."""
    checks = ProcessChecks(request)
    checks.start()
    try:
        yield checks
    finally:
        checks.stop()
    checks.verify()


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point every user directory (config, data, state, logs) into a temporary home."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        monkeypatch.setenv(var, str(home / sub))
    for var in (
        "UPBIT_OPEN_API_ACCESS_KEY",
        "UPBIT_OPEN_API_SECRET_KEY",
        "UPBIT_OPEN_API_SERVER_URL",
        "B2TRADER_TOKEN",
        "B2TRADER_ACCOUNT_ID",
        "B2TRADER_BASE_URL",
        "ORDERTUI_JOURNAL_DIR",
        "ORDERTUI_LOG_FILE",
        "NO_COLOR",
    ):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture
def make_sim() -> Iterator[object]:
    """make(**SimConfig fields) -> a started simulator on 127.0.0.1; all are stopped after the test."""
    from tui.simulator.config import SimConfig
    from tui.simulator.server import SimulatorServer

    servers: list[SimulatorServer] = []

    def make(**config) -> SimulatorServer:
        server = SimulatorServer(SimConfig(**config)).start()
        servers.append(server)
        return server

    try:
        yield make
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def sim(make_sim) -> object:
    """A seeded simulator on 127.0.0.1 (40 Upbit orders, 12 B2TRADER orders)."""
    return make_sim(seed=7)


def home_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment for an `ordertui` subprocess in an isolated home: this machine's variables
    without any exchange credentials or ordertui settings, user directories under `home`."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("UPBIT_", "B2TRADER_", "ORDERTUI_"))
    }
    env.update(
        {
            "HOME": str(home),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local/share"),
            "XDG_STATE_HOME": str(home / ".local/state"),
            **extra,
        }
    )
    return env


def sim_env(server, home: Path) -> dict[str, str]:
    """Environment for an `ordertui` subprocess talking to `server` from an isolated home."""
    creds = server.credentials["upbit"]
    return home_env(
        home,
        UPBIT_OPEN_API_ACCESS_KEY=creds["access_key"],
        UPBIT_OPEN_API_SECRET_KEY=creds["secret_key"],
        UPBIT_OPEN_API_SERVER_URL=server.base_url,
        PYTHONWARNINGS="ignore",
    )
