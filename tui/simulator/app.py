"""The Starlette app of the simulator (served by uvicorn, or in-process via httpx.ASGITransport)."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware

from .b2trader_routes import B2TraderApi
from .middleware import SimMiddleware
from .sim_routes import SimApi
from .state import SimState
from .upbit_routes import UpbitApi


def create_app(state: SimState) -> Starlette:
    routes = UpbitApi(state).routes() + B2TraderApi(state).routes() + SimApi(state).routes()
    app = Starlette(routes=routes, middleware=[Middleware(SimMiddleware, state=state)])
    app.state.sim = state
    return app
