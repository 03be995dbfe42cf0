"""Several profiles in one run: which profiles, one client each, one rate budget per account.

`--profile A --profile B` or `--all-profiles` (cancel, orders, reconcile). Every profile is
resolved from the config file alone, before anything is sent: a profile that cannot be used
(unknown, missing credentials) stops the run with one line and exit 2. Profiles on the same
account share one in-process `RateLimits` (`account_key`): the exchange counts their requests
together, so must we.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tui.core import decimal_json
from tui.core.config import Overrides
from tui.core.errors import EXIT_AUTH, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, InputError
from tui.core.exchange import Exchange
from tui.core.ratelimit import RateLimits
from tui.core.resolve import ResolvedProfile, resolve

if TYPE_CHECKING:
    from tui.cli.common import Context
    from tui.core.ports import ExchangeClient

# Worst first. Anything else (70 internal error, 130 interrupted) is worse than all of them.
_RANK = {EXIT_OK: 0, EXIT_PARTIAL: 1, EXIT_USAGE: 2, EXIT_AUTH: 3}
ONE_PROFILE_FLAGS = ("exchange", "region", "base_url", "account_id")


def worst_exit(codes: Sequence[int]) -> int:
    """The exit code of a run on several profiles: the worst of theirs (3 > 2 > 1 > 0, and any
    other code, such as 70 for an internal error, above them all)."""
    return max(codes, key=lambda c: _RANK.get(c, 10 + c), default=EXIT_OK)


def requested(args: Any) -> bool:
    """Does the command line ask for the multi-profile form (two or more distinct profiles, or
    --all-profiles)? One `--profile` keeps today's single-profile path and output."""
    names = set(getattr(args, "profiles", None) or [])
    return bool(getattr(args, "all_profiles", False)) or len(names) > 1


def account_key(profile: ResolvedProfile, pocket: str | None = None) -> str:
    """What identifies the rate budget a profile spends: its pocket when the config names one
    (Upbit counts per pocket), else a hash of exchange, host and access key (Upbit) or token
    (B2TRADER). Never the secret itself: the key may end up in a log."""
    if pocket:
        return f"pocket:{profile.exchange}:{pocket}"
    if profile.exchange == Exchange.B2TRADER:
        secret = profile.token.get_secret_value() if profile.token else ""
        host = profile.base_url or ""
    else:
        from tui.exchanges.upbit import region_host

        secret = profile.access_key.get_secret_value() if profile.access_key else ""
        host = profile.base_url or region_host(profile.region)
    import httpx

    host = httpx.URL(host).host or host
    digest = hashlib.sha256(f"{profile.exchange}\n{host}\n{secret}".encode()).hexdigest()
    return f"key:{digest[:24]}"


@dataclass(slots=True)
class Member:
    """One profile of the run: its resolved settings, its client, its budget's key."""

    name: str
    profile: ResolvedProfile
    client: ExchangeClient
    budget: str

    def describe(self) -> str:
        return self.client.describe()


def profile_names(ctx: Context) -> list[str]:
    """The profiles asked for, in the order given (--all-profiles: the config file's order).
    Bad input raises InputError/ConfigError (one line, exit 2) before anything connects."""
    args = ctx.args
    named = list(dict.fromkeys(getattr(args, "profiles", None) or []))
    if getattr(args, "all_profiles", False) and named:
        raise InputError(
            "--profile and --all-profiles cannot be combined: name the profiles, or take them all"
        )
    if getattr(args, "demo", False):
        raise InputError(
            "--demo runs one built-in simulator: it cannot be combined with several profiles"
        )
    given = [f"--{f.replace('_', '-')}" for f in ONE_PROFILE_FLAGS if getattr(args, f, None)]
    if given:
        raise InputError(
            f"{given[0]} applies to one profile: with several profiles each uses its own "
            "settings from the config file"
        )
    config = ctx.config  # a broken file is one line and exit 2 (ConfigError)
    known = list(config.profiles)
    if getattr(args, "all_profiles", False):
        if not known:
            raise InputError(
                f"--all-profiles: no profiles are configured in {ctx.connection.config_file} "
                "(add one with `ordertui config add NAME`)"
            )
        return known
    unknown = [n for n in named if n not in config.profiles]
    if unknown:
        listed = ", ".join(known) or "none configured"
        raise InputError(f"no profile named {unknown[0]!r} (profiles: {listed})")
    return named


def members(ctx: Context, names: Sequence[str]) -> list[Member]:
    """Resolve every profile and build its client; profiles on one account share one
    RateLimits. The environment's credentials are not used here: with several profiles they
    would silently point every profile at the same account."""
    import os
    import sys

    from tui.core.config import ENV_B2_TOKEN, ENV_UPBIT_ACCESS, ENV_UPBIT_SECRET

    config = ctx.config
    ignored = [v for v in (ENV_UPBIT_ACCESS, ENV_UPBIT_SECRET, ENV_B2_TOKEN) if os.environ.get(v)]
    if ignored:
        print(
            f"ordertui: note: {', '.join(ignored)} not used: with several profiles, each "
            "profile's credentials come from the config file",
            file=sys.stderr,
        )
    resolved: list[tuple[str, ResolvedProfile, str]] = []
    for name in names:
        profile = ctx.connection.register(resolve(config, Overrides(profile=name), env={}))
        missing = profile.missing()
        if missing:
            raise InputError(
                f"profile {name!r} cannot be used: missing {'; '.join(missing)} "
                "(with several profiles, credentials come from the config file only)"
            )
        resolved.append((name, profile, account_key(profile, config.profiles[name].pocket)))
    # The first client of each account makes the budget (after the cross-process one, when the
    # factory has it); the others of that account are handed the same object.
    budgets: dict[str, RateLimits] = {}
    out: list[Member] = []
    try:
        for name, profile, key in resolved:
            client = ctx.connection.make_client(profile, limits=budgets.get(key))
            limits = getattr(client, "limits", None)
            if isinstance(limits, RateLimits):
                budgets.setdefault(key, limits)
            out.append(Member(name, profile, client, key))
    except BaseException:
        close_all(out)
        raise
    return out


def close_all(group: Sequence[Member], runner: asyncio.Runner | None = None) -> None:
    """Close the clients still open, on `runner`'s loop (where their pools live) if given."""
    from tui.cli.cancel_cmd import client_closed

    left = [m.client for m in group if not client_closed(m.client)]
    if left:
        (runner.run if runner is not None else asyncio.run)(aclose_all(group))


async def aclose_all(group: Sequence[Member]) -> None:
    for member in group:
        await member.client.aclose()


def json_line(ctx: Context, name: str, body: dict[str, Any]) -> str:
    """One profile's report as one JSON line, its "profile" first, scrubbed (an exchange may
    echo our token or access key back in an answer)."""
    return ctx.redactor.scrub(decimal_json.dumps({"profile": name, **body}, indent=None))


def heading(name: str, target: str) -> str:
    return f"== profile {name}: {target} =="
