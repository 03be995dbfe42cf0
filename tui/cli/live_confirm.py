"""The command line's use of the live order stream: while `cancel` runs, the profile's private
order stream (tui/exchanges/stream_factory.py) feeds a StreamConfirmations, so a cancel the
stream saw close is confirmed without a look-up (tui/core/engine_stream.py). Nothing waits for
the stream: until it is live, the engine looks orders up as it always did, and a stream that
cannot start (no View Orders permission, a proxy that refuses WebSockets) changes nothing but
the number of look-ups."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from tui.core.stream_confirm import StreamConfirmations

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def stream_confirmations(
    profile: Any, *, enabled: bool = True
) -> AsyncIterator[StreamConfirmations | None]:
    """Yield the confirmations of `profile`'s order stream (None when it is not used)."""
    if not enabled:
        yield None
        return
    from tui.exchanges.stream_factory import make_order_stream

    try:
        stream = make_order_stream(profile)
    except Exception as exc:  # a URL or credentials the stream cannot use: look-ups as before
        log.info("order stream not used: %s", type(exc).__name__)
        yield None
        return
    confirmations = StreamConfirmations()

    async def pump() -> None:
        async for event in stream.watch_orders():
            confirmations.feed(event)

    task = asyncio.create_task(pump())
    try:
        yield confirmations
    finally:
        await stream.aclose()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
