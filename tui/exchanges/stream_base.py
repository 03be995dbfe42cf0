"""What both order streams share: the ws URL rule, back-off, reconnecting, secret hygiene.

`OrderStream.watch_orders()` is an endless async iterator: it connects, yields the
exchange's events, and when the connection fails it yields `reconnecting(reason)`,
waits a capped exponential back-off with jitter and connects again, by itself. It
ends only after `off(reason)`: the exchange refused the credentials or the request
(trying again would not help), or `aclose()` was called.

Secrets: every reason and log line passes a Redactor holding the stream's secrets (the
B2TRADER token travels in the query string); the URL shown (`shown_url`) is redacted;
websockets' own logger is given a scrubbing adapter; raised errors never chain the
library's exceptions (which may quote the URL).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import websockets

from tui.core.errors import ConfigError
from tui.core.models.row import Exchange
from tui.core.models.stream import StreamEvent, StreamState, StreamStatus
from tui.core.redact import Redactor
from tui.core.urls import check_base_url, is_loopback_host

log = logging.getLogger("tui.exchanges.stream")


def ws_url(base_url: str, path: str) -> str:
    """wss://host/path for an https base URL, ws:// only for a loopback http one."""
    base = check_base_url(base_url)  # http only to loopback, no query, no user info
    parts = urlsplit(base)
    scheme = "wss" if parts.scheme == "https" else "ws"
    if scheme == "ws" and not is_loopback_host(parts.hostname or ""):  # pragma: no cover
        raise ConfigError("plain ws:// is refused except to this machine")
    return f"{scheme}://{parts.netloc}{path}"


@dataclass(frozen=True)
class Backoff:
    """Delay before reconnect attempt n (1, 2, ...): min(cap, first * 2**(n-1)), then a
    random share in [1 - jitter, 1] of it, so many clients do not come back in step."""

    first: float = 0.5
    cap: float = 30.0
    jitter: float = 0.5

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        base: float = min(self.cap, self.first * 2.0 ** max(0, attempt - 1))
        share = (rng or random).uniform(1.0 - self.jitter, 1.0)
        return base * share


class StreamOff(Exception):
    """Stop for good (credentials or request refused): `reason` is shown, already scrubbed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class StreamLost(Exception):
    """The connection ended or misbehaved; reconnect. `reason` is already scrubbed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _ScrubbingLogger(logging.LoggerAdapter):
    """What websockets logs (request lines, headers) goes out scrubbed of the secrets."""

    def __init__(self, logger: logging.Logger, redactor: Redactor) -> None:
        super().__init__(logger, {})
        self.redactor = redactor

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        text = str(msg) % args if args else str(msg)
        kwargs.pop("exc_info", None)  # a traceback may quote the URL: never passed on
        self.logger.log(level, self.redactor.scrub(text), **kwargs)


class OrderStream:
    """Base of UpbitOrderStream and B2TraderOrderStream: subclasses implement `_session`."""

    exchange: Exchange
    path: str

    def __init__(
        self,
        base_url: str,
        *,
        secrets: Iterable[str],
        backoff: Backoff | None = None,
        open_timeout: float = 10.0,
        max_attempts: int | None = None,
    ) -> None:
        self.url = ws_url(base_url, self.path)
        self.redactor = Redactor(secrets)
        self.backoff = backoff or Backoff()
        self.open_timeout = open_timeout
        self.max_attempts = max_attempts  # None: reconnect forever
        self.status = StreamStatus(exchange=self.exchange, state=StreamState.OFF, reason="idle")
        self.connects = 0  # successful connections (tests and benchmarks)
        self._closed = asyncio.Event()
        self._ws: Any = None  # the open connection, if any
        self._ws_logger = _ScrubbingLogger(logging.getLogger("tui.exchanges.ws"), self.redactor)

    @property
    def shown_url(self) -> str:
        return self.url

    def scrub(self, text: str) -> str:
        return self.redactor.scrub(text)

    def describe_error(self, err: BaseException) -> str:
        if isinstance(err, websockets.InvalidStatus):
            return f"HTTP {err.response.status_code} on connect"
        if isinstance(err, websockets.ConnectionClosed):
            rcvd = err.rcvd
            if rcvd is None:
                return "connection lost"
            reason = f": {rcvd.reason}" if rcvd.reason else ""
            return self.scrub(f"closed by the exchange (code {rcvd.code}{reason})")[:200]
        if isinstance(err, TimeoutError):
            return "timed out"
        if isinstance(err, OSError):
            return self.scrub(f"network error: {err.strerror or type(err).__name__}")
        return self.scrub(f"{type(err).__name__}: {err}")[:200]

    def closed_reason(self, ws: Any) -> str:
        """Why a connection that ended cleanly (no exception) ended."""
        reason = f": {ws.close_reason}" if ws.close_reason else ""
        return self.scrub(f"closed by the exchange (code {ws.close_code}{reason})")[:200]

    @contextlib.asynccontextmanager
    async def _connected(
        self, url: str, headers: dict[str, str] | None = None
    ) -> AsyncIterator[Any]:
        """One connection, remembered so that `aclose()` can end it at once."""
        async with self._connect(url, headers) as ws:
            self._ws = ws
            try:
                yield ws
            finally:
                self._ws = None

    def _connect(self, url: str, headers: dict[str, str] | None = None) -> Any:
        return websockets.connect(
            url,
            additional_headers=headers,
            open_timeout=self.open_timeout,
            ping_interval=20,
            ping_timeout=20,
            close_timeout=2,
            max_size=4 * 1024 * 1024,
            logger=self._ws_logger,
            proxy=None,
        )

    def _set(self, state: StreamState, reason: str | None = None, **kw: Any) -> StreamStatus:
        self.status = StreamStatus(exchange=self.exchange, state=state, reason=reason, **kw)
        return self.status

    def _session(self) -> AsyncIterator[StreamEvent]:  # pragma: no cover - abstract
        raise NotImplementedError

    async def watch_orders(self) -> AsyncGenerator[StreamEvent, None]:
        attempt = 0
        while not self._closed.is_set():
            try:
                async for event in self._session():
                    if isinstance(event, StreamStatus) and event.state is StreamState.LIVE:
                        attempt = 0
                        self.connects += 1
                    yield event
                reason = "the exchange ended the stream"
            except StreamOff as off:
                yield self._set(StreamState.OFF, off.reason, cause="refused")
                return
            except StreamLost as lost:
                reason = lost.reason
            except websockets.InvalidStatus as err:
                code = err.response.status_code
                if code in (401, 403):
                    yield self._set(
                        StreamState.OFF, f"refused: HTTP {code} (check the key/token)", cause="auth"
                    )
                    return
                reason = self.describe_error(err)
            except (OSError, TimeoutError, websockets.WebSocketException) as err:
                reason = self.describe_error(err)
            if self._closed.is_set():
                break
            attempt += 1
            if self.max_attempts is not None and attempt > self.max_attempts:
                yield self._set(
                    StreamState.OFF,
                    f"gave up after {attempt - 1} attempts: {reason}",
                    cause="gave_up",
                )
                return
            delay = self.backoff.delay(attempt)
            log.info(
                "%s stream lost (%s), retry %d in %.1f s", self.exchange, reason, attempt, delay
            )
            yield self._set(StreamState.RECONNECTING, reason, attempt=attempt, retry_in=delay)
            try:
                await asyncio.wait_for(self._closed.wait(), delay)
            except TimeoutError:
                pass
        yield self._set(StreamState.OFF, "stopped", cause="stopped")

    async def aclose(self) -> None:
        """Stop: the open connection is closed and the iterator ends with off("stopped")."""
        self._closed.set()
        ws = self._ws
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()


async def keepalive(send: Any, message: str, interval: float) -> None:
    """Send `message` every `interval` seconds until cancelled (or the connection fails)."""
    try:
        while True:
            await asyncio.sleep(interval)
            await send(message)
    except (websockets.ConnectionClosed, OSError):
        return
