"""textual-serve's Server behind the guard (see tui.ui.serve_guard), and stopped cleanly.

Subclassed, not forked: the routes, templates and static files stay textual-serve's. What
changes: every request passes the guard first; the page's WebSocket URL carries the token; the
access log holds no token; no banner (`serve` prints the one URL); and on stop every open tab's
WebSocket is closed (1001) and every app process is told to quit and waited for.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import socket

import aiohttp_jinja2
from aiohttp import WSCloseCode, web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from tui.ui.serve_guard import (
    SAFE_HEADERS,
    WS_TOKEN_PATH,
    Guard,
    RedactedAccessLogger,
    guard_middleware,
)

log = logging.getLogger("ordertui.serve")

QUIT_GRACE = 5.0  # seconds an app process has to quit when told to, before it is killed


class _AppSession(AppService):
    """One tab's app process; stop() also waits for the process, so none outlives the server."""

    async def stop(self) -> None:
        await super().stop()
        process = self._process
        if process is None or process.returncode is not None:
            return
        try:
            await asyncio.wait_for(process.wait(), QUIT_GRACE)
        except TimeoutError:
            process.kill()
            await process.wait()


class GuardedServer(Server):
    def __init__(self, command: str, guard: Guard, *, title: str = "ordertui") -> None:
        super().__init__(command, host="127.0.0.1", port=guard.port, title=title)
        self.guard = guard
        self._sockets: set[web.WebSocketResponse] = set()

    def initialize_logging(self) -> None:
        """The command line set logging up already (a scrubbed file, not the terminal)."""

    async def on_startup(self, app: web.Application) -> None:
        """No banner: `serve` printed the one URL the user needs."""

    async def on_shutdown(self, app: web.Application) -> None:
        for websocket in list(self._sockets):
            await websocket.close(code=WSCloseCode.GOING_AWAY, message=b"ordertui serve stopped")

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        # Every route textual-serve has, and any it adds in a later version, is behind the guard.
        app.middlewares.append(guard_middleware(self.guard))
        app.router.add_get(WS_TOKEN_PATH, self.handle_websocket)
        return app

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        # The guard accepted Host, so it is 127.0.0.1:PORT or localhost:PORT: the page's
        # WebSocket and assets stay on the address the browser already uses. textual.js
        # appends "?width=..&height=.." to the WebSocket URL, so the token goes in its path.
        host = request.headers["Host"].lower()
        context = {
            "font_size": to_int(request.query.get("fontsize", "16"), 16),
            "app_websocket_url": f"ws://{host}/ws/{self.guard.token}",
            "config": {"static": {"url": f"http://{host}/static/"}},
            "application": {"name": self.title},
        }
        response = aiohttp_jinja2.render_template("app_index.html", request, context)
        response.headers.update(SAFE_HEADERS)
        return response

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """textual-serve's handler, with the socket known to on_shutdown and the process reaped."""
        websocket = web.WebSocketResponse(heartbeat=15)
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        session: _AppSession | None = None

        async def close() -> None:  # the app asked to end the session
            await websocket.close()

        self._sockets.add(websocket)
        try:
            await websocket.prepare(request)
            session = _AppSession(
                self.command,
                write_bytes=websocket.send_bytes,
                write_str=websocket.send_str,
                close=close,
                download_manager=self.download_manager,
                debug=self.debug,
            )
            await session.start(width, height)
            await self._process_messages(websocket, session)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception:
            log.exception("serve: a browser session failed")
        finally:
            self._sockets.discard(websocket)
            if session is not None:
                await session.stop()
        return websocket

    async def start(self, sock: socket.socket) -> web.AppRunner:
        """Serve on a listening socket in the running loop; the caller awaits runner.cleanup()."""
        runner = web.AppRunner(
            await self._make_app(), access_log_class=RedactedAccessLogger, shutdown_timeout=5.0
        )
        await runner.setup()
        await web.SockSite(runner, sock).start()
        return runner

    def serve_on(self, sock: socket.socket) -> None:
        """Until SIGINT or SIGTERM."""

        async def main() -> None:
            runner = await self.start(sock)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            try:
                await stop.wait()
            finally:
                await runner.cleanup()

        asyncio.run(main())
