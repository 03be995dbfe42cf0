"""The state of one rate-limit group, and where it is kept (this process, or a file that
several processes share: tui/core/shared_budget.py)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol


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
    read_at: float = 0.0  # the latest Remaining-Req reading
    crowded_at: float = 0.0  # the latest reading that showed another client's requests

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
            "read_at": self.read_at,
            "crowded_at": self.crowded_at,
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
                read_at=float(data.get("read_at", 0.0)),
                crowded_at=float(data.get("crowded_at", 0.0)),
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
