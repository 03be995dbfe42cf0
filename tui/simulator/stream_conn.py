"""The loop every stream connection runs: client messages, hub items, timers, faults.

A `Session` (Upbit or SignalR) answers client messages and hub items; this loop
waits on whichever comes first, closes an idle connection, calls the session's
tick (SignalR pings), and turns a DROP (or the `--stream-drop-rate` fault) into
a dropped connection: close code 1011, the pending message lost, as after a
network failure the client only learns that the connection is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Protocol

from starlette.websockets import WebSocket, WebSocketDisconnect

from .events import DROP, StreamHub, Subscriber

DROPPED_CODE = 1011


class Closed(Exception):
    """The session ends the connection (close frame with this code and reason)."""

    def __init__(self, code: int = 1000, reason: str = "") -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


class Session(Protocol):
    idle_timeout: float
    tick_interval: float | None

    async def on_message(self, text: str | None, data: bytes | None) -> None: ...

    async def on_item(self, item: object) -> None: ...

    async def on_tick(self) -> None: ...

    async def on_idle(self) -> None: ...


async def run_connection(ws: WebSocket, hub: StreamHub, sub: Subscriber, session: Session) -> None:
    recv: asyncio.Task = asyncio.ensure_future(ws.receive())
    get: asyncio.Task = asyncio.ensure_future(sub.queue.get())
    last_in = time.monotonic()
    next_tick = None if session.tick_interval is None else last_in + session.tick_interval
    try:
        while True:
            now = time.monotonic()
            wake = last_in + session.idle_timeout
            if next_tick is not None:
                wake = min(wake, next_tick)
            done, _ = await asyncio.wait(
                {recv, get}, timeout=max(0.0, wake - now), return_when=asyncio.FIRST_COMPLETED
            )
            now = time.monotonic()
            if recv in done:
                message = recv.result()
                if message["type"] == "websocket.disconnect":
                    return
                last_in = now
                recv = asyncio.ensure_future(ws.receive())
                await session.on_message(message.get("text"), message.get("bytes"))
            if get in done:
                item = get.result()
                get = asyncio.ensure_future(sub.queue.get())
                if item is DROP or hub.should_drop():
                    hub.count("drops")
                    await ws.close(DROPPED_CODE, "connection dropped (simulated)")
                    return
                await session.on_item(item)
            if now - last_in >= session.idle_timeout:
                await session.on_idle()
                return
            if next_tick is not None and now >= next_tick:
                await session.on_tick()
                next_tick = now + (session.tick_interval or 0)
    except Closed as closed:
        with contextlib.suppress(Exception):
            await ws.close(closed.code, closed.reason)
    except (WebSocketDisconnect, RuntimeError, OSError):
        return  # the client went away mid-send
    finally:
        for task in (recv, get):
            task.cancel()
        hub.unsubscribe(sub)
