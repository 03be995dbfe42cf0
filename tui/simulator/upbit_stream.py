"""Upbit's private WebSocket, `/websocket/v1/private`, the `myOrder` type.

- Upgrade: `Authorization: Bearer <JWT>` checked with the simulator's own JWT code
  (auth.py; access_key + nonce, no query_hash); refused with HTTP 401 and an Upbit
  error body otherwise.
- Request: one text (or binary) message, a JSON array
  `[{"ticket":..},{"type":"myOrder","codes":[..]},{"format":"DEFAULT"}]`. A message
  that is not a JSON array of objects: WRONG_FORMAT; no ticket: NO_TICKET; no type:
  NO_TYPE; a type other than myOrder, codes not a list of strings or a format other
  than DEFAULT: INVALID_PARAM. Errors leave the connection open (*assumed*). A new
  request replaces the previous one.
- Data: binary frames of UTF-8 JSON, numbers as JSON numbers; only codes asked for
  (none or `[]`: every market). Text `PING` is answered `{"status":"UP"}`.
- Idle: closed after `stream_idle_timeout` (120 s) without a message from the client.
  WebSocket ping frames are answered by uvicorn and do not reach the app, so here
  only data messages (`PING`, requests) count: stricter than Upbit (*assumed*).
"""

from __future__ import annotations

import json

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from .auth import TokenError, bearer_token, parse_jwt
from .events import dumps_numbers
from .responses import upbit_error
from .state import SimState
from .stream_conn import Closed, run_connection

PATH = "/websocket/v1/private"


def _error(name: str, message: str) -> bytes:
    return json.dumps({"error": {"name": name, "message": message}}).encode()


class UpbitStream:
    def __init__(self, state: SimState) -> None:
        self.state = state

    def routes(self) -> list[WebSocketRoute]:
        return [WebSocketRoute(PATH, self.private)]

    def _refusal(self, ws: WebSocket) -> tuple[str, str] | None:
        try:
            token = parse_jwt(bearer_token(ws.headers.get("authorization")))
        except TokenError as err:
            return err.name, err.message
        access_key = token.payload.get("access_key")
        key = self.state.upbit_keys.get(access_key) if isinstance(access_key, str) else None
        if key is None:
            return "invalid_access_key", "Unknown access key."
        if not token.signature_ok(key.secret_key):
            return "jwt_verification", "Failed to verify the JWT signature."
        nonce = token.payload.get("nonce")
        if not isinstance(nonce, str) or not nonce:
            return "jwt_verification", "The JWT payload has no nonce."
        with self.state.lock:
            used = self.state.nonces.setdefault(key.access_key, {})
            if nonce in used:
                return "nonce_used", "This nonce has been used already."
            used[nonce] = None
        return None

    async def private(self, ws: WebSocket) -> None:
        hub = self.state.events
        refusal = self._refusal(ws)
        if refusal is not None:
            hub.count("refused")
            with self.state.lock:
                self.state.stats.auth_failures += 1
            await ws.send_denial_response(upbit_error(401, *refusal))
            return
        await ws.accept()
        sub = hub.subscribe("upbit")
        await run_connection(ws, hub, sub, _MyOrderSession(ws, self.state))


class _MyOrderSession:
    tick_interval: float | None = None

    def __init__(self, ws: WebSocket, state: SimState) -> None:
        self.ws = ws
        self.state = state
        self.idle_timeout = float(state.config.stream_idle_timeout)
        self.subscribed = False
        self.codes: frozenset[str] | None = None  # None: every market

    async def _send(self, data: bytes) -> None:
        await self.ws.send_bytes(data)
        self.state.events.count("messages")

    async def on_message(self, text: str | None, data: bytes | None) -> None:
        if text is None and data is not None:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                await self._send(_error("WRONG_FORMAT", "The message is not UTF-8 text."))
                return
        text = text or ""
        if text == "PING":
            await self._send(b'{"status":"UP"}')
            return
        try:
            request = json.loads(text)
        except ValueError:
            request = None
        if (
            not isinstance(request, list)
            or not request
            or not all(isinstance(part, dict) for part in request)
        ):
            await self._send(_error("WRONG_FORMAT", "The request must be a JSON array."))
            return
        ticket = next((p["ticket"] for p in request if "ticket" in p), None)
        if not isinstance(ticket, str) or not ticket.strip():
            await self._send(_error("NO_TICKET", "The request has no ticket."))
            return
        kind = next((p for p in request if "type" in p), None)
        if kind is None:
            await self._send(_error("NO_TYPE", "The request has no type."))
            return
        if kind["type"] != "myOrder":
            await self._send(_error("INVALID_PARAM", "Only myOrder is served on this stream."))
            return
        codes = kind.get("codes")
        if codes is not None and (
            not isinstance(codes, list) or not all(isinstance(c, str) for c in codes)
        ):
            await self._send(_error("INVALID_PARAM", "codes must be a list of market codes."))
            return
        fmt = next((p["format"] for p in request if "format" in p), "DEFAULT")
        if fmt != "DEFAULT":
            await self._send(_error("INVALID_PARAM", "Only the DEFAULT format is simulated."))
            return
        self.codes = frozenset(codes) if codes else None
        self.subscribed = True

    async def on_item(self, item: object) -> None:
        if not self.subscribed or not isinstance(item, dict):
            return
        if self.codes is not None and item.get("code") not in self.codes:
            return
        await self._send(dumps_numbers(item).encode("utf-8"))

    async def on_tick(self) -> None:  # pragma: no cover - no tick on this stream
        return

    async def on_idle(self) -> None:
        raise Closed(1000, "idle timeout: no message from the client")
