"""`ordertui config init` then `config add`: the comments survive, the file stays 0600, a
B2TRADER profile gets no jwt_algorithm, and a refused value reads as one plain line."""

from __future__ import annotations

import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import home_env
from tui.core.config_read import load_config
from tui.core.config_write import TEMPLATE


def run(args: list[str], home: Path, **env: str) -> subprocess.CompletedProcess:
    base = home_env(home, **env)
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        env=base,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def config_path(isolated_home: Path) -> Path:
    return isolated_home / "ordertui.toml"


UPBIT = {"UPBIT_OPEN_API_ACCESS_KEY": "A" * 40, "UPBIT_OPEN_API_SECRET_KEY": "S" * 40}
B2 = {"B2TRADER_TOKEN": "T" * 48}


def comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


def test_init_then_add_keeps_every_comment_and_the_file_private(isolated_home, config_path):
    cfg = ["config", "--config", str(config_path)]
    assert run([*cfg, "init"], isolated_home).returncode == 0
    assert config_path.read_text() == TEMPLATE
    # The user's own notes too, in and after a table.
    with config_path.open("a") as handle:
        handle.write("\n# my own note: keep the journal small\n")

    added = run([*cfg, "add", "main"], isolated_home, **UPBIT)
    assert added.returncode == 0, added.stderr
    broker = run(
        [*cfg, "add", "broker", "--exchange", "b2trader", "--base-url", "https://broker.example"],
        isolated_home,
        **B2,
    )
    assert broker.returncode == 0, broker.stderr

    text = config_path.read_text()
    expected = comments(TEMPLATE) + ["# my own note: keep the journal small"]
    assert comments(text) == expected
    assert stat.S_IMODE(config_path.stat().st_mode) == 0o600
    data = tomllib.loads(text)
    assert data["default_profile"] == "main"
    assert data["profiles"]["broker"] == {
        "exchange": "b2trader",
        "base_url": "https://broker.example",
        "token": "T" * 48,
    }
    assert "jwt_algorithm" not in data["profiles"]["broker"]
    assert data["profiles"]["main"]["region"] == "kr"
    assert data["journal"] == {"max_mb": 100, "keep_runs": 500}
    config = load_config(config_path)
    assert config.profiles["main"].secret_key.get_secret_value() == "S" * 40
    assert not list(config_path.parent.glob(".ordertui-*"))  # no temporary file left behind


def test_replacing_a_profile_keeps_the_comments_inside_it(isolated_home, config_path):
    config_path.write_text(
        "# top\n"
        'default_profile = "main"\n\n'
        "[profiles.main]  # the trading key\n"
        'exchange = "upbit"\n'
        "# rotated every month\n"
        'access_key = "old-access-key-0000"\n'
        'secret_key = "old-secret-key-0000"\n'
        'jwt_algorithm = "HS256"\n'
    )
    config_path.chmod(0o600)
    done = run(
        ["config", "--config", str(config_path), "add", "main", "--region", "sg"],
        isolated_home,
        **UPBIT,
    )
    assert done.returncode == 0, done.stderr
    text = config_path.read_text()
    assert "# top" in text and "# the trading key" in text and "# rotated every month" in text
    main = tomllib.loads(text)["profiles"]["main"]
    assert main == {
        "exchange": "upbit",
        "region": "sg",
        "access_key": "A" * 40,
        "secret_key": "S" * 40,
    }
    assert "old-secret" not in text


def test_a_refused_base_url_is_one_plain_line(isolated_home, config_path):
    done = run(
        [
            "config",
            "--config",
            str(config_path),
            "add",
            "broker",
            "--exchange",
            "b2trader",
            "--base-url",
            "http://broker.example",
        ],
        isolated_home,
        **B2,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("ordertui: error: base_url: plain http is refused for")
    assert "Value error" not in done.stderr
    assert not config_path.exists()
