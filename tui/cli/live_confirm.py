"""The command line's use of the live order stream: while `cancel` runs, the profile's private
order stream (tui/exchanges/stream_factory.py) feeds a StreamConfirmations, so a cancel the
stream saw close is confirmed without a look-up (tui/core/engine_stream.py). The run waits at most
READY_S for the stream to say it is live or off (tens of milliseconds usually), so the
first cancels' events are not missed; a stream that is slower, or cannot start (no View Orders
permission, a proxy that refuses WebSockets), changes nothing but the number of look-ups: the
engine looks up what the stream did not confirm, as it always did."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from tui.core.models.stream import StreamState, StreamStatus
from tui.core.stream_confirm import StreamConfirmations

log = logging.getLogger(__name__)

READY_S = 1.0  # at most this long before the first cancel, for the stream to come up


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
    told = asyncio.Event()  # the stream said live or off (its first state)

    async def pump() -> None:
        try:
            async for event in stream.watch_orders():
                confirmations.feed(event)
                if isinstance(event, StreamStatus) and event.state is not StreamState.RECONNECTING:
                    told.set()
        except Exception as exc:  # a bug in the stream: the run goes on with look-ups
            log.warning("order stream ended: %s", stream.scrub(type(exc).__name__))
            off = StreamStatus(
                exchange=stream.exchange,
                state=StreamState.OFF,
                reason=f"failed: {type(exc).__name__}",
                cause="gave_up",
            )
            confirmations.feed(off)  # not live: nothing waits for its events any more
            told.set()

    task = asyncio.create_task(pump())
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(told.wait(), READY_S)
    try:
        yield confirmations
    finally:
        await stream.aclose()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
