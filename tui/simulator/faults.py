"""Injected trouble: latency with jitter, 503s, dropped connections, fill-before-cancel races.

Rates are read from the live config on every call, so a test may change them on
a running simulator.
"""

from __future__ import annotations

import asyncio
import hashlib
import random

from .config import SimConfig


class SimulatedDrop(Exception):
    """Raised after a partial response so the client sees a broken connection, not a status."""


class Faults:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self._latency_rng = random.Random(f"ordertui-latency-{config.seed}")
        self._fail_rng = random.Random(f"ordertui-fail-{config.seed}")
        self._drop_rng = random.Random(f"ordertui-drop-{config.seed}")

    def delay_seconds(self) -> float:
        mean = float(self.config.latency_ms)
        if mean <= 0:
            return 0.0
        return mean * (0.5 + self._latency_rng.random()) / 1000.0  # uniform jitter, +-50%

    async def delay(self) -> None:
        seconds = self.delay_seconds()
        if seconds > 0:
            await asyncio.sleep(seconds)

    def should_fail(self) -> bool:
        rate = float(self.config.fail_rate)
        return rate > 0 and (rate >= 1 or self._fail_rng.random() < rate)

    def should_drop(self) -> bool:
        rate = float(self.config.drop_rate)
        return rate > 0 and (rate >= 1 or self._drop_rng.random() < rate)

    def fills_first(self, order_id: str) -> bool:
        """Whether this order filled before any cancel reached it.

        Decided from seed and id alone, so the outcome does not depend on which
        request arrives first or how requests are batched.
        """
        rate = float(self.config.fill_rate)
        if rate <= 0:
            return False
        if rate >= 1:
            return True
        digest = hashlib.sha256(f"{self.config.seed}:{order_id}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < rate
