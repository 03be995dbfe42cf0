"""Helper endpoints under /_sim/: not an exchange API, no auth, loopback clients only.

GET  /_sim/b2trader/orders  {"account_id", "order_ids": [...], "orders": [...]} (the B2TRADER book)
GET  /_sim/upbit/orders     {"orders": [...]} every Upbit order, any state, oldest first
GET  /_sim/truth            {"upbit": {uuid: state}, "b2trader": {orderId: status}}
POST /_sim/fill/{id}        force an order to done / Completed -> {"id", "exchange", "order"}
                            (404 unknown id, 409 if it was already cancelled/finished)
GET  /_sim/stats            counters (see SimStats.as_dict)
POST /_sim/b2trader/expire-token  the B2TRADER token expires now (later requests: 401)
GET  /_sim/background       {"rps": N}: what the simulated other client of the Upbit pocket spends
POST /_sim/background       body {"rps": N} (0 stops it; 400 if not a number in 0..1000)
"""

from __future__ import annotations

import ipaddress
import json
import math

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .responses import json_response
from .state import SimState


def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class SimApi:
    def __init__(self, state: SimState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        return [
            Route("/_sim/b2trader/orders", self.b2_orders, methods=["GET"]),
            Route("/_sim/upbit/orders", self.upbit_orders, methods=["GET"]),
            Route("/_sim/truth", self.truth, methods=["GET"]),
            Route("/_sim/fill/{id}", self.fill, methods=["POST"]),
            Route("/_sim/stats", self.stats, methods=["GET"]),
            Route("/_sim/background", self.background, methods=["GET", "POST"]),
            Route("/_sim/b2trader/expire-token", self.expire_token, methods=["POST"]),
        ]

    @staticmethod
    def _refuse(request: Request) -> Response | None:
        if request.client is not None and not is_loopback(request.client.host):
            return json_response(403, {"error": "/_sim/ is for loopback clients only"})
        return None

    async def b2_orders(self, request: Request) -> Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        orders = self.state.b2_orders()
        return json_response(
            200,
            {
                "account_id": self.state.b2_account_id,
                "order_ids": [o["orderId"] for o in orders],
                "orders": orders,
            },
        )

    async def upbit_orders(self, request: Request) -> Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        return json_response(200, {"orders": self.state.upbit_orders()})

    async def truth(self, request: Request) -> Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        return json_response(200, self.state.truth())

    async def fill(self, request: Request) -> Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        order_id = request.path_params["id"]
        try:
            order = self.state.fill(order_id)
        except KeyError:
            return json_response(404, {"error": f"unknown order {order_id}"})
        except ValueError as err:
            return json_response(409, {"error": str(err)})
        exchange = "b2trader" if "orderId" in order else "upbit"
        return json_response(200, {"id": order_id, "exchange": exchange, "order": order})

    async def stats(self, request: Request) -> Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        with self.state.lock:
            return json_response(200, self.state.stats.as_dict())

    async def background(self, request: Request) -> Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        if request.method == "POST":
            try:
                rps = float(json.loads(await request.body())["rps"])
            except (ValueError, TypeError, KeyError):
                return json_response(400, {"error": 'send {"rps": N}'})
            if not (math.isfinite(rps) and 0 <= rps <= 1000):
                return json_response(400, {"error": "rps must be between 0 and 1000"})
            with self.state.lock:
                self.state.config.background_rps = rps
        return json_response(200, {"rps": self.state.config.background_rps})

    async def expire_token(self, request: Request) -> Response:
        if (refused := self._refuse(request)) is not None:
            return refused
        self.state.expire_b2_token()
        return json_response(200, {"expired": True})
