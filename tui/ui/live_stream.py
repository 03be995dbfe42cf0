"""The connection's live order stream, run on the exchange loop (no Textual here).

`LiveStream.start(profile)` opens the profile's private order stream
(`tui.exchanges.stream_factory.make_order_stream`) in a task on the exchange loop. Every
event it yields is fed to that connection's `StreamConfirmations` (what the cancel engine
asks: tui/core/stream_confirm.py) and pushed, tagged with the connection's generation, into
`inbox`, which the UI drains in batches (tui/ui/live_table.py applies them to the table).
A profile switch starts a new generation: the old stream is closed (`aclose()`) and
whatever it still pushes is dropped by the UI.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

from tui.core.errors import OrderTuiError
from tui.core.exchange import Exchange
from tui.core.models.b2trader import B2TraderOrder
from tui.core.models.stream import OpenOrdersSnapshot, StreamEvent, StreamState, StreamStatus
from tui.core.resolve import ResolvedProfile
from tui.core.stream_confirm import StreamConfirmations
from tui.ui.runner import EventBatch

if TYPE_CHECKING:
    from tui.exchanges.stream_base import OrderStream

log = logging.getLogger(__name__)

SNAPSHOT_WAIT_S = 10.0  # how long `r` on B2TRADER waits for the stream's first open set
CLOSE_WAIT_S = 2.0  # at shutdown, how long to wait for the stream's task to end


class LiveStream:
    def __init__(self, *, enabled: bool = True) -> None:
        self.enabled = enabled  # False: never opened (a session that wants no live updates)
        self.inbox = EventBatch()  # (generation, StreamEvent), drained by the UI
        self.generation = 0
        self.confirmations: StreamConfirmations | None = None
        self.status: StreamStatus | None = None  # the last status pushed (any thread reads)
        self.snapshot: OpenOrdersSnapshot | None = None  # B2TRADER: the newest open set
        self._changed = asyncio.Event()  # a snapshot or a status came (the exchange loop's)
        self._stream: OrderStream | None = None
        self._task: asyncio.Task[None] | None = None
        self._profile: ResolvedProfile | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, profile: ResolvedProfile) -> None:
        """Open `profile`'s order stream; a stream already open is closed. On the exchange loop."""
        from tui.exchanges.stream_factory import make_order_stream

        self.stop()
        self.generation += 1
        generation = self.generation
        self._profile = profile
        self.snapshot = None
        self.status = None
        confirmations = self.confirmations = StreamConfirmations()
        if not self.enabled:
            self._push(generation, self._off(profile, "live updates turned off", "stopped"))
            return
        try:
            stream = make_order_stream(profile)
        except Exception as exc:  # missing credentials, a URL the stream refuses
            reason = (exc.message if isinstance(exc, OrderTuiError) else None) or type(exc).__name__
            self._push(generation, self._off(profile, f"not started: {reason}", "refused"))
            return
        self._stream = stream
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._pump(generation, stream, confirmations))

    def restart(self) -> bool:
        """Open the last profile's stream again (after it went off). On the exchange loop."""
        if self._profile is None:
            return False
        self.start(self._profile)
        return True

    async def _pump(
        self, generation: int, stream: OrderStream, confirmations: StreamConfirmations
    ) -> None:
        try:
            async for event in stream.watch_orders():
                confirmations.feed(event)
                self._push(generation, event)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in the stream must not take the app down
            log.warning("order stream ended: %s", stream.scrub(type(exc).__name__))
            off = StreamStatus(
                exchange=stream.exchange,
                state=StreamState.OFF,
                reason=f"failed: {type(exc).__name__}",
                cause="gave_up",
            )
            confirmations.feed(off)
            self._push(generation, off)

    def _push(self, generation: int, event: StreamEvent) -> None:
        if generation == self.generation:
            if isinstance(event, StreamStatus):
                self.status = event
                self._changed.set()
            elif isinstance(event, OpenOrdersSnapshot):
                self.snapshot = event
                self._changed.set()
        self.inbox.push((generation, event))

    async def open_orders(self, timeout: float = SNAPSHOT_WAIT_S) -> list[B2TraderOrder]:
        """B2TRADER's open orders: the stream's newest open set (waits for the first one). On
        the exchange loop. Raises OrderTuiError when the stream is off or sends none in time."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.snapshot is None:
            status = self.status
            if status is not None and status.state is StreamState.OFF:
                raise OrderTuiError(f"no list of open orders: {status.line()}")
            left = deadline - loop.time()
            if left <= 0 or self._stream is None:
                raise OrderTuiError(
                    "no list of open orders: the stream sent none in time (r to try again)"
                )
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)
        return [o for o in self.snapshot.orders if o.is_open]

    @staticmethod
    def _off(profile: ResolvedProfile, reason: str, cause: str) -> StreamStatus:
        return StreamStatus(
            exchange=Exchange(profile.exchange), state=StreamState.OFF, reason=reason, cause=cause
        )

    def stop(self) -> None:
        """Close the stream (it ends at once: `aclose()`). On the exchange loop."""
        stream, self._stream = self._stream, None
        self._task = None
        if self.confirmations is not None:  # nothing it says counts any more
            self.confirmations.live = False
        if stream is not None:
            asyncio.get_running_loop().create_task(stream.aclose())

    async def aclose(self) -> None:
        """Close the stream and wait (briefly) for its task to end."""
        task = self._task
        stream, self._stream = self._stream, None
        self._task = None
        if stream is not None:
            await stream.aclose()
        if task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, CLOSE_WAIT_S)
