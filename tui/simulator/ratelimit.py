"""Sliding-window rate limits per (bucket, group), with escalation to a block (418).

Every request is counted at arrival, over-limit ones (429) included, so a client
that keeps knocking stays limited. A bucket that collects too many 429s within
a window is blocked; each further block doubles in length.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Admission:
    status: int  # 200 (go on), 429 (over the limit) or 418 (blocked)
    remaining: int  # requests left in the current window after this one
    retry_after: float = 0.0  # seconds, for 418/429

    @property
    def ok(self) -> bool:
        return self.status == 200


@dataclass
class _Bucket:
    windows: dict[str, deque] = field(default_factory=dict)
    recent_429: deque = field(default_factory=deque)
    blocked_until: float = 0.0
    blocks: int = 0


class RateLimiter:
    def __init__(
        self,
        groups: dict[str, tuple[int, float]],
        *,
        ban_after_429: int | None = None,
        ban_window: float = 10.0,
        ban_seconds: float = 10.0,
        ban_max_seconds: float = 600.0,
    ) -> None:
        self.groups = dict(groups)  # name -> (limit, window seconds)
        self.ban_after_429 = ban_after_429
        self.ban_window = ban_window
        self.ban_seconds = ban_seconds
        self.ban_max_seconds = ban_max_seconds
        self._buckets: dict[str, _Bucket] = {}

    def block(self, bucket: str, now: float, seconds: float | None = None) -> float:
        """Block `bucket` from `now` (as the escalation does: the next length); the seconds."""
        b = self._buckets.setdefault(bucket, _Bucket())
        length = seconds if seconds is not None else self.ban_seconds * (2**b.blocks)
        length = min(length, self.ban_max_seconds)
        b.blocks += 1
        b.blocked_until = now + length
        return length

    def admit(self, bucket: str, group: str, now: float) -> Admission:
        b = self._buckets.get(bucket)
        if b is None:
            b = self._buckets[bucket] = _Bucket()
        limit, window = self.groups[group]
        if now < b.blocked_until:
            return Admission(418, 0, b.blocked_until - now)
        arrivals = b.windows.get(group)
        if arrivals is None:
            arrivals = b.windows[group] = deque()
        edge = now - window
        while arrivals and arrivals[0] <= edge:
            arrivals.popleft()
        if len(arrivals) < limit:
            arrivals.append(now)
            return Admission(200, limit - len(arrivals))
        # Over the limit: decide between a 429 and the start of a block.
        recent = b.recent_429
        edge429 = now - self.ban_window
        while recent and recent[0] <= edge429:
            recent.popleft()
        if self.ban_after_429 is not None and len(recent) >= self.ban_after_429:
            seconds = min(self.ban_seconds * (2**b.blocks), self.ban_max_seconds)
            b.blocks += 1
            b.blocked_until = now + seconds
            recent.clear()
            for arr in b.windows.values():
                arr.clear()
            return Admission(418, 0, seconds)
        arrivals.append(now)
        recent.append(now)
        retry = max(0.0, arrivals[0] + window - now)
        return Admission(429, 0, retry)

    def remaining(self, bucket: str, group: str, now: float) -> int:
        """Requests `bucket` may still make in `group` right now (for headers of refused calls)."""
        limit, window = self.groups[group]
        b = self._buckets.get(bucket)
        if b is None or group not in b.windows:
            return limit
        return max(0, limit - sum(1 for t in b.windows[group] if t > now - window))

    def blocked_for(self, bucket: str, now: float) -> float:
        b = self._buckets.get(bucket)
        return max(0.0, b.blocked_until - now) if b else 0.0


def retry_after_header(seconds: float) -> str:
    return str(max(1, math.ceil(seconds)))
