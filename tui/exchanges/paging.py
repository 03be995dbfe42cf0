"""Listing pages: a page GET is idempotent, so a page that keeps failing is fetched again.

Each try is one `HttpExchange.request`, which already retries a dropped connection, a 503 or
a 5xx a few times and waits out 429s through the shared limiter (Remaining-Req, Retry-After).
On top of that a page is tried `PAGE_RETRY.max_attempts` times in all, with capped exponential
back-off and jitter between tries, for the failures that are worth another try: the network,
a busy or failing server, an answer that arrived broken. A refusal (401/403), a block (418), a
429 storm the request already gave up on, or a client-side problem is not retried: another
try would earn the same answer, or a longer block.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from tui.core.errors import (
    AuthError,
    BadResponse,
    Blocked,
    ExchangeError,
    OrderTuiError,
    PartialResponse,
    RateLimited,
    ServerBusy,
    TransportError,
)
from tui.exchanges.http import RetryPolicy

log = logging.getLogger(__name__)

T = TypeVar("T")

# 4 tries of a page, 0.5-1 s, 1-2 s, 2-4 s apart (each try has the request's own retries).
PAGE_RETRY = RetryPolicy(max_attempts=4, base_delay=1.0, max_delay=4.0)


def worth_retrying(exc: OrderTuiError) -> bool:
    """Whether another try of an idempotent GET may succeed where this one failed."""
    if isinstance(exc, (AuthError, Blocked, RateLimited, PartialResponse)):
        return False
    if isinstance(exc, (TransportError, ServerBusy, BadResponse)):
        return True
    return isinstance(exc, ExchangeError) and (exc.status or 0) >= 500


async def fetch_page(
    fetch: Callable[[], Awaitable[T]],
    *,
    page: int,
    policy: RetryPolicy = PAGE_RETRY,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """`await fetch()`, tried again after a passing failure up to policy.max_attempts in all;
    the last failure is raised."""
    tries = 0
    while True:
        tries += 1
        try:
            return await fetch()
        except OrderTuiError as exc:
            if tries >= policy.max_attempts or not worth_retrying(exc):
                raise
            delay = policy.backoff(tries)
            log.info(
                "page %d failed (%s); try %d of %d in %.1f s",
                page,
                exc.message,
                tries + 1,
                policy.max_attempts,
                delay,
            )
            await sleep(delay)
