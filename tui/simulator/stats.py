"""Counters a test (or /_sim/stats) reads to see what the simulator did."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class SimStats:
    requests: int = 0  # every HTTP request, /_sim/ included
    by_endpoint: Counter = field(default_factory=Counter)  # "DELETE /v1/orders/uuids" -> n
    by_status: Counter = field(default_factory=Counter)  # 200 -> n (drops count under their status)
    rate_limited: int = 0  # 429s sent (Upbit and B2TRADER)
    banned: int = 0  # 418s sent
    injected_503: int = 0
    injected_drops: int = 0
    upbit_cancels: int = 0  # orders actually moved to `cancel`
    b2_cancels: int = 0  # orders actually moved to `Cancelled`
    fills: int = 0  # orders moved to done/Completed (races and forced fills)
    auth_failures: int = 0  # 401/403 answers on exchange endpoints
    errors: int = 0  # unexpected exceptions inside the simulator (should stay 0)
    background_requests: int = 0  # spent by the simulated other client (--background-rps)
    background_429: int = 0  # ... and refused, because the account's budget was full
    background_418: int = 0  # ... and refused, because the account was blocked

    @property
    def cancels(self) -> int:
        return self.upbit_cancels + self.b2_cancels

    def as_dict(self) -> dict:
        return {
            "requests": self.requests,
            "by_endpoint": dict(self.by_endpoint),
            "by_status": {str(k): v for k, v in sorted(self.by_status.items())},
            "rate_limited": self.rate_limited,
            "banned": self.banned,
            "injected_503": self.injected_503,
            "injected_drops": self.injected_drops,
            "upbit_cancels": self.upbit_cancels,
            "b2_cancels": self.b2_cancels,
            "cancels": self.cancels,
            "fills": self.fills,
            "auth_failures": self.auth_failures,
            "errors": self.errors,
            "background_requests": self.background_requests,
            "background_429": self.background_429,
            "background_418": self.background_418,
        }

    def __getitem__(self, key: str):
        return self.as_dict()[key]
