"""Configuration: profiles, precedence (flags > environment > file), 0600 files, URL safety."""

from __future__ import annotations

import os
import stat

import pytest

from tui.core.config import AppConfig, Overrides, Profile, mask
from tui.core.config_read import load_config
from tui.core.config_write import save_config
from tui.core.errors import ConfigError
from tui.core.paths import default_config_path
from tui.core.resolve import resolve
from tui.core.urls import check_base_url

FILE = """
default_profile = "main"

[profiles.main]
exchange = "upbit"
region = "sg"
access_key = "file-access-key-000000000000000000000000"
secret_key = "file-secret-key-000000000000000000000000"

[profiles.broker]
exchange = "b2trader"
base_url = "https://broker.example"
account_id = "acc-1"
token = "file-token-0000000000"
rps = 5
"""


@pytest.fixture
def config_file(isolated_home, tmp_path):
    path = tmp_path / "config.toml"
    path.write_text(FILE)
    path.chmod(0o600)
    return path


def test_default_path_is_in_user_config_dir(isolated_home):
    assert default_config_path() == isolated_home / ".config" / "ordertui" / "config.toml"
    assert load_config().profiles == {}


def test_file_values(config_file):
    resolved = resolve(load_config(config_file), env={})
    assert (resolved.name, resolved.exchange, resolved.region) == ("main", "upbit", "sg")
    assert resolved.access_key.get_secret_value().startswith("file-access")
    assert resolved.sources["access_key"] == "profile main"


def test_env_beats_file_and_flags_beat_env(config_file):
    env = {
        "UPBIT_OPEN_API_ACCESS_KEY": "env-access",
        "UPBIT_OPEN_API_SECRET_KEY": "env-secret",
        "UPBIT_OPEN_API_SERVER_URL": "https://env.example",
    }
    resolved = resolve(load_config(config_file), env=env)
    assert resolved.access_key.get_secret_value() == "env-access"
    assert resolved.secret_key.get_secret_value() == "env-secret"
    assert resolved.base_url == "https://env.example"
    flagged = resolve(
        load_config(config_file), Overrides(base_url="https://flag.example", region="th"), env=env
    )
    assert flagged.base_url == "https://flag.example" and flagged.region == "th"
    assert flagged.sources["base_url"] == "flag"


def test_key_pair_never_mixed_across_sources(config_file):
    with pytest.raises(
        ConfigError, match="UPBIT_OPEN_API_ACCESS_KEY is set but UPBIT_OPEN_API_SECRET_KEY is not"
    ):
        resolve(load_config(config_file), env={"UPBIT_OPEN_API_ACCESS_KEY": "env-access"})


def test_region_flag_beats_url_from_env_and_file(isolated_home, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[profiles.a]\nexchange = "upbit"\nbase_url = "https://api.upbit.com"\n')
    env = {"UPBIT_OPEN_API_SERVER_URL": "https://api.upbit.com"}
    resolved = resolve(load_config(path), Overrides(region="sg"), env=env)
    assert resolved.region == "sg" and resolved.base_url is None  # the sg host, not Korea's


def test_default_profile_of_other_exchange_is_not_mixed_in(config_file):
    resolved = resolve(load_config(config_file), Overrides(exchange="b2trader"), env={})
    assert resolved.exchange == "b2trader" and resolved.base_url is None and resolved.name is None
    with pytest.raises(ConfigError, match="profile 'main' is for upbit, not b2trader"):
        resolve(load_config(config_file), Overrides(profile="main", exchange="b2trader"), env={})


def test_b2trader_needs_an_account_id(isolated_home):
    resolved = resolve(
        load_config(),
        Overrides(exchange="b2trader"),
        env={"B2TRADER_TOKEN": "tok-123456", "B2TRADER_BASE_URL": "https://b.example"},
    )
    assert any("account id" in m for m in resolved.missing())


@pytest.mark.parametrize("bad", ["abc def", "abc\ndef", "키키키키", "abc\x00"])
def test_credentials_with_spaces_or_controls_refused_without_echo(isolated_home, bad):
    with pytest.raises(ConfigError) as caught:
        resolve(
            load_config(), env={"B2TRADER_TOKEN": bad, "B2TRADER_BASE_URL": "https://b.example"}
        )
    assert bad.strip() not in caught.value.message


def test_b2trader_profile(config_file):
    resolved = resolve(
        load_config(config_file),
        Overrides(profile="broker"),
        env={"B2TRADER_ACCOUNT_ID": "acc-env"},
    )
    assert (
        resolved.exchange == "b2trader" and resolved.account_id == "acc-env" and resolved.rps == 5
    )
    flagged = resolve(
        load_config(config_file),
        Overrides(profile="broker", account_id="acc-flag"),
        env={"B2TRADER_ACCOUNT_ID": "acc-env"},
    )
    assert flagged.account_id == "acc-flag"


def test_env_only_credentials_need_no_file(isolated_home):
    resolved = resolve(
        load_config(),
        env={"B2TRADER_TOKEN": "tok-123456", "B2TRADER_BASE_URL": "https://b.example"},
    )
    assert resolved.exchange == "b2trader" and resolved.has_credentials


def test_no_credentials_anywhere(isolated_home):
    resolved = resolve(load_config(), env={})
    assert not resolved.has_credentials
    assert any("access key" in m for m in resolved.missing())


def test_unknown_profile_named(config_file):
    with pytest.raises(ConfigError, match="no profile named 'nope'.*broker, main"):
        resolve(load_config(config_file), Overrides(profile="nope"), env={})


def test_unknown_region_and_exchange(config_file):
    with pytest.raises(ConfigError, match="unknown region"):
        resolve(load_config(config_file), Overrides(region="us"), env={})
    with pytest.raises(ConfigError, match="unknown exchange"):
        resolve(load_config(config_file), Overrides(exchange="binance"), env={})


def test_world_readable_credentials_refused_with_chmod(config_file):
    config_file.chmod(0o644)
    with pytest.raises(ConfigError) as caught:
        load_config(config_file)
    assert f"chmod 600 {config_file}" in caught.value.message


def test_saved_config_is_0600_and_round_trips(isolated_home, tmp_path):
    config = AppConfig(
        profiles={"x": Profile(exchange="upbit", access_key="a" * 40, secret_key="b" * 40)},
        default_profile="x",
    )
    target = save_config(config, tmp_path / "new" / "config.toml")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    again = load_config(target)
    assert again.profiles["x"].secret_key.get_secret_value() == "b" * 40


def test_secrets_never_in_repr(config_file):
    resolved = resolve(load_config(config_file), env={})
    text = repr(resolved) + str(load_config(config_file))
    assert "file-secret" not in text and "file-access" not in text
    assert resolved.masked_credentials()["secret_key"] == "file…00"


def test_mask():
    assert mask("ab12cd34ef") == "ab12…ef"
    assert mask(None) == "(not set)"
    assert mask("short") == "…"


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:9", "https://api.upbit.com/"],
)
def test_allowed_urls(url):
    assert check_base_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://api.upbit.com", "plain http is refused"),
        ("http://10.0.0.5:8000", "plain http is refused"),
        ("ftp://x", "must start with https"),
        ("api.upbit.com", "must start with https"),
        ("https://", "no host"),
        ("https://user:pw@host", "user name"),
        ("https://host:99999", "malformed"),
    ],
)
def test_refused_urls(url, why):
    with pytest.raises(ConfigError, match=why):
        check_base_url(url)


def test_http_profile_url_refused_in_file(isolated_home, tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[profiles.a]\nexchange = "upbit"\nbase_url = "http://example.com"\n')
    with pytest.raises(ConfigError, match=r"line 3.*plain http"):
        load_config(path)
