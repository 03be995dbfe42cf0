"""Regressions of small things a user saw: pydantic's "Value error," prefix in messages, a
dangling-symlink journal directory said "File exists", `https://exa mple.com` passed the URL
check, and a 64 MiB limit was called "67 MB"."""

from __future__ import annotations

import pytest

from tui.core.config_read import load_config
from tui.core.errors import ConfigError, InputError, validation_message
from tui.core.journal import Journal, make_dir
from tui.core.parsing import MAX_INPUT_BYTES, read_input_file
from tui.core.planner import Plan
from tui.core.sizes import mib
from tui.core.urls import check_base_url
from tui.ui.themes import read_theme_file


# ---- (c) one line, in the validator's own words -------------------------------------------
def test_a_config_file_value_refused_by_a_validator_has_no_pydantic_prefix(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text('[profiles.b]\nexchange = "b2trader"\nbase_url = "http://broker.example"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = caught.value.message
    assert "Value error" not in message
    assert message == (
        f"{path}, line 3: profiles.b.base_url: plain http is refused for broker.example: "
        "use https:// (http is allowed only to this machine) (got 'http://broker.example')"
    )


def test_a_theme_value_refused_by_a_validator_has_no_pydantic_prefix(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('name = "t"\nprimary = "no-such-colour"\n')
    with pytest.raises(ValueError) as caught:
        read_theme_file(path)
    assert str(caught.value) == "primary: not a colour: 'no-such-colour'"


def test_validation_message_keeps_pydantic_wording_for_its_own_checks():
    from pydantic import BaseModel

    class M(BaseModel):
        n: int

    try:
        M.model_validate({"n": "x"})
    except ValueError as exc:
        assert validation_message(exc) == (
            "n: Input should be a valid integer, unable to parse string as an integer"
        )
    assert validation_message(ValueError("two\nlines")) == "two lines"


# ---- (d) the journal directory ------------------------------------------------------------
def test_a_dangling_symlink_journal_dir_says_where_it_points(tmp_path):
    link = tmp_path / "journal"
    link.symlink_to(tmp_path / "gone")
    with pytest.raises(OSError) as caught:
        make_dir(link)
    assert caught.value.strerror == f"a symbolic link to {tmp_path / 'gone'}, which does not exist"
    assert caught.value.filename == str(link)
    assert "File exists" not in str(caught.value)


def test_a_file_in_the_way_of_the_journal_dir_is_not_a_directory(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("")
    with pytest.raises(OSError) as caught:
        make_dir(blocker)
    assert caught.value.strerror == "not a directory"
    make_dir(tmp_path / "fresh" / "journal")  # what is not in the way is created, 0700
    assert (tmp_path / "fresh" / "journal").is_dir()
    assert (tmp_path / "fresh" / "journal").stat().st_mode & 0o777 == 0o700


def test_the_journal_does_not_start_behind_a_dangling_symlink_nor_create_its_target(tmp_path):
    link = tmp_path / "journal"
    link.symlink_to(tmp_path / "gone")
    empty = Plan(requests=(), refs=(), duplicates=0, unsupported=())
    with pytest.raises(OSError) as caught:
        Journal(link).start("run-1", "upbit", "nowhere", empty)
    assert "which does not exist" in caught.value.strerror
    assert not (tmp_path / "gone").exists()


# ---- (f) host names -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "https://exa mple.com",
        "https://exa\tmple.com/",
        "https://exa%20mple.com",
        "https://a..b.example",
        "https://-broker.example",
        "https://broker-.example",
        "https://bro!ker.example",
    ],
)
def test_urls_whose_host_is_no_host_name_are_refused(url):
    with pytest.raises(ConfigError) as caught:
        check_base_url(url)
    assert caught.value.message.startswith("malformed base URL")


@pytest.mark.parametrize(
    "url",
    [
        "https://broker.example",
        "https://api.upbit.com.",
        "https://x_y.internal:8443/api",
        "https://bücher.example",
        "https://203.0.113.7",
        "http://[::1]:9",
    ],
)
def test_real_host_names_and_addresses_still_pass(url):
    assert check_base_url(url) == url.rstrip("/")


# ---- (g) sizes in MiB ---------------------------------------------------------------------
def test_sizes_are_said_in_mib():
    assert mib(64 * 1024 * 1024) == "64 MiB"
    assert mib(8 * 1024 * 1024) == "8 MiB"
    assert mib(70_000_000) == "66.8 MiB"
    assert mib(100) == "100 bytes"


def test_a_file_over_the_input_limit_names_the_limit_as_64_mib(tmp_path):
    big = tmp_path / "ids.txt"
    with big.open("wb") as handle:  # sparse: no 70 MB written
        handle.truncate(70_000_000)
    assert MAX_INPUT_BYTES == 64 * 1024 * 1024
    with pytest.raises(InputError) as caught:
        read_input_file(big)
    assert caught.value.message == f"{big} is 66.8 MiB; the limit is 64 MiB"
    assert "67" not in caught.value.message
