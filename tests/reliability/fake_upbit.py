"""A tiny in-memory Upbit for httpx.MockTransport: cancels and look-ups over a dict of states.

Hooks let a test misbehave per request (`before(request) -> Response | None`), capture
every JWT the client produced, or check what is on disk at the moment a request leaves.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from collections.abc import Callable

import httpx

from tui.exchanges.upbit import UpbitClient

OPEN = ("wait", "watch")
BASE_URL = "https://upbit.test"


def mock_client(
    handler: Callable[[httpx.Request], httpx.Response] | httpx.BaseTransport, **options
) -> UpbitClient:
    """An UpbitClient with dummy keys whose requests go to `handler` (httpx.MockTransport) or
    to a transport; `options` are UpbitClient's (retry, limits, ...)."""
    transport = (
        handler if isinstance(handler, httpx.BaseTransport) else httpx.MockTransport(handler)
    )
    return UpbitClient("a" * 40, "s" * 40, base_url=BASE_URL, transport=transport, **options)


def order(uuid: str, state: str = "wait", **extra) -> dict:
    return {
        "uuid": uuid,
        "side": "bid",
        "ord_type": "limit",
        "price": "100.0",
        "state": state,
        "market": "KRW-BTC",
        "created_at": "2025-07-04T15:00:00+09:00",
        "volume": "1.0",
        "remaining_volume": "1.0",
        "executed_volume": "0.0",
        "reserved_fee": "0.0",
        "remaining_fee": "0.0",
        "paid_fee": "0.0",
        "locked": "100.0",
        "trades_count": 0,
        **extra,
    }


class FakeUpbit:
    def __init__(self, n: int = 0, *, states: dict[str, str] | None = None) -> None:
        self.states: dict[str, str] = dict(states or {})
        for _ in range(n):
            self.states[str(uuidlib.uuid4())] = "wait"
        self.requests: list[httpx.Request] = []
        self.tokens: list[str] = []
        self.before: Callable[[httpx.Request], httpx.Response | None] | None = None
        self.extra: dict = {}  # extra fields put into every order object

    @property
    def uuids(self) -> list[str]:
        return list(self.states)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            self.tokens.append(auth.split(None, 1)[1])
        if self.before is not None:
            answer = self.before(request)
            if answer is not None:
                return answer
        path, method = request.url.path, request.method
        params = request.url.params
        if path == "/v1/order" and method == "DELETE":
            uid = params.get("uuid")
            if uid not in self.states:
                return self.error(404, "order_not_found", "Order not found.")
            state = self.states[uid]
            if state == "cancel":
                return self.error(400, "canceled_order", "already cancelled")
            if state == "done":
                return self.error(400, "done_order", "already filled")
            self.states[uid] = "cancel"
            return httpx.Response(200, json=order(uid, state, **self.extra))
        if path == "/v1/orders/uuids" and method == "DELETE":
            ok, bad = [], []
            for uid in params.get_list("uuids[]"):
                if self.states.get(uid) in OPEN:
                    self.states[uid] = "cancel"
                    ok.append({"uuid": uid, "market": "KRW-BTC", **self.extra})
                else:
                    bad.append({"uuid": uid, "market": "KRW-BTC" if uid in self.states else None})
            return httpx.Response(
                200,
                json={
                    "success": {"count": len(ok), "orders": ok},
                    "failed": {"count": len(bad), "orders": bad},
                },
            )
        if path == "/v1/orders/uuids" and method == "GET":
            return httpx.Response(
                200,
                json=[
                    order(u, self.states[u], **self.extra)
                    for u in params.get_list("uuids[]")
                    if u in self.states
                ],
            )
        return self.error(404, "not_found", f"no route {method} {path}")

    @staticmethod
    def error(status: int, name: str, message: str) -> httpx.Response:
        return httpx.Response(
            status,
            content=json.dumps({"error": {"name": name, "message": message}}).encode(),
            headers={"content-type": "application/json"},
        )
