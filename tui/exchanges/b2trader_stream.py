"""B2TRADER's open-orders stream: SignalR JSON over `/frontoffice/ws/v4/account`.

A small hand-written SignalR JSON client over `websockets` (see the notes for why not
pysignalr): the handshake `{"protocol":"json","version":1}` answered `{}`; every record
ends with `\\x1e`; a type 4 `OpenOrders` invocation with the account id, invocation ids
increasing by one per message sent; type 2 items are full open sets (yielded as
`OpenOrdersSnapshot`, the first one makes the stream live); type 6 pings sent every
`ping_interval` (15 s, as SignalR clients do) and silence from the server for
`server_timeout` (30 s) counts as a lost connection; type 7 closes (reconnect, unless
it says not to); a type 3 completion with an error (account refused) turns the stream off.

The token travels in the query string (`access_token`, the way SignalR authenticates
WebSockets): it is registered with the stream's redactor, `shown_url` hides it, and
no error message or log line built here carries the URL.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

from tui.core import decimal_json
from tui.core.errors import InputError
from tui.core.models.row import Exchange
from tui.core.models.stream import OpenOrdersSnapshot, StreamEvent, StreamState
from tui.exchanges.stream_base import Backoff, OrderStream, StreamLost, StreamOff, keepalive

log = logging.getLogger(__name__)
PATH = "/frontoffice/ws/v4/account"
RS = "\x1e"
HANDSHAKE = '{"protocol":"json","version":1}' + RS
PING = '{"type":6}' + RS
MAX_BUFFER = 8 * 1024 * 1024


class SignalRFraming:
    """Splits received text into records on `\\x1e`, keeping a partial record for later."""

    def __init__(self) -> None:
        self.buffer = ""
        self.pending: deque[Any] = deque()  # parsed records not yet handed out

    def feed(self, text: str) -> list[str]:
        self.buffer += text
        if len(self.buffer) > MAX_BUFFER:
            raise StreamLost("a SignalR record larger than 8 MiB")
        *records, self.buffer = self.buffer.split(RS)
        return [r for r in records if r.strip()]


class B2TraderOrderStream(OrderStream):
    exchange = Exchange.B2TRADER
    path = PATH

    def __init__(
        self,
        base_url: str,
        token: str,
        account_id: str | None,
        *,
        ping_interval: float = 15.0,
        server_timeout: float = 30.0,
        backoff: Backoff | None = None,
        open_timeout: float = 10.0,
        max_attempts: int | None = None,
    ) -> None:
        if not token:
            raise InputError("B2TRADER needs an API token")
        if not account_id:
            raise InputError(
                "the B2TRADER stream needs an account id (--account-id or B2TRADER_ACCOUNT_ID)"
            )
        super().__init__(
            base_url,
            secrets=(token, quote(token, safe="")),
            backoff=backoff,
            open_timeout=open_timeout,
            max_attempts=max_attempts,
        )
        self._token = token
        self.account_id = account_id
        self.ping_interval = ping_interval
        self.server_timeout = server_timeout

    def __repr__(self) -> str:
        return f"B2TraderOrderStream({self.shown_url})"

    @property
    def shown_url(self) -> str:
        return f"{self.url}?access_token=[redacted]"

    def _secret_url(self) -> str:
        return f"{self.url}?access_token={quote(self._token, safe='')}"

    async def _session(self) -> AsyncIterator[StreamEvent]:
        async with self._connected(self._secret_url()) as ws:
            framing = SignalRFraming()
            await ws.send(HANDSHAKE)
            first = await self._records(ws, framing)
            if first != {}:
                error = first.get("error") if isinstance(first, dict) else None
                raise StreamOff(self.scrub(f"SignalR handshake refused: {error or first}")[:200])
            invocation = "0"
            subscribe = {
                "arguments": [self.account_id],
                "invocationId": invocation,
                "target": "OpenOrders",
                "type": 4,
            }
            await ws.send(json.dumps(subscribe) + RS)
            pinger = asyncio.ensure_future(keepalive(ws.send, PING, self.ping_interval))
            live = False
            try:
                while True:
                    message = await self._records(ws, framing)
                    if not isinstance(message, dict):
                        continue
                    kind = message.get("type")
                    if kind == 2 and message.get("invocationId") == invocation:
                        try:
                            snapshot = OpenOrdersSnapshot.from_b2trader(
                                self.account_id, message.get("item")
                            )
                        except ValueError:
                            log.warning("B2TRADER stream: an unreadable OpenOrders item")
                            raise StreamLost("an unreadable OpenOrders item") from None
                        if not live:
                            live = True
                            yield self._set(StreamState.LIVE, "subscribed to OpenOrders")
                        yield snapshot
                    elif kind == 3 and message.get("invocationId") == invocation:
                        error = message.get("error")
                        if error:
                            raise StreamOff(self.scrub(f"OpenOrders refused: {error}")[:200])
                        raise StreamLost("the exchange completed the OpenOrders stream")
                    elif kind == 7:
                        error = message.get("error") or "no reason given"
                        text = self.scrub(f"closed by the exchange: {error}")[:200]
                        if message.get("allowReconnect") is False:
                            raise StreamOff(text)
                        raise StreamLost(text)
                    # type 6 (ping), 1 (invocations) and others: nothing to do
            finally:
                pinger.cancel()

    async def _records(self, ws: Any, framing: SignalRFraming) -> Any:
        """The next record (parsed), waiting at most `server_timeout` for anything to arrive."""
        while not framing.pending:
            try:
                raw = await asyncio.wait_for(ws.recv(), self.server_timeout)
            except TimeoutError:
                raise StreamLost(
                    f"no message from the exchange in {self.server_timeout:g} s"
                ) from None
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
            for record in framing.feed(text):
                try:
                    framing.pending.append(decimal_json.loads(record))
                except ValueError:
                    raise StreamLost("an unreadable SignalR record") from None
        return framing.pending.popleft()
