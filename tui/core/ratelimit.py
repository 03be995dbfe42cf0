"""Rate limiting: `Remaining-Req` parsing and an async sliding-window limiter per group.

Upbit counts requests per account over a second (`default` group: 30/s; cancel-all:
1 per 2 s). The limiter never lets more than `limit` requests start inside any window of
`period + margin` seconds; the margin absorbs network jitter between our send time and the
server's arrival time. A slot taken with `acquire(deferred=True)` counts from the moment
`sent()` says the request leaves (after its journal intent is fsynced), not from when it was
granted: stamps taken before a burst's fsyncs let 40+ requests reach the exchange in a second. What the server reports in `Remaining-Req` is folded in, so other
clients of the same account slow us down instead of pushing us into 429s.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from tui.core.errors import Blocked

log = logging.getLogger(__name__)
_FIELD_RE = re.compile(r"\s*([A-Za-z_]+)\s*=\s*([^;]*)")


@dataclass(frozen=True, slots=True)
class RemainingReq:
    group: str
    sec: int
    min: int | None = None


def parse_remaining_req(header: str | None) -> RemainingReq | None:
    """Parse `group=default; min=1800; sec=29`. Group names may contain hyphens. None if unusable."""
    if not header:
        return None
    fields: dict[str, str] = {}
    for part in header.split(";"):
        match = _FIELD_RE.match(part)
        if match:
            fields[match.group(1).lower()] = match.group(2).strip()
    group = fields.get("group")
    sec = fields.get("sec")
    if not group or sec is None:
        return None
    try:
        sec_value = int(sec)
    except ValueError:
        return None
    minute: int | None
    try:
        minute = int(fields["min"]) if "min" in fields else None
    except ValueError:
        minute = None
    return RemainingReq(group=group, sec=max(sec_value, 0), min=minute)


class SlidingWindow:
    """At most `limit` acquisitions in any `period + margin` seconds; FIFO among waiters."""

    MAX_SLEEP = 0.1

    def __init__(
        self,
        limit: int,
        period: float = 1.0,
        *,
        margin: float = 0.08,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if limit < 1:
            raise ValueError("a rate limit needs at least one request per period")
        self.limit = limit
        self.period = period
        self.window = period + margin
        self._clock = clock
        self._starts: deque[float] = deque()
        self._pending = 0  # granted with deferred=True, not sent yet: they count until sent
        self._lock = asyncio.Lock()
        self._blocked_until = 0.0
        self._strikes = 0
        self._halted: Blocked | None = None
        self.waited_s = 0.0

    # ---- state ------------------------------------------------------------------------
    def _prune(self, now: float) -> None:
        edge = now - self.window
        starts = self._starts
        while starts and starts[0] <= edge:
            starts.popleft()

    def remaining(self) -> int:
        self._prune(self._clock())
        return max(self.limit - len(self._starts) - self._pending, 0)

    def delay(self) -> float:
        """Seconds until the next acquisition may go (0 when it may go now)."""
        now = self._clock()
        self._prune(now)
        wait = max(self._blocked_until - now, 0.0)
        used = len(self._starts) + self._pending
        if used >= self.limit:
            index = used - self.limit  # the start that must expire so that one slot frees up
            if index < len(self._starts):
                wait = max(wait, self._starts[index] + self.window - now)
            else:  # every slot is held by a request about to leave: look again shortly
                wait = max(wait, self.MAX_SLEEP)
        return wait

    # ---- use --------------------------------------------------------------------------
    async def acquire(
        self, stop: Callable[[], None] | None = None, *, deferred: bool = False
    ) -> None:
        """Wait for a slot. `stop()` is called between short sleeps and may raise (an abort),
        and a halt wakes every waiter, so a long pause never hides a Ctrl+C or a 418.

        deferred=True: the slot is held, and counted from when `sent()` is called (once for
        each such acquire, also when the request is not sent after all)."""
        async with self._lock:
            while True:
                if self._halted is not None:
                    raise self._halted
                if stop is not None:
                    stop()
                wait = self.delay()
                if wait <= 0:
                    if deferred:
                        self._pending += 1
                    else:
                        self._starts.append(self._clock())
                    return
                step = min(wait, self.MAX_SLEEP)
                self.waited_s += step
                await asyncio.sleep(step)

    def sent(self) -> None:
        """A request granted with deferred=True leaves now: its slot counts from this moment."""
        self._pending = max(self._pending - 1, 0)
        self._starts.append(self._clock())  # the clock only moves on: the deque stays in order

    def observe(self, server_remaining: int) -> None:
        """The server says `server_remaining` requests are left in its current second.

        If that is fewer than we think, somebody else uses the account: count the
        difference as spent now, so we slow down instead of meeting a 429.
        """
        now = self._clock()
        self._prune(now)
        local_remaining = self.limit - len(self._starts)
        extra = local_remaining - max(server_remaining, 0)
        for _ in range(max(extra, 0)):
            self._starts.append(now)
        if server_remaining > 0:
            self._strikes = 0

    def penalize(self, retry_after: float | None = None) -> float:
        """A 429 arrived: pause everyone, longer on repeated strikes (capped). Returns the pause."""
        self._strikes += 1
        pause = retry_after if retry_after else min(self.period * (2 ** (self._strikes - 1)), 8.0)
        self._blocked_until = max(self._blocked_until, self._clock() + pause)
        return pause

    def halt(self, error: Blocked) -> None:
        """A 418 arrived: no request of this limiter may go any more."""
        self._halted = error


# Known Upbit groups: (requests, per seconds).
UPBIT_GROUPS: dict[str, tuple[int, float]] = {
    "default": (30, 1.0),
    "order": (8, 1.0),
    "order-cancel-all": (1, 2.0),
}


def canonical_group(name: str) -> str:
    """Upbit's 2026 changelogs name groups `exchange.default`, older answers `default`: one
    budget either way, so a reading under one name must slow the requests counted under the other."""
    name = name.strip().lower()
    return name.removeprefix("exchange.")


class RateLimits:
    """One sliding window per rate-limit group, created on first use."""

    def __init__(
        self,
        groups: dict[str, tuple[int, float]] | None = None,
        *,
        margin: float = 0.08,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._specs = dict(groups or UPBIT_GROUPS)
        self._margin = margin
        self._clock = clock
        self._windows: dict[str, SlidingWindow] = {}
        self._halted: Blocked | None = None
        self.listeners: list[Callable[[str, int, int], None]] = []

    def window(self, group: str) -> SlidingWindow:
        group = canonical_group(group)
        win = self._windows.get(group)
        if win is None:
            limit, period = self._specs.get(group, self._specs.get("default", (30, 1.0)))
            win = SlidingWindow(limit, period, margin=self._margin, clock=self._clock)
            if self._halted is not None:
                win.halt(self._halted)
            self._windows[group] = win
        return win

    async def acquire(
        self,
        group: str = "default",
        stop: Callable[[], None] | None = None,
        *,
        deferred: bool = False,
    ) -> None:
        await self.window(group).acquire(stop, deferred=deferred)

    def sent(self, group: str = "default") -> None:
        self.window(group).sent()

    def observe(self, info: RemainingReq) -> None:
        win = self.window(info.group)
        win.observe(info.sec)
        for listener in list(self.listeners):
            try:
                listener(info.group, info.sec, win.limit)
            except Exception:  # a broken display must never break a request
                log.exception("rate listener failed")

    def penalize(self, group: str, retry_after: float | None = None) -> float:
        return self.window(group).penalize(retry_after)

    def halt(self, error: Blocked) -> None:
        self._halted = error
        for win in self._windows.values():
            win.halt(error)

    @property
    def halted(self) -> Blocked | None:
        return self._halted
