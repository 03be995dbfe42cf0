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
import contextlib
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

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


@dataclass(slots=True)
class WindowState:
    """What a group's limiter knows; times are time.monotonic() (one clock for the machine)."""

    starts: list[float] = field(default_factory=list)  # when our requests left, oldest first
    held: list[tuple[int, float]] = field(default_factory=list)  # (pid, granted at): not sent yet
    tat: float = 0.0  # pacing: the theoretical time of the next request
    blocked_until: float = 0.0  # a 429's pause
    paused_at: float = 0.0  # when the latest pause began
    strikes: int = 0
    others: list[tuple[float, int]] = field(default_factory=list)  # (when, foreign requests)
    halted_until: float = 0.0  # a 418 seen by any process sharing this state
    halt_message: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "starts": self.starts,
            "held": [list(h) for h in self.held],
            "tat": self.tat,
            "blocked_until": self.blocked_until,
            "paused_at": self.paused_at,
            "strikes": self.strikes,
            "others": [list(o) for o in self.others],
            "halted_until": self.halted_until,
            "halt_message": self.halt_message,
        }

    @classmethod
    def from_dict(cls, data: Any) -> WindowState:
        """Hostile-tolerant: anything malformed reads as an empty state."""
        try:
            return cls(
                starts=sorted(float(t) for t in data.get("starts", ())),
                held=[(int(p), float(t)) for p, t in data.get("held", ())],
                tat=float(data.get("tat", 0.0)),
                blocked_until=float(data.get("blocked_until", 0.0)),
                paused_at=float(data.get("paused_at", 0.0)),
                strikes=int(data.get("strikes", 0)),
                others=[(float(t), int(n)) for t, n in data.get("others", ())],
                halted_until=float(data.get("halted_until", 0.0)),
                halt_message=str(data.get("halt_message", ""))[:300],
            )
        except (AttributeError, TypeError, ValueError):
            return cls()


class WindowStore(Protocol):
    def transaction(self) -> contextlib.AbstractContextManager[WindowState]:
        """The group's state, to read and change; changes are kept when the block ends."""
        ...


class LocalWindowStore:
    """This process only."""

    def __init__(self) -> None:
        self.state = WindowState()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[WindowState]:
        yield self.state


class SlidingWindow:
    """At most `limit` acquisitions in any `period + margin` seconds, paced; FIFO among waiters."""

    MAX_SLEEP = 0.1
    MAX_PAUSE = 8.0

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
        return max(self.limit - max(st.others[-1][1], mean), 1)

    def _tolerance(self, limit: int) -> float:
        """Pacing: how far ahead of its pace a request may go (a burst of `burst`)."""
        return (min(self.burst, limit) - 1) * self.window / limit

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
        return max(wait, st.tat - self._tolerance(limit) - now)

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
                        base = now + self._tolerance(limit) - interval / 2 if waited else now
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
        else. Their count, over the last period, is taken from our limit."""
        now = self._clock()
        at = now if sent_at is None else sent_at
        with self._store.transaction() as st:
            self._prune(st, now)
            ours = bisect.bisect_right(st.starts, at) - bisect.bisect_right(
                st.starts, at - self.period
            )
            counted = self.limit - max(server_remaining, 0)
            st.others.append((now, max(counted - ours, 0)))
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
