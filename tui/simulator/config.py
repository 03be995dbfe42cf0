"""Settings of one simulator instance (book size, seed, region, limits, faults)."""

from __future__ import annotations

from dataclasses import dataclass

REGIONS = ("kr", "sg", "id", "th")
QUOTE_BY_REGION = {"kr": "KRW", "sg": "SGD", "id": "IDR", "th": "THB"}


@dataclass
class SimConfig:
    orders: int = 40  # Upbit open orders in the seeded book
    b2_orders: int = 12  # B2TRADER open orders in the seeded book
    seed: int = 7
    region: str = "kr"  # kr|sg|id|th; out_of_scope is 401 (kr) / 403 (global)
    rps: int = 30  # Upbit 'default' group, per account, sliding 1 s window
    b2_rps: int = 20  # B2TRADER, per token, sliding 1 s window
    latency_ms: float = 0.0  # mean added latency; each request waits U(0.5, 1.5) x mean
    fail_rate: float = 0.0  # 503 before acting
    drop_rate: float = 0.0  # act, then drop the connection without a complete response
    fill_rate: float = 0.0  # probability an order filled before a cancel reaches it
    # Escalation to 418: once an account has collected `ban_after_429` 429s within
    # `ban_window` seconds, its next over-limit request is answered 418 and the
    # account is blocked for ban_seconds * 2**(previous blocks) (capped at
    # ban_max_seconds). A single burst of 100 requests at rps=30 earns 70 429s,
    # well under 100, so it never gets a 418; ignoring 429s for a few seconds does.
    ban_after_429: int = 100
    ban_seconds: float = 10.0
    ban_window: float = 10.0
    ban_max_seconds: float = 600.0
    cancel_all_interval: float = 2.0  # DELETE /v1/orders/open: 1 call per this many seconds
    # Streams (tui/simulator/upbit_stream.py, b2trader_stream.py).
    stream_idle_timeout: float = 120.0  # Upbit: close after this long without a client message
    signalr_ping_interval: float = 15.0  # B2TRADER: server ping (type 6) every this many seconds
    signalr_client_timeout: float = 30.0  # B2TRADER: close after this long without a message
    stream_drop_rate: float = 0.0  # share of stream messages replaced by a dropped connection
    new_order_rate: float = 0.0  # new orders per second on each exchange (a seeded trickle)
    trade_rate: float = 0.0  # trades per second on each exchange (partial or full fills)
    # Another client of the Upbit account's pocket (a bot on the same key) spending this many
    # of its `default` requests per second (background.py). Changeable while running.
    background_rps: float = 0.0
    # Refusals for key permission / security settings (out_of_scope, the IP error): 401 in
    # Korea and 403 elsewhere by default (0); Korea's current error guide says 403 as well.
    scope_status: int = 0
    refuse_ip: bool = False  # answer every authenticated Upbit call no_authorization_ip

    def validate(self) -> SimConfig:
        """Raise ValueError (one readable line) for a setting out of range."""
        if self.region not in REGIONS:
            raise ValueError(f"region must be one of {', '.join(REGIONS)}, not {self.region!r}")
        for name in ("orders", "b2_orders"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 0 or value > 1_000_000:
                raise ValueError(f"{name} must be an integer between 0 and 1000000")
        for name in ("rps", "b2_rps", "ban_after_429"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer")
        for name in ("fail_rate", "drop_rate", "fill_rate", "stream_drop_rate"):
            value = getattr(self, name)
            if not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1")
        for name in (
            "latency_ms",
            "ban_seconds",
            "ban_window",
            "ban_max_seconds",
            "cancel_all_interval",
            "new_order_rate",
            "trade_rate",
            "background_rps",
        ):
            if float(getattr(self, name)) < 0:
                raise ValueError(f"{name} must not be negative")
        for name in ("stream_idle_timeout", "signalr_ping_interval", "signalr_client_timeout"):
            if float(getattr(self, name)) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.scope_status not in (0, 401, 403):
            raise ValueError("scope_status must be 0 (by region), 401 or 403")
        if float(self.background_rps) > 1000:
            raise ValueError("background_rps must be at most 1000")
        return self

    @property
    def quote(self) -> str:
        return QUOTE_BY_REGION[self.region]

    @property
    def is_korea(self) -> bool:
        return self.region == "kr"

    @property
    def refusal_status(self) -> int:
        """The status of out_of_scope and the IP error."""
        return self.scope_status or (401 if self.is_korea else 403)
