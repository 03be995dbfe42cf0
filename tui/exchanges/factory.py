"""Build the right client for a resolved profile."""

from __future__ import annotations

import httpx

from tui.core.errors import ConfigError
from tui.core.exchange import Exchange
from tui.core.ports import ExchangeClient
from tui.core.ratelimit import RateLimits
from tui.core.resolve import ResolvedProfile
from tui.exchanges.b2trader import DEFAULT_RPS, B2TraderClient
from tui.exchanges.upbit import UpbitClient


def make_client(
    profile: ResolvedProfile,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: float = 10.0,
    limits: RateLimits | None = None,
) -> ExchangeClient:
    """`limits`: a rate budget shared with other clients of the same account (several
    profiles in one run, tui/cli/profiles.py); by default the client makes its own."""
    missing = profile.missing()
    if missing:
        raise ConfigError(
            "missing credentials: "
            + "; ".join(missing)
            + " (or use --demo for the built-in simulator)"
        )
    if profile.exchange == Exchange.B2TRADER:
        assert profile.token is not None and profile.base_url is not None
        return B2TraderClient(
            profile.base_url,
            profile.token.get_secret_value(),
            profile.account_id,
            rps=profile.rps or DEFAULT_RPS,
            limits=limits,
            transport=transport,
            timeout=timeout,
        )
    assert profile.access_key is not None and profile.secret_key is not None
    return UpbitClient(
        profile.access_key.get_secret_value(),
        profile.secret_key.get_secret_value(),
        region=profile.region,
        base_url=profile.base_url,
        algorithm=profile.jwt_algorithm,
        limits=limits,
        transport=transport,
        timeout=timeout,
    )
