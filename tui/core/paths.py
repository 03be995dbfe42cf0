"""Where ordertui keeps its files: platformdirs' user config, data and state directories."""

from __future__ import annotations

from pathlib import Path

from tui.core.config import APP_NAME


def config_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def state_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_state_dir(APP_NAME, appauthor=False))


def default_config_path() -> Path:
    return config_dir() / "config.toml"
