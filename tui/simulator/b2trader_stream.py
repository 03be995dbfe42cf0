"""B2TRADER's account stream, `/frontoffice/ws/v4/account?access_token=...` (SignalR JSON).

- Upgrade: the token in `access_token` (as ASP.NET Core SignalR takes it for
  WebSockets) must be the simulator's; otherwise HTTP 401.
- Handshake: the first record must be `{"protocol":"json","version":1}`; answered
  `{}`, or `{"error":...}` and closed. Every record, both ways, ends with `\\x1e`.
- Type 4 (StreamInvocation) `OpenOrders` with `[accountId]`: one type 2 item at once
  and one after every change of that account, each the FULL current open set
  (Started, Pending, Working), oldest first (*inferred*: the docs leave full set vs
  changes open). An account the token does not own, another target, or bad
  arguments: type 3 completion with `error`. Type 5 ends the stream (type 3).
  Type 6 pings both ways: the server pings every `signalr_ping_interval`; a client
  silent for `signalr_client_timeout` gets type 7 with an error and is closed.
  Type 7 from the client closes. Type 1 (invocations): type 3 with an error.
"""

from __future__ import annotations

import hmac
import json

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from .b2_book import CANCELLABLE, B2Order
from .decimals import fmt
from .responses import b2_error
from .state import SimState
from .stream_conn import Closed, run_connection

PATH = "/frontoffice/ws/v4/account"
RS = "\x1e"
_MARKET_TYPES = {"spot": "Spot", "cfd": "Cfd", "perp": "Perp"}


def stream_order(o: B2Order) -> dict:
    """An order as the OpenOrders stream shows it (`commissionAmount` is REST's `commission`)."""
    w = o.wire()
    prefix, _, pair = o.market_id.partition(".")
    quote = pair.rsplit("_", 1)[-1] if "_" in pair else pair[-3:]
    return {
        "marketId": o.market_id,
        "marketType": _MARKET_TYPES.get(prefix, prefix.capitalize()),
        "marketDisplayName": o.market_display_name,
        "marketFullName": o.market_display_name,
        "orderId": o.order_id,
        "timeInForce": o.time_in_force,
        "status": o.status,
        "source": o.source,
        "reason": None,
        "side": o.side,
        "orderType": o.order_type,
        "requestedAmount": w["requestedAmount"],
        "remainingAmount": w["remainingAmount"],
        "requestedPrice": w["requestedPrice"],
        "executionPrice": w["executionPrice"],
        "createdAt": w["createdAt"],
        "updatedAt": w["updatedAt"],
        "cancellationDate": w["cancellationDate"],
        "commissionAssetId": quote.lower(),
        "commissionAmount": fmt(o.commission),
        "leverage": None if prefix == "spot" else "1",
    }


class B2TraderStream:
    def __init__(self, state: SimState) -> None:
        self.state = state

    def routes(self) -> list[WebSocketRoute]:
        return [WebSocketRoute(PATH, self.account)]

    async def account(self, ws: WebSocket) -> None:
        hub = self.state.events
        token = ws.query_params.get("access_token") or ""
        if not hmac.compare_digest(token.encode(), self.state.b2_token.encode()):
            hub.count("refused")
            with self.state.lock:
                self.state.stats.auth_failures += 1
            await ws.send_denial_response(
                b2_error(401, "Unauthorized", "Missing or invalid access token.")
            )
            return
        await ws.accept()
        sub = hub.subscribe("b2trader")
        await run_connection(ws, hub, sub, _SignalRSession(ws, self.state))


class _SignalRSession:
    def __init__(self, ws: WebSocket, state: SimState) -> None:
        self.ws = ws
        self.state = state
        self.idle_timeout = float(state.config.signalr_client_timeout)
        self.tick_interval: float | None = float(state.config.signalr_ping_interval)
        self.buffer = ""
        self.handshaken = False
        self.streams: dict[str, str] = {}  # invocationId -> accountId
        owned = {a["accountId"] for a in state.b2_accounts}
        self.owned = frozenset(owned)

    async def _send(self, message: dict) -> None:
        await self.ws.send_text(json.dumps(message, separators=(",", ":")) + RS)
        self.state.events.count("messages")

    async def on_message(self, text: str | None, data: bytes | None) -> None:
        if text is None:
            text = (data or b"").decode("utf-8", "replace")
        self.buffer += text
        if len(self.buffer) > 1_000_000:
            raise Closed(1009, "message too big")
        *records, self.buffer = self.buffer.split(RS)
        for record in records:
            await self._record(record)

    async def _record(self, record: str) -> None:
        try:
            message = json.loads(record)
        except ValueError:
            message = None
        if not self.handshaken:
            if (
                isinstance(message, dict)
                and message.get("protocol") == "json"
                and message.get("version") == 1
            ):
                self.handshaken = True
                await self.ws.send_text("{}" + RS)
                return
            await self.ws.send_text(json.dumps({"error": "Handshake was canceled."}) + RS)
            raise Closed(1000, "bad handshake")
        if not isinstance(message, dict) or not isinstance(message.get("type"), int):
            await self._send({"type": 7, "error": "Connection closed with an error: bad message."})
            raise Closed(1000, "bad message")
        kind = message["type"]
        inv = message.get("invocationId")
        if kind == 6:
            return
        if kind == 7:
            raise Closed(1000, "client closed")
        if kind == 5 and isinstance(inv, str):
            if self.streams.pop(inv, None) is not None:
                await self._send({"type": 3, "invocationId": inv})
            return
        if kind == 4 and isinstance(inv, str):
            await self._subscribe(inv, message.get("target"), message.get("arguments"))
            return
        if kind == 1 and isinstance(inv, str):
            await self._send({"type": 3, "invocationId": inv, "error": "Unknown hub method."})
            return
        if kind == 1:  # non-blocking invocation: nothing to answer
            return
        await self._send({"type": 7, "error": "Connection closed with an error: bad message."})
        raise Closed(1000, "bad message")

    async def _subscribe(self, inv: str, target: object, arguments: object) -> None:
        if target != "OpenOrders":
            await self._send({"type": 3, "invocationId": inv, "error": f"Unknown stream {target}."})
            return
        if (
            not isinstance(arguments, list)
            or len(arguments) != 1
            or not isinstance(arguments[0], str)
        ):
            await self._send(
                {"type": 3, "invocationId": inv, "error": "OpenOrders takes one accountId."}
            )
            return
        if arguments[0] not in self.owned:
            await self._send(
                {
                    "type": 3,
                    "invocationId": inv,
                    "error": "The token has no access to this account.",
                }
            )
            return
        if inv in self.streams:
            await self._send({"type": 3, "invocationId": inv, "error": "Duplicate invocationId."})
            return
        self.streams[inv] = arguments[0]
        await self._send({"type": 2, "invocationId": inv, "item": self._open_set(arguments[0])})

    def _open_set(self, account_id: str) -> list[dict]:
        with self.state.lock:
            return [
                stream_order(o)
                for o in self.state.b2.ordered()
                if o.account_id == account_id and o.status in CANCELLABLE
            ]

    async def on_item(self, item: object) -> None:
        if not self.handshaken:
            return
        for inv, account_id in list(self.streams.items()):
            if account_id == item:
                await self._send({"type": 2, "invocationId": inv, "item": self._open_set(item)})

    async def on_tick(self) -> None:
        if self.handshaken:
            await self._send({"type": 6})

    async def on_idle(self) -> None:
        if self.handshaken:
            await self._send(
                {"type": 7, "error": "Server timeout elapsed without receiving a message."}
            )
        raise Closed(1000, "client timeout")
