"""`ordertui config`: where the file is, what it says (masked), create it, add a profile."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from pydantic import SecretStr, ValidationError

from tui.cli.common import Context
from tui.core.config import (
    ENV_B2_TOKEN,
    ENV_UPBIT_ACCESS,
    ENV_UPBIT_SECRET,
    AppConfig,
    Profile,
    mask,
)
from tui.core.config_edit import save_profile
from tui.core.config_read import load_config
from tui.core.config_write import TEMPLATE, write_private
from tui.core.errors import EXIT_OK, EXIT_USAGE, ConfigError, InputError, validation_message
from tui.core.exchange import Exchange
from tui.core.paths import default_config_path


def run_config(ctx: Context) -> int:
    args = ctx.args
    path = os.path.expanduser(args.config) if args.config else str(default_config_path())
    action = args.config_command or "show"
    if action == "path":
        print(path)
        return EXIT_OK
    if action == "init":
        if os.path.exists(path):
            print(f"{path} exists; not overwritten.")
            return EXIT_OK
        write_private(Path(path), TEMPLATE)
        print(f"Created {path} (mode 600). Add a profile with `ordertui config add NAME`.")
        return EXIT_OK
    if action == "show":
        config = load_config(args.config)
        print(f"# {config.path}")
        if config.default_profile:
            print(f"default_profile = {config.default_profile}")
        for name, prof in config.profiles.items():
            print(f"[profiles.{name}]")
            for key, value in prof.model_dump().items():
                if value is None:
                    continue
                shown = mask(value.get_secret_value()) if isinstance(value, SecretStr) else value
                print(f"  {key} = {shown}")
        if not config.profiles:
            print("(no profiles: `ordertui` runs in demo mode)")
        return EXIT_OK
    if action == "add":
        return _add(ctx, path)
    return EXIT_USAGE


def _secret(env_key: str, prompt: str) -> SecretStr:
    value = os.environ.get(env_key)
    if value:
        return SecretStr(value.strip())
    if not sys.stdin.isatty():
        raise InputError(f"set {env_key} or run in a terminal to be asked for the {prompt}")
    entered = getpass.getpass(f"{prompt}: ").strip()
    if not entered:
        raise InputError(f"no {prompt} given")
    return SecretStr(entered)


def _add(ctx: Context, path: str) -> int:
    args = ctx.args
    target = Path(path)
    config = load_config(path) if target.exists() else AppConfig(path=target)
    try:
        profile = _new_profile(args)
    except ValidationError as exc:
        raise ConfigError(validation_message(exc, what="profile")) from None
    make_default = bool(args.default or not config.default_profile)
    save_profile(target, args.name, profile, make_default=make_default)
    print(f"Profile {args.name!r} saved to {target} (mode 600).")
    return EXIT_OK


def _new_profile(args: argparse.Namespace) -> Profile:
    if args.exchange == Exchange.UPBIT:
        return Profile(
            exchange="upbit",
            region=args.region or "kr",
            base_url=args.base_url,
            access_key=_secret(ENV_UPBIT_ACCESS, "Upbit access key"),
            secret_key=_secret(ENV_UPBIT_SECRET, "Upbit secret key"),
        )
    else:
        if not args.base_url:
            raise ConfigError("a B2TRADER profile needs --base-url (each broker has its own host)")
    return Profile(
        exchange="b2trader",
        base_url=args.base_url,
        account_id=args.account_id,
        token=_secret(ENV_B2_TOKEN, "B2TRADER API token"),
    )
