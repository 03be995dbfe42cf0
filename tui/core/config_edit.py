"""Changing the config file in place: `ordertui config add` edits the file with tomlkit, so the
comments `config init` wrote (and the user's own) survive, and writes it 0600, atomically."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError

from tui.core.config import AppConfig, Profile
from tui.core.config_write import TEMPLATE, write_private
from tui.core.errors import ConfigError, validation_message
from tui.core.exchange import Exchange


def profile_entry(profile: Profile) -> dict[str, Any]:
    """What a profile writes: the keys given (an unset jwt_algorithm stays out, and a B2TRADER
    profile never has one), secrets revealed: the file is where they are kept."""
    entry: dict[str, Any] = {}
    for key, value in profile.model_dump(exclude_unset=True, exclude_none=True).items():
        if key == "jwt_algorithm" and profile.exchange != Exchange.UPBIT.value:
            continue
        entry[key] = value.get_secret_value() if isinstance(value, SecretStr) else value
    entry.setdefault("exchange", profile.exchange)
    return entry


def save_profile(path: Path, name: str, profile: Profile, *, make_default: bool) -> Path:
    """Add or replace `[profiles.NAME]` in the file, keeping everything else as written
    (comments, order, layout); a missing file starts from TEMPLATE. Written 0600, atomically,
    and only if the result still reads as a valid config."""
    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    text = path.read_text(encoding="utf-8") if path.exists() else TEMPLATE
    try:
        doc = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    profiles = doc.get("profiles")
    if profiles is None:
        profiles = tomlkit.table(is_super_table=True)
        doc["profiles"] = profiles
    entry = profile_entry(profile)
    try:
        table = profiles.get(name)
        if isinstance(table, dict):  # replace the keys; the table's own comments stay
            for key in [k for k in table if k not in entry]:
                del table[key]
            for key, value in entry.items():
                table[key] = value
        else:
            table = tomlkit.table()
            table.update(entry)
            profiles[name] = table
        if make_default or not doc.get("default_profile"):
            doc["default_profile"] = name
        result = tomlkit.dumps(doc)
    except (TOMLKitError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{path}: cannot add the profile to this file's layout: {exc}") from None
    try:
        AppConfig.model_validate(tomllib.loads(result))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:  # never write what cannot be read
        raise ConfigError(
            f"{path}: the profile cannot be saved: {validation_message(exc)}"
        ) from None
    write_private(path, result)
    return path
