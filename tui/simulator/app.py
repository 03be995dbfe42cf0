"""The Starlette app of the simulator (served by uvicorn, or in-process via httpx.ASGITransport)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute

from .b2trader_routes import B2TraderApi
from .b2trader_stream import B2TraderStream
from .middleware import SimMiddleware
from .sim_routes import SimApi
from .sim_stream_routes import SimStreamApi
from .state import SimState
from .upbit_routes import UpbitApi
from .upbit_stream import UpbitStream


def create_app(state: SimState) -> Starlette:
    routes: list[BaseRoute] = [
        *UpbitApi(state).routes(),
        *B2TraderApi(state).routes(),
        *SimApi(state).routes(),
        *SimStreamApi(state).routes(),
        *UpbitStream(state).routes(),
        *B2TraderStream(state).routes(),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(SimMiddleware, state=state)])
    app.state.sim = state
    return app
