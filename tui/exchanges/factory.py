"""Build the right client for a resolved profile.

Every ordertui process on this machine using the same account (same key, or the same
`pocket = "NAME"` in the profile) shares one rate budget (tui/core/shared_budget.py)."""

from __future__ import annotations

import httpx

from tui.core.errors import ConfigError
from tui.core.exchange import Exchange
from tui.core.ports import ExchangeClient
from tui.core.ratelimit import RateLimits
from tui.core.resolve import ResolvedProfile
from tui.core.shared_budget import shared_stores
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
    pocket = profile.pocket
    if profile.exchange == Exchange.B2TRADER:
        assert profile.token is not None and profile.base_url is not None
        rps = profile.rps or DEFAULT_RPS
        b2 = B2TraderClient(
            profile.base_url,
            profile.token.get_secret_value(),
            profile.account_id,
            rps=rps,
            limits=limits,
            transport=transport,
            timeout=timeout,
        )
        token = profile.token.get_secret_value()
        if limits is None:  # a budget handed in is already the account's (shared) one
            _share(b2, "b2trader", token, pocket, profile.demo, {"b2trader": (rps, 1.0)})
        return b2
    assert profile.access_key is not None and profile.secret_key is not None
    client = UpbitClient(
        profile.access_key.get_secret_value(),
        profile.secret_key.get_secret_value(),
        region=profile.region,
        base_url=profile.base_url,
        algorithm=profile.jwt_algorithm,
        limits=limits,
        transport=transport,
        timeout=timeout,
    )
    if limits is None:
        _share(client, "upbit", profile.access_key.get_secret_value(), pocket, profile.demo, None)
    return client


def _share(
    client: UpbitClient | B2TraderClient,
    exchange: str,
    secret: str,
    pocket: str | None,
    demo: bool,
    groups: dict[str, tuple[int, float]] | None,
) -> None:
    """Give the client the account's shared budget (not for --demo: its simulator lives and
    dies with this process, under keys made up for the run)."""
    if demo:
        return
    host = httpx.URL(client.base_url).host
    stores = shared_stores(exchange=exchange, host=host, secret=secret, pocket=pocket)
    if stores is not None:
        client.limits = RateLimits(groups, stores=stores)
