"""Where the network runs: a background thread with its own asyncio loop.

Every HTTP request, JSON parse, rate-limit wait and journal fsync happens on this loop, never
on Textual's. The UI submits coroutines (`submit`, or `await run(...)` from a UI worker) and
receives engine events through an `EventBatch`, which it drains on a timer (every 50 ms), so
a 1,000-order run costs the UI a few dozen small updates instead of thousands.

One long-lived loop (rather than `asyncio.run` per operation) keeps one HTTP client, its
connection pool and its rate-limit state across load, look-up and cancel.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class ExchangeRunner:
    def __init__(self, name: str = "ordertui-exchange") -> None:
        self._name = name
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        self.start()
        assert self._loop is not None
        return self._loop

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> ExchangeRunner:
        if self._thread is None:
            self._thread = threading.Thread(target=self._main, name=self._name, daemon=True)
            self._thread.start()
        self._ready.wait()
        return self

    def _main(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        self._loop = loop
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    def submit(self, coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run `coro` on the exchange loop; returns a thread-safe future."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    async def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """From the UI loop: await `coro` running on the exchange loop (the UI loop stays free)."""
        return await asyncio.wrap_future(self.submit(coro))

    def call_soon(self, callback: Callable[..., Any], *args: Any) -> None:
        """Call `callback(*args)` on the exchange loop (e.g. `engine.abort`)."""
        self.loop.call_soon_threadsafe(callback, *args)

    def call_blocking(
        self, fn: Callable[..., T], *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future[T]:
        """Run a blocking function on the exchange thread (between its coroutines)."""

        async def call() -> T:
            return fn(*args, **kwargs)

        return self.submit(call())

    def stop(self, timeout: float = 3.0) -> None:
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        if loop.is_running():
            loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout)
        self._thread = None


class EventBatch:
    """A thread-safe inbox: the engine thread pushes, the UI drains in batches."""

    def __init__(self) -> None:
        self._items: deque[Any] = deque()

    def push(self, item: Any) -> None:
        self._items.append(item)  # deque.append is atomic

    def drain(self) -> list[Any]:
        items = []
        pop = self._items.popleft
        while True:
            try:
                items.append(pop())
            except IndexError:
                return items

    def __len__(self) -> int:
        return len(self._items)


class RateState:
    """The latest Remaining-Req the exchange reported, shared between threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.group: str | None = None
        self.remaining: int | None = None
        self.limit: int | None = None
        self.version = 0

    def update(self, group: str, remaining: int, limit: int) -> None:
        with self._lock:
            self.group, self.remaining, self.limit = group, remaining, limit
            self.version += 1

    def snapshot(self) -> tuple[int, str | None, int | None, int | None]:
        with self._lock:
            return self.version, self.group, self.remaining, self.limit
