"""Another client of the demo account's pocket (a trader's bot on the same key): it spends
`background_rps` requests per second of the account's `default` budget, evenly spread.

Its requests are admitted by the same limiter as everybody's, lazily: before each request
to the account is admitted, the bot's arrivals since the last one are replayed at their own
times. So they show in `Remaining-Req`, they can make the account's other requests 429, and
when the budget is full the bot is refused (429) too, which counts towards the account's 418
escalation as documented (a bot and a careless client together can get the pocket blocked).
The bot's own answers are counted apart (`background_requests`, `background_429`) and never
in `rate_limited`/`banned`, which count what the simulator answered on the wire.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .state import SimState

GROUP = "default"


class Background:
    def __init__(self, bucket: str) -> None:
        self.bucket = bucket
        self._next_at: float | None = None

    def catch_up(self, state: SimState, now: float) -> None:
        """Replay the bot's arrivals up to `now` (call with state.lock held)."""
        rps = float(state.config.background_rps)
        if rps <= 0:
            self._next_at = None
            return
        interval = 1.0 / rps
        # The bot has been running for a while when we first see the account (its requests
        # fill the current second already). Nothing older than the ban window changes what
        # is left now: start the replay there.
        earliest = now - max(1.0, state.config.ban_window)
        if self._next_at is None or self._next_at < earliest:
            self._next_at = earliest
        stats = state.stats
        while self._next_at <= now:
            admission = state.limiter.admit(self.bucket, GROUP, self._next_at)
            stats.background_requests += 1
            if admission.status == 429:
                stats.background_429 += 1
            elif admission.status == 418:
                stats.background_418 += 1
            self._next_at += interval
