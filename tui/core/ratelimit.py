"""Rate limiting: `Remaining-Req` parsing and an async limiter per group.

Upbit counts requests per pocket over a sliding second (`default` group: 30/s; cancel-all:
1 per 2 s), for every program using that pocket together. The limiter:
- never lets more than its limit start inside any window of `period + margin` seconds (the
  margin absorbs jitter between our send time and the server's arrival time);
- paces requests over the window (a small burst, then one every `window / limit` seconds)
  instead of sending a whole second's budget at once, so another client of the pocket finds
  room and the server's count reaches us before we have spent the second;
- takes the server's count as the truth: each `Remaining-Req` answer says how many requests
  the server counted in its second; what is not ours was sent by somebody else (a bot on the
  same key), and our limit for the next second is what they leave;
- after a 429 pauses the whole group once per episode (429s of requests sent before the pause
  do not lengthen it), longer only when a request sent after a pause is refused again.
A slot taken with `acquire(deferred=True)` counts from the moment `sent()` says the request
leaves (after its journal intent is fsynced), not from when it was granted.

The state of a group lives in a `WindowState`; a store hands it out per transaction, so
several processes can share one budget (tui/core/shared_budget.py keeps it in a locked file).
"""

from __future__ import annotations

import asyncio
import bisect
import logging
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from tui.core.errors import Blocked
from tui.core.rate_state import LocalWindowStore, WindowState, WindowStore

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
    """At most `limit` acquisitions in any `period + margin` seconds, paced; FIFO among waiters."""

    MAX_SLEEP = 0.1
    MAX_PAUSE = 8.0
    ARRIVAL_SLACK = 0.05  # how much longer one request of ours may take on the way than another

    def __init__(
        self,
        limit: int,
        period: float = 1.0,
        *,
        margin: float = 0.08,
        clock: Callable[[], float] = time.monotonic,
        store: WindowStore | None = None,
        burst: int | None = None,
    ) -> None:
        if limit < 1:
            raise ValueError("a rate limit needs at least one request per period")
        self.limit = limit
        self.period = period
        self.window = period + margin
        self.burst = burst if burst is not None else max(1, limit // 6)
        self._clock = clock
        self._store: WindowStore = store or LocalWindowStore()
        self._lock = asyncio.Lock()
        self._halted: Blocked | None = None
        self._pid = os.getpid()
        self.waited_s = 0.0

    # ---- state ------------------------------------------------------------------------
    def _prune(self, st: WindowState, now: float) -> None:
        keep = now - max(self.window, self.period) - 2.0 * self.period  # history for readings
        if st.starts and st.starts[0] <= keep:
            del st.starts[: bisect.bisect_right(st.starts, keep)]
        if st.others and st.others[0][0] <= now - self.period:
            st.others = [o for o in st.others if o[0] > now - self.period]

    def _in_window(self, st: WindowState, now: float) -> list[float]:
        return st.starts[bisect.bisect_right(st.starts, now - self.window) :]

    def _effective(self, st: WindowState) -> int:
        """Our limit: what the other clients of the account leave of it (at least 1). Their
        share is the latest reading or, if higher, the mean of the last period's readings
        rounded up: the latest follows a client that speeds up, the mean one that is noisy (a
        request of ours that overtook another on the way counts as somebody else's)."""
        if not st.others:
            return self.limit
        mean = -(-sum(n for _, n in st.others) // len(st.others))
        others = max(st.others[-1][1], mean)
        # One slot more is left to them: their requests and ours jitter on the way, and a
        # second where both meet the limit exactly pushes one of them (their bot) into a 429.
        return max(self.limit - others - 1, 1) if others else self.limit

    def _alone(self, st: WindowState, now: float) -> bool:
        """The server's readings show nobody else on the account lately, and no 429."""
        quiet = now - 2.0 * self.period
        return st.read_at > now - 3.0 * self.period and max(st.crowded_at, st.paused_at) < quiet

    def _tolerance(self, st: WindowState, limit: int, now: float) -> float:
        """Pacing: how far ahead of its pace a request may go. A burst of `burst` requests;
        the whole limit while the readings say we are alone on the account (as fast as the
        window allows), but never before a reading has said so."""
        burst = limit if self._alone(st, now) else min(self.burst, limit)
        return (burst - 1) * self.window / limit

    def _delay(self, st: WindowState, now: float) -> float:
        self._prune(st, now)
        wait = max(st.blocked_until - now, 0.0)
        limit = self._effective(st)
        starts = self._in_window(st, now)
        used = len(starts) + len(st.held)
        if used >= limit:
            index = used - limit  # the start that must expire so that one slot frees up
            if index < len(starts):
                wait = max(wait, starts[index] + self.window - now)
            else:  # every slot is held by a request about to leave: look again shortly
                wait = max(wait, self.MAX_SLEEP)
        return max(wait, st.tat - self._tolerance(st, limit, now) - now)

    def remaining(self) -> int:
        now = self._clock()
        with self._store.transaction() as st:
            self._prune(st, now)
            used = len(self._in_window(st, now)) + len(st.held)
            return max(self._effective(st) - used, 0)

    def effective_limit(self) -> int:
        """Requests per window this process may use now (the limit less the others' share)."""
        with self._store.transaction() as st:
            self._prune(st, self._clock())
            return self._effective(st)

    def delay(self) -> float:
        """Seconds until the next acquisition may go (0 when it may go now)."""
        with self._store.transaction() as st:
            return self._delay(st, self._clock())

    def _check_halt(self, st: WindowState, now: float) -> None:
        if self._halted is not None:
            raise self._halted
        if st.halted_until > now:  # another process sharing the budget was blocked
            seconds = round(st.halted_until - now)
            self._halted = Blocked(418, "blocked", st.halt_message, block_seconds=seconds)
            raise self._halted

    # ---- use --------------------------------------------------------------------------
    async def acquire(
        self, stop: Callable[[], None] | None = None, *, deferred: bool = False
    ) -> None:
        """Wait for a slot. `stop()` is called between short sleeps and may raise (an abort),
        and a halt wakes every waiter, so a long pause never hides a Ctrl+C or a 418.

        deferred=True: the slot is held, and counted from when `sent()` is called (once for
        each such acquire, also when the request is not sent after all)."""
        async with self._lock:
            waited = False
            while True:
                if stop is not None:
                    stop()
                now = self._clock()
                with self._store.transaction() as st:
                    self._check_halt(st, now)
                    wait = self._delay(st, now)
                    if wait <= 0:
                        limit = self._effective(st)
                        # A burst is earned by idle time only: after a wait (for the pace, the
                        # window or a pause) the next request keeps the pace, so a window that
                        # reopens all at once is not hit by a burst at its edge.
                        # (Half a pace of slack keeps the schedule when a sleep overran.)
                        interval = self.window / limit
                        paced = waited and not self._alone(st, now)
                        tolerance = self._tolerance(st, limit, now)
                        base = now + tolerance - interval / 2 if paced else now
                        st.tat = max(st.tat, base) + interval
                        if deferred:
                            st.held.append((self._pid, now))
                        else:
                            bisect.insort(st.starts, now)
                        return
                step = min(wait, self.MAX_SLEEP)
                waited = True
                self.waited_s += step
                await asyncio.sleep(step)

    def sent(self) -> float:
        """A request granted with deferred=True leaves now: its slot counts from this moment.
        Returns that moment (to match the server's reading of it later)."""
        now = self._clock()
        with self._store.transaction() as st:
            for i, (pid, _) in enumerate(st.held):
                if pid == self._pid:
                    del st.held[i]
                    break
            bisect.insort(st.starts, now)
        return now

    def observe(self, server_remaining: int, sent_at: float | None = None) -> None:
        """The server says `server_remaining` requests are left in its current second, after
        the request that left at `sent_at` (default: now).

        The server counted `limit - remaining` requests in the second before that request
        arrived; those not sent by us (or a process sharing our state) were sent by somebody
        else. Their count, over the last period, is taken from our limit. Ours are counted a
        little beyond the second (ARRIVAL_SLACK): one of ours that took longer on the way, or
        two that overtook each other, must not look like somebody else."""
        now = self._clock()
        at = now if sent_at is None else sent_at
        with self._store.transaction() as st:
            self._prune(st, now)
            edge = at - self.period - (0.0 if sent_at is None else self.ARRIVAL_SLACK)
            ours = bisect.bisect_right(st.starts, at) - bisect.bisect_right(st.starts, edge)
            counted = self.limit - max(server_remaining, 0)
            others = max(counted - ours, 0)
            st.others.append((now, others))
            st.read_at = now
            if others >= 2:  # somebody else is there for sure: stop bursting
                st.crowded_at = now
            if server_remaining > 0:
                st.strikes = 0

    def penalize(self, retry_after: float | None = None, sent_at: float | None = None) -> float:
        """A 429 arrived: pause everyone. A request sent before the current pause began belongs
        to the same episode and does not lengthen it; a refusal after a pause doubles the next
        one (capped). Returns the pause left."""
        now = self._clock()
        with self._store.transaction() as st:
            if sent_at is not None and sent_at < st.paused_at:
                return max(st.blocked_until - now, 0.0)
            st.strikes += 1
            pause = (
                retry_after
                if retry_after
                else min(self.period * (2 ** (st.strikes - 1)), self.MAX_PAUSE)
            )
            st.paused_at = now
            st.blocked_until = max(st.blocked_until, now + pause)
            st.tat = max(st.tat, st.blocked_until)  # after the pause: a small burst, then paced
            return pause

    def halt(self, error: Blocked) -> None:
        """A 418 arrived: no request of this limiter (or of a process sharing it) may go."""
        self._halted = error
        now = self._clock()
        with self._store.transaction() as st:
            st.halted_until = max(st.halted_until, now + (error.block_seconds or 60.0))
            st.halt_message = f"{error.message} (seen by another ordertui on this account)"


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
    """One limiter per rate-limit group, created on first use. `stores(group)` gives the
    state of a group (default: this process only; shared_budget.SharedBudget: a file)."""

    def __init__(
        self,
        groups: dict[str, tuple[int, float]] | None = None,
        *,
        margin: float = 0.08,
        clock: Callable[[], float] = time.monotonic,
        stores: Callable[[str], WindowStore] | None = None,
    ) -> None:
        self._specs = dict(groups or UPBIT_GROUPS)
        self._margin = margin
        self._clock = clock
        self._stores = stores
        self._windows: dict[str, SlidingWindow] = {}
        self._halted: Blocked | None = None
        self.listeners: list[Callable[[str, int, int], None]] = []

    def window(self, group: str) -> SlidingWindow:
        group = canonical_group(group)
        win = self._windows.get(group)
        if win is None:
            limit, period = self._specs.get(group, self._specs.get("default", (30, 1.0)))
            store = self._stores(group) if self._stores is not None else None
            win = SlidingWindow(limit, period, margin=self._margin, clock=self._clock, store=store)
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

    def sent(self, group: str = "default") -> float:
        return self.window(group).sent()

    def observe(self, info: RemainingReq, sent_at: float | None = None) -> None:
        win = self.window(info.group)
        win.observe(info.sec, sent_at)
        for listener in list(self.listeners):
            try:
                listener(info.group, info.sec, win.limit)
            except Exception:  # a broken display must never break a request
                log.exception("rate listener failed")

    def penalize(
        self, group: str, retry_after: float | None = None, sent_at: float | None = None
    ) -> float:
        return self.window(group).penalize(retry_after, sent_at)

    def halt(self, error: Blocked) -> None:
        self._halted = error
        for win in self._windows.values():
            win.halt(error)

    @property
    def halted(self) -> Blocked | None:
        return self._halted
