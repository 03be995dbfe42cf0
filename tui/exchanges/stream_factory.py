"""Build the order stream for a resolved profile (the counterpart of factory.make_client)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tui.core.errors import ConfigError
from tui.core.exchange import Exchange
from tui.core.resolve import ResolvedProfile
from tui.exchanges.b2trader_stream import B2TraderOrderStream
from tui.exchanges.stream_base import OrderStream
from tui.exchanges.upbit_stream import UpbitOrderStream


def make_order_stream(
    profile: ResolvedProfile, *, markets: Sequence[str] = (), **options: Any
) -> OrderStream:
    """`markets` filters Upbit's myOrder by code (B2TRADER streams the whole account)."""
    missing = profile.missing()
    if missing:
        raise ConfigError("missing credentials: " + "; ".join(missing))
    if profile.exchange == Exchange.B2TRADER:
        assert profile.token is not None and profile.base_url is not None
        return B2TraderOrderStream(
            profile.base_url, profile.token.get_secret_value(), profile.account_id, **options
        )
    assert profile.access_key is not None and profile.secret_key is not None
    return UpbitOrderStream(
        profile.access_key.get_secret_value(),
        profile.secret_key.get_secret_value(),
        region=profile.region,
        base_url=profile.base_url,
        algorithm=profile.jwt_algorithm,
        codes=markets,
        **options,
    )
