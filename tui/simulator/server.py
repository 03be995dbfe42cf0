"""SimulatorServer: the simulator on a loopback port, served by uvicorn in a daemon thread.

Importing this module stays cheap (no Starlette, no uvicorn): both are imported
in the server thread when it starts.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from .activity import Trickle
from .config import SimConfig
from .state import SimState

if TYPE_CHECKING:
    import uvicorn

_DROP_FILTER_INSTALLED = False


class _QuietDrops(logging.Filter):
    """Keep uvicorn from reporting the connections the simulator drops on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        # uvicorn logs this after every WebSocket upgrade refused with an HTTP denial response
        # (the streams' 401s), which completes no handshake by design.
        if record.msg == "ASGI callable returned without completing handshake.":
            return False
        return type(exc).__name__ != "SimulatedDrop"


def _quiet_uvicorn() -> None:
    global _DROP_FILTER_INSTALLED
    if not _DROP_FILTER_INSTALLED:
        logging.getLogger("uvicorn.error").addFilter(_QuietDrops())
        # No handler of our own: with none anywhere, Python's last-resort handler
        # would write uvicorn's messages to stderr under the TUI.
        logging.getLogger("uvicorn").addHandler(logging.NullHandler())
        _DROP_FILTER_INSTALLED = True


def check_loopback(host: str) -> str:
    """The host to bind, or ValueError when it is not a loopback address."""
    if host == "localhost":
        return "127.0.0.1"
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise ValueError(f"the simulator only listens on loopback (127.0.0.1 or ::1), not {host!r}")


class SimulatorServer:
    def __init__(
        self,
        config: SimConfig | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.host = check_loopback(host)
        if not 0 <= int(port) <= 65535:
            raise ValueError("port must be between 0 and 65535")
        self.port = int(port)
        self.state = SimState(config)
        self.config = self.state.config
        self.state.log_hook = log
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._server: uvicorn.Server | None = None  # created in the thread
        self._ready = threading.Event()
        self._stop_requested = threading.Event()
        self._error: BaseException | None = None
        self._base_url: str | None = None
        self.trickle = Trickle(self.state)  # --new-order-rate

    @property
    def credentials(self) -> dict:
        return self.state.credentials

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("SimulatorServer is not started")
        return self._base_url

    def start(self, wait: bool = True, timeout: float = 10.0) -> SimulatorServer:
        """Bind and listen on loopback, then serve from a daemon thread.

        With wait=True (default) returns once uvicorn accepts requests. With
        wait=False returns as soon as the socket listens (connections queue in
        the backlog until the server thread is up): the cheapest start for a UI.
        """
        if self._thread is not None:
            if self._stop_requested.is_set():
                raise RuntimeError("a stopped SimulatorServer cannot be restarted; make a new one")
            return self
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted
        # sockets whose proto says TCP; without it every response waits ~40 ms
        # for Nagle + delayed ACK.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        try:
            sock.bind((self.host, self.port))
            sock.listen(2048)
        except OSError:
            sock.close()
            raise
        self._sock = sock
        port = sock.getsockname()[1]
        host = f"[{self.host}]" if family == socket.AF_INET6 else self.host
        self._base_url = f"http://{host}:{port}"
        self.port = port
        self._thread = threading.Thread(target=self._serve, name="ordertui-simulator", daemon=True)
        self._thread.start()
        self.trickle.start()
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 10.0) -> None:
        if not self._ready.wait(timeout):
            raise TimeoutError("the simulator did not start in time")
        if self._error is not None:
            raise RuntimeError(f"the simulator failed to start: {self._error}") from self._error

    def _serve(self) -> None:
        sock = self._sock
        assert sock is not None
        try:
            import uvicorn

            from .app import create_app

            _quiet_uvicorn()
            config = uvicorn.Config(
                create_app(self.state),
                http="h11",
                loop="asyncio",
                lifespan="off",
                log_config=None,
                log_level="error",
                access_log=False,
                server_header=False,
                timeout_graceful_shutdown=1,
            )
            server = uvicorn.Server(config)
            self._server = server
            if self._stop_requested.is_set():
                server.should_exit = True

            async def serve() -> None:
                import asyncio

                task = asyncio.ensure_future(server.serve(sockets=[sock]))
                while not server.started and not task.done():
                    await asyncio.sleep(0.005)
                self._ready.set()
                await task

            import asyncio

            asyncio.run(serve())
        except BaseException as err:  # surfaced by wait_ready()
            self._error = err
        finally:
            self._ready.set()
            try:
                sock.close()
            except OSError:
                pass

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving and join the thread; idempotent, bounded by `timeout`."""
        self._stop_requested.set()
        self.trickle.stop()
        thread = self._thread
        if thread is None:
            return
        server = self._server
        if server is not None:
            server.should_exit = True
        thread.join(timeout / 2)
        if thread.is_alive():
            server = self._server
            if server is not None:
                server.should_exit = True
                server.force_exit = True
            thread.join(timeout / 2)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
