"""The request loop every exchange client shares: rate limit, send, classify, retry what is safe.

Retry policy (what is safe to send again):
- 429: the server did not act. Pause the whole group and retry.
- 503: the server did not act. Capped exponential backoff with jitter, then retry.
- Connection never established (connect error/timeout, pool timeout): retry.
- Anything after the request may have reached the server (read timeout, dropped
  connection, 500/502/504 — a gateway may answer after the exchange acted) is retried only for idempotent calls (look-ups); for a cancel the
  error is raised with `sent=True` so the engine records the outcome as unknown and looks
  the order up instead of guessing.
- 418: halt every request of this client and raise `Blocked`.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx

from tui.core import decimal_json
from tui.core.errors import (
    AuthError,
    BadResponse,
    Blocked,
    ExchangeError,
    RateLimited,
    ServerBusy,
    TransportError,
    hint_for,
)
from tui.core.ports import RunControl
from tui.core.ratelimit import RateLimits, parse_remaining_req
from tui.core.sizes import mib
from tui.core.urls import check_base_url

MAX_BODY_BYTES = 8 * 1024 * 1024
# Failures that happen before a byte of the request left: safe to send again.
NOT_SENT_ERRORS = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.UnsupportedProtocol,
    httpx.LocalProtocolError,
)
# "blocked for 60 seconds", "retry in 30 s": a number after for/in/after, then a unit. Never a
# bare "429s" (a count of responses, not a duration).
_BLOCK_RE = re.compile(
    r"\b(?:for|in|after)\s+(\d+(?:\.\d+)?)\s*(?:seconds?|secs?|s)\b", re.IGNORECASE
)
_JWT_BYTES = re.compile(rb"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}")
_REDACTED = b"[redacted]"


@dataclass(slots=True)
class RetryPolicy:
    max_attempts: int = 6  # per request, all causes together
    max_rate_limited: int = 20  # 429s tolerated for one request (each pauses the group, growing)
    base_delay: float = 0.2
    max_delay: float = 5.0
    max_retry_after: float = (
        30.0  # a 429's Retry-After is obeyed up to this (a hostile one can't stall a run)
    )

    def backoff(self, attempt: int) -> float:
        """Full-jitter capped exponential: somewhere in [cap/2, cap]."""
        cap = min(self.max_delay, self.base_delay * (2.0 ** (attempt - 1)))
        return cap * (0.5 + random.random() / 2)


class _Stamp:
    """One granted rate-limit slot: stamped once, when the request's headers have been written
    (httpcore's trace), or when the attempt ends without that (mock transports, failures)."""

    __slots__ = ("_limits", "_group", "_done", "at")

    def __init__(self, limits: RateLimits, group: str) -> None:
        self._limits, self._group, self._done = limits, group, False
        self.at: float | None = None  # when the request left (the server's reading refers to it)

    def spent(self) -> None:
        if not self._done:
            self._done = True
            self.at = self._limits.sent(self._group)

    async def on_trace(self, name: str, info: dict[str, Any]) -> None:
        if name.endswith("send_request_headers.complete"):
            self.spent()


@dataclass(slots=True)
class Reply:
    status: int
    body: Any
    headers: httpx.Headers
    elapsed_s: float


Params = Sequence[tuple[str, str]]
ErrorParser = Callable[[int, str, Any], tuple[str, str]]


class HttpExchange:
    """Base of the exchange clients: owns the httpx.AsyncClient and the limiter."""

    group_default = "default"

    def __init__(
        self,
        base_url: str,
        *,
        limits: RateLimits,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        max_connections: int = 32,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.limits = limits
        self.retry = retry or RetryPolicy()
        self.requests_sent = 0
        self.rate_limited = 0
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            transport=transport,
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": "ordertui"},
        )

    # ---- hooks for subclasses ---------------------------------------------------------
    def auth_headers(self, method: str, path: str, params: Params) -> dict[str, str]:
        raise NotImplementedError

    def parse_error(self, status: int, text: str, body: Any) -> tuple[str, str]:
        """(name, message) from an error answer."""
        raise NotImplementedError

    def auth_statuses(self) -> frozenset[int]:
        return frozenset({401, 403})

    # ---- public -------------------------------------------------------------------------
    def on_rate(self, listener: Callable[[str, int, int], None]) -> None:
        self.limits.listeners.append(listener)

    async def aclose(self) -> None:
        await self._client.aclose()

    async def request(
        self,
        method: str,
        path: str,
        params: Params = (),
        *,
        group: str | None = None,
        idempotent: bool,
        control: RunControl | None = None,
    ) -> Reply:
        group = group or self.group_default
        policy = self.retry
        attempts = 0
        limited = 0
        url = f"{path}?{urlencode(list(params))}" if params else path
        while True:
            attempts += 1
            await self.limits.acquire(
                group, stop=control.ensure_running if control is not None else None, deferred=True
            )
            # The slot counts from when the request's headers are on the wire, not from when it
            # was granted: in a burst, the other requests' signing and fsynced intents run on this
            # loop first, and stamps taken at the grant let 35-45 requests reach the exchange in
            # one second. Until then the slot counts as taken; a slot taken is spent (also when
            # the request never leaves).
            stamp = _Stamp(self.limits, group)
            try:
                # Sign before announcing the send: a signing failure must not be journaled as sent.
                headers = self.auth_headers(method, path, params)
                if control is not None:
                    control.check()  # writes and fsyncs the intent
                started = time.monotonic()
                self.requests_sent += 1
                reply = await self._send(method, url, headers, started, stamp.on_trace)
            except NOT_SENT_ERRORS as exc:
                if attempts < policy.max_attempts:
                    await asyncio.sleep(policy.backoff(attempts))
                    continue
                raise TransportError(
                    f"{method} {path}: could not connect ({_describe(exc)})", sent=False
                ) from None
            except httpx.HTTPError as exc:  # timeouts, dropped connections, broken encodings...
                if idempotent and attempts < policy.max_attempts:
                    await asyncio.sleep(policy.backoff(attempts))
                    continue
                raise TransportError(
                    f"{method} {path}: no answer ({_describe(exc)})", sent=True
                ) from None
            finally:
                stamp.spent()

            self._observe(reply.headers, stamp.at)
            status = reply.status
            if 200 <= status < 300:
                return reply
            error = self._error(reply)
            if isinstance(error, RateLimited):
                self.rate_limited += 1
                limited += 1
                wait = error.retry_after
                self.limits.penalize(
                    group,
                    min(wait, policy.max_retry_after) if wait is not None else None,
                    sent_at=stamp.at,
                )
                if limited <= policy.max_rate_limited:
                    attempts -= 1  # a 429 is not a failed attempt: the server did not act
                    continue
                raise error
            if isinstance(error, Blocked):
                self.limits.halt(error)
                raise error
            if isinstance(error, ServerBusy):
                if attempts < policy.max_attempts:
                    await asyncio.sleep(policy.backoff(attempts))
                    continue
                raise error
            if (
                isinstance(error, AuthError)
                and error.name == "nonce_used"
                and attempts < policy.max_attempts
            ):
                continue  # the server refused before acting; a fresh token carries a fresh nonce
            if status >= 500 and idempotent and attempts < policy.max_attempts:
                await asyncio.sleep(policy.backoff(attempts))
                continue
            raise error

    # ---- internals ----------------------------------------------------------------------
    async def _send(
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        started: float,
        trace: Callable[[str, dict[str, Any]], Awaitable[None]] | None = None,
    ) -> Reply:
        request = self._client.build_request(
            method, url, headers=headers, extensions={"trace": trace} if trace else None
        )
        response = await self._client.send(request, stream=True)
        try:
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise BadResponse(
                        response.status_code,
                        f"answer larger than {mib(MAX_BODY_BYTES)}",
                    )
                chunks.append(chunk)
        finally:
            await response.aclose()
        raw = self._scrub(b"".join(chunks), headers)
        return Reply(response.status_code, raw, response.headers, time.monotonic() - started)

    def _scrub(self, raw: bytes, headers: dict[str, str]) -> bytes:
        """Our own credentials out of an answer before anything reads, shows or stores it: an
        exchange (or a proxy) may echo the token or the access key back in a message or field."""
        bearer = headers.get("Authorization", "").split(None, 1)[-1]
        for secret in (bearer, *self.credentials()):
            if secret and len(secret) >= 6 and secret.encode() in raw:
                raw = raw.replace(secret.encode(), _REDACTED)
        return _JWT_BYTES.sub(_REDACTED, raw) if b"eyJ" in raw else raw

    def credentials(self) -> tuple[str, ...]:
        """What this client authenticates with (Upbit `_access_key`/`_secret_key`, B2TRADER `_token`)."""
        values = (getattr(self, name, None) for name in ("_access_key", "_secret_key", "_token"))
        return tuple(v for v in values if isinstance(v, str))

    def _observe(self, headers: httpx.Headers, sent_at: float | None = None) -> None:
        info = parse_remaining_req(headers.get("Remaining-Req"))
        if info is not None:
            self.limits.observe(info, sent_at)

    def decode(self, reply: Reply) -> Any:
        """The JSON body of a successful reply, numbers as Decimal; BadResponse if unreadable."""
        raw: bytes = reply.body
        try:
            return decimal_json.loads(raw)
        except (
            ValueError,
            UnicodeDecodeError,
            RecursionError,
        ):  # nesting deeper than the parser goes
            raise BadResponse(reply.status, "the answer is not JSON", body=_text(raw)) from None

    def _error(self, reply: Reply) -> ExchangeError:
        error = self._classify(reply)
        exchange = getattr(self, "exchange", None)
        if exchange is not None and not (isinstance(error, Blocked) and error.block_seconds):
            # The same error name can need other advice on another exchange (no regions on
            # B2TRADER, for one).
            error.hint = hint_for(error.name, error.status, exchange=str(exchange))
        return error

    def _classify(self, reply: Reply) -> ExchangeError:
        raw: bytes = reply.body
        text = _text(raw)
        try:
            body = decimal_json.loads(raw) if raw else None
        except (ValueError, UnicodeDecodeError, RecursionError):
            body = None
        status = reply.status
        name, message = self.parse_error(status, text, body)
        name, message = " ".join(str(name).split())[:80], " ".join(str(message).split())[:300]
        if status == 429:
            return RateLimited(
                status,
                name or "too_many_requests",
                message,
                body=text,
                retry_after=_retry_after(reply.headers),
            )
        if status == 418:
            return Blocked(
                status,
                name or "blocked",
                message,
                body=text,
                block_seconds=_block_seconds(reply.headers, text),
            )
        if status == 503:
            return ServerBusy(status, name or "server_unavailable", message, body=text)
        if status in self.auth_statuses():
            return AuthError(status, name, message, body=text)
        return ExchangeError(status, name, message, body=text)


def _text(raw: bytes, limit: int = 500) -> str:
    return raw[:limit].decode("utf-8", errors="replace")


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:200]


def _retry_after(headers: httpx.Headers) -> float | None:
    value = headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _block_seconds(headers: httpx.Headers, text: str) -> float | None:
    after = _retry_after(headers)
    if after is not None:
        return after
    match = _BLOCK_RE.search(text)
    return float(match.group(1)) if match else None
