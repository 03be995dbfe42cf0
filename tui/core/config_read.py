"""Reading the config file: a regular file of at most 1 MB, UTF-8 TOML, checked by the models;
a file holding credentials that other users can read is refused with the chmod to run."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path

from pydantic import ValidationError

from tui.core.config import AppConfig
from tui.core.config_messages import at_line, describe_validation, find_line
from tui.core.errors import ConfigError
from tui.core.paths import default_config_path
from tui.core.safe_read import FileRefused, read_regular

MAX_CONFIG_BYTES = 1024 * 1024


def load_config(path: str | Path | None = None) -> AppConfig:
    """Read the config file. A missing default file is an empty config; a missing `--config`
    file is an error. Every problem is one ConfigError naming the file (and line)."""
    explicit = path is not None
    target = Path(path).expanduser() if path is not None else default_config_path()
    if not target.exists():
        if explicit:
            raise ConfigError(f"config file not found: {target}")
        return AppConfig(path=target)
    try:  # a FIFO would hang, /dev/zero never end: a regular file of at most 1 MB only
        raw = read_regular(target, limit=MAX_CONFIG_BYTES, what="config file")
    except FileRefused as exc:
        raise ConfigError(exc.message) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{target}: not UTF-8 text") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{target}: invalid TOML: {exc}") from None
    try:
        config = AppConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation(target, text, exc)) from None
    config.path = target
    if any(p.has_credentials for p in config.profiles.values()):
        check_private(target)
    if config.default_profile and config.default_profile not in config.profiles:
        line = find_line(text, (), "default_profile")
        raise ConfigError(
            f"{target}{at_line(line)}: default_profile {config.default_profile!r} is not a profile "
            f"(profiles: {', '.join(config.profiles) or 'none'})"
        )
    return config


def check_private(path: Path) -> None:
    """Refuse a credentials file that group or others can read."""
    if os.name != "posix":
        return
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise ConfigError(
            f"{path} holds credentials but other users can read it (mode {mode:03o}): run  chmod 600 {path}"
        )
