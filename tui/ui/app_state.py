"""App-wide state the widgets show, as plain values the app keeps in reactives.

`OrderTuiApp.connection` (what the header shows: profile, exchange, host, DEMO, or the last
connect error) and `OrderTuiApp.rate_reading` (Remaining-Req, decayed to the full budget once
stale) are set by the app only; `HeaderBar` and `RateMeter` watch them (`self.watch(app,
"connection", ...)`), so a screen opened later or one under a modal shows the same thing
without the app looking for widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tui.core.models.row import Exchange
from tui.ui.runner import RateState
from tui.ui.session import ProfileInfo

RATE_STALE_S = 1.0  # no Remaining-Req for this long: the per-second budget is full again

RateReading = tuple[int | None, int | None]  # (remaining, limit); (None, None): no reading
NO_READING: RateReading = (None, None)


@dataclass(frozen=True, slots=True)
class ConnectionState:
    """What the header says about the connection (never a secret)."""

    profile: str  # "profile demo" / "not connected" / "connecting…"
    where: str  # "Upbit · kr" / "B2TRADER · account 123" / an error (scrubbed)
    host: str | None = None
    demo: bool = False
    account_id: str | None = None  # shortened in the middle when space is short
    error: bool = False

    @classmethod
    def of(cls, info: ProfileInfo) -> ConnectionState:
        return cls(
            f"profile {info.name}",
            info.where,
            info.host,
            info.demo,
            info.account_id if info.exchange == Exchange.B2TRADER else None,
        )

    @classmethod
    def failed(cls, message: str) -> ConnectionState:
        return cls("not connected", message, error=True)


class RateDecay:
    """The reading to show from a connection's `RateState`: its latest Remaining-Req, or the
    full budget once no reading came for RATE_STALE_S (the budget is per second: with no
    request for a second it is full again, whatever the last answer said)."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self.clock = clock
        self._state: RateState | None = None
        self._version = -1
        self._seen = 0.0
        self._reading: RateReading = NO_READING

    def read(self, state: RateState) -> RateReading:
        version, _group, remaining, limit = state.snapshot()
        now = self.clock()
        if state is not self._state:  # a new connection: nothing known until it answers
            self._state, self._version = state, 0
            self._reading = NO_READING
        if version != self._version:
            self._version = version
            self._seen = now
            self._reading = (remaining, limit)
        remaining, limit = self._reading
        if (
            remaining is not None
            and limit
            and remaining < limit
            and now - self._seen >= RATE_STALE_S
        ):
            self._reading = (limit, limit)
        return self._reading
