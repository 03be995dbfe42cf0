"""Upbit's private order stream: `myOrder` over `wss://<region host>/websocket/v1/private`.

- The region's own host (a regional key gets 401 on the Korean one); a loopback http
  base URL (the simulator) becomes ws://.
- A fresh JWT (access_key + nonce, no query_hash) in the Authorization header of each
  connect; 401/403 on the upgrade ends the stream (off), it would not get better.
- Request `[{"ticket"},{"type":"myOrder"[,"codes"]},{"format":"DEFAULT"}]` then a text
  `PING`: its `{"status":"UP"}` answer (or the first event) means subscribed: the stream
  says live and yields ResyncNeeded, after every (re)connect, because events during a
  gap are lost and REST can list.
- Binary or text frames; numbers parsed from the raw text into Decimal, never float.
- Keep-alive: a text `PING` every `ping_interval` (30 s; Upbit closes after 120 s idle)
  besides websockets' protocol pings.
- An error message (`{"error":{"name"}}`) means the request was refused: off, with its name.
- An unreadable event is skipped and a ResyncNeeded is yielded, so nothing is lost silently.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal
from typing import Any

from tui.core.errors import InputError
from tui.core.models.row import Exchange
from tui.core.models.stream import OrderEvent, ResyncNeeded, StreamEvent, StreamState
from tui.exchanges.stream_base import Backoff, OrderStream, StreamLost, StreamOff, keepalive
from tui.exchanges.upbit import region_host
from tui.exchanges.upbit_auth import make_token

log = logging.getLogger(__name__)
PATH = "/websocket/v1/private"
PING_INTERVAL = 30.0


def parse_message(message: str | bytes) -> Any:
    """JSON from a text or binary frame, every number a Decimal."""
    text = message.decode("utf-8") if isinstance(message, bytes) else message
    return json.loads(text, parse_float=Decimal, parse_int=Decimal)


class UpbitOrderStream(OrderStream):
    exchange = Exchange.UPBIT
    path = PATH

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        *,
        region: str = "kr",
        base_url: str | None = None,
        algorithm: str = "HS512",
        codes: Sequence[str] = (),
        ping_interval: float = PING_INTERVAL,
        backoff: Backoff | None = None,
        open_timeout: float = 10.0,
        max_attempts: int | None = None,
    ) -> None:
        if not access_key or not secret_key:
            raise InputError("Upbit needs an access key and a secret key")
        super().__init__(
            base_url or region_host(region),
            secrets=(access_key, secret_key),
            backoff=backoff,
            open_timeout=open_timeout,
            max_attempts=max_attempts,
        )
        self.region = region
        self._access_key = access_key
        self._secret_key = secret_key
        self.algorithm = algorithm
        self.codes = [c.strip().upper() for c in codes if c.strip()]
        self.ping_interval = ping_interval

    def __repr__(self) -> str:
        return f"UpbitOrderStream({self.url})"

    def request(self) -> list[dict[str, Any]]:
        kind: dict[str, Any] = {"type": "myOrder"}
        if self.codes:
            kind["codes"] = self.codes
        return [{"ticket": f"ordertui-{uuid.uuid4()}"}, kind, {"format": "DEFAULT"}]

    async def _session(self) -> AsyncIterator[StreamEvent]:
        token = make_token(self._access_key, self._secret_key, algorithm=self.algorithm)
        headers = {"Authorization": f"Bearer {token}"}
        self.redactor.add(token)
        async with self._connected(self.url, headers) as ws:
            await ws.send(json.dumps(self.request()))
            await ws.send("PING")
            pinger = asyncio.ensure_future(keepalive(ws.send, "PING", self.ping_interval))
            live = False
            try:
                async for message in ws:
                    try:
                        data = parse_message(message)
                    except (UnicodeDecodeError, ValueError):
                        log.warning("Upbit stream: an unreadable message was skipped")
                        yield ResyncNeeded(exchange=self.exchange, reason="unreadable message")
                        continue
                    if isinstance(data, dict) and isinstance(data.get("error"), dict):
                        name = str(data["error"].get("name") or "error")[:60]
                        text = str(data["error"].get("message") or "")[:200]
                        raise StreamOff(self.scrub(f"request refused: {name} {text}".strip()))
                    if not live:
                        live = True
                        yield self._set(StreamState.LIVE, "subscribed to myOrder")
                        yield ResyncNeeded(exchange=self.exchange, reason="connected")
                    if not isinstance(data, dict) or data.get("type") != "myOrder":
                        continue  # {"status":"UP"} and anything else
                    try:
                        event = OrderEvent.from_upbit(data)
                    except ValueError:
                        log.warning("Upbit stream: an unreadable myOrder event was skipped")
                        yield ResyncNeeded(exchange=self.exchange, reason="unreadable event")
                        continue
                    yield event
            finally:
                pinger.cancel()
        raise StreamLost(self.closed_reason(ws))
