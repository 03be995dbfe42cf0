"""Writing the config file: 0600, atomically; and the template `config init` writes."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from tui.core.config import AppConfig
from tui.core.paths import default_config_path


def write_private(path: Path, content: str) -> None:
    """Write a file readable by its owner only (0600), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".ordertui-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def config_to_toml(config: AppConfig) -> str:
    import tomlkit

    from tui.core.config_edit import profile_entry

    data: dict[str, Any] = {}
    if config.default_profile:
        data["default_profile"] = config.default_profile
    if config.ui.theme:
        data["ui"] = {"theme": config.ui.theme}
    data["journal"] = config.journal.model_dump()
    profiles = {name: profile_entry(prof) for name, prof in config.profiles.items()}
    if profiles:
        data["profiles"] = profiles
    return tomlkit.dumps(data)


def save_config(config: AppConfig, path: str | Path | None = None) -> Path:
    target = Path(path).expanduser() if path else (config.path or default_config_path())
    write_private(target, config_to_toml(config))
    return target


TEMPLATE = """\
# ordertui configuration. This file holds credentials: keep it private (chmod 600).
# Precedence: command-line flags, then environment variables
# (UPBIT_OPEN_API_ACCESS_KEY, UPBIT_OPEN_API_SECRET_KEY, UPBIT_OPEN_API_SERVER_URL,
#  B2TRADER_TOKEN, B2TRADER_ACCOUNT_ID, B2TRADER_BASE_URL), then this file.

# default_profile = "upbit-kr"

# [profiles.upbit-kr]
# exchange = "upbit"
# region = "kr"                 # kr | sg | id | th
# access_key = "..."
# secret_key = "..."
# jwt_algorithm = "HS512"       # or HS256

# [profiles.broker]
# exchange = "b2trader"
# base_url = "https://your-broker.example"
# account_id = "..."
# token = "..."
# rps = 10                      # requests per second (B2TRADER documents no limit)

[journal]
max_mb = 100
keep_runs = 500
"""
