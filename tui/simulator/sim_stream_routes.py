"""Helper endpoints for the streams, under /_sim/ (no auth, loopback clients only).

POST /_sim/trade/{id}?volume=V  partial fill (default half the remaining) -> {"id", "order"}
                               (404 unknown, 409 not open or a bad volume)
POST /_sim/upbit/orders         add one open Upbit order (optional JSON body: market, side,
                               price, volume, identifier) -> {"order"}
POST /_sim/b2trader/orders      add one Working B2TRADER order (optional JSON body:
                               market_id, side, price, amount, account_id) -> {"order"}
POST /_sim/drop-streams         drop every open stream connection -> {"dropped": n}
GET  /_sim/streams              {"open": {"upbit": n, "b2trader": n}, "counters": {...}}
"""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .activity import trade
from .responses import json_response
from .sim_routes import is_loopback
from .state import SimState

_UPBIT_FIELDS = ("market", "side", "price", "volume", "identifier")
_B2_FIELDS = ("market_id", "side", "price", "amount", "account_id")


class SimStreamApi:
    def __init__(self, state: SimState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        return [
            Route("/_sim/trade/{id}", self.trade, methods=["POST"]),
            Route("/_sim/upbit/orders", self.add_upbit, methods=["POST"]),
            Route("/_sim/b2trader/orders", self.add_b2, methods=["POST"]),
            Route("/_sim/drop-streams", self.drop, methods=["POST"]),
            Route("/_sim/streams", self.streams, methods=["GET"]),
        ]

    @staticmethod
    def _refused(request: Request) -> Response | None:
        if request.client is not None and not is_loopback(request.client.host):
            return json_response(403, {"error": "/_sim/ is for loopback clients only"})
        return None

    @staticmethod
    async def _fields(request: Request, allowed: tuple[str, ...]) -> dict | Response:
        raw = await request.body()
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            return json_response(400, {"error": "the body must be a JSON object"})
        if not isinstance(body, dict) or set(body) - set(allowed):
            return json_response(400, {"error": f"allowed fields: {', '.join(allowed)}"})
        if not all(isinstance(v, str) for v in body.values()):
            return json_response(400, {"error": "field values must be strings"})
        return body

    async def trade(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        order_id = request.path_params["id"]
        try:
            order = trade(self.state, order_id, request.query_params.get("volume"))
        except KeyError:
            return json_response(404, {"error": f"unknown order {order_id}"})
        except ValueError as err:
            return json_response(409, {"error": str(err)})
        return json_response(200, {"id": order_id, "order": order})

    async def add_upbit(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        fields = await self._fields(request, _UPBIT_FIELDS)
        if isinstance(fields, Response):
            return fields
        try:
            order = self.state.add_upbit_order(**fields)
        except (ValueError, ArithmeticError) as err:
            return json_response(400, {"error": str(err)})
        return json_response(200, {"order": order})

    async def add_b2(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        fields = await self._fields(request, _B2_FIELDS)
        if isinstance(fields, Response):
            return fields
        try:
            order = self.state.add_b2_order(**fields)
        except (ValueError, ArithmeticError) as err:
            return json_response(400, {"error": str(err)})
        return json_response(200, {"order": order})

    async def drop(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        return json_response(200, {"dropped": self.state.events.drop_all()})

    async def streams(self, request: Request) -> Response:
        if (refused := self._refused(request)) is not None:
            return refused
        hub = self.state.events
        return json_response(200, {"open": hub.open_connections(), "counters": dict(hub.counters)})
