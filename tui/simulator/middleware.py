"""Outer ASGI layer: per-request log line and counters, crash guard, dropped connections.

A drop ("act, then drop") lets the endpoint act and build its response, then
sends the status line with a Content-Length larger than the body it sends,
sends half the body and raises SimulatedDrop: the server closes the
connection and an HTTP client sees a protocol error and no status.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime

from .faults import SimulatedDrop
from .state import SimState

log = logging.getLogger("tui.simulator")

_B2_ORDERS = "/frontoffice/api/v3/orders/"


def endpoint_name(method: str, path: str) -> str:
    if path.startswith(_B2_ORDERS):
        path = _B2_ORDERS + "{orderId}"
    elif path.startswith("/_sim/fill/"):
        path = "/_sim/fill/{id}"
    return f"{method} {path}"


def is_exchange_path(path: str) -> bool:
    return path.startswith("/v1/") or path.startswith("/frontoffice/")


class SimMiddleware:
    def __init__(self, app, state: SimState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = self.state
        started = time.perf_counter()
        arrived = time.monotonic()
        method, path = scope["method"], scope["path"]
        self._arrival(method, path, scope.get("query_string", b""), arrived)
        scope.setdefault("state", {})["sim_ids"] = 0
        drop = is_exchange_path(path) and state.faults.should_drop()
        status = 0
        response_started = False
        held: list[dict] = []

        async def send_wrapper(message: dict) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
            if drop:
                held.append(message)
            else:
                await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            state.stats.errors += 1
            log.debug("simulator error on %s %s", method, path, exc_info=True)
            if response_started and not drop:
                raise
            status = 500
            held.clear()
            body = json.dumps(
                {"error": {"name": "server_error", "message": "simulator internal error"}}
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            drop = False
        with state.lock:
            stats = state.stats
            stats.requests += 1
            stats.by_endpoint[endpoint_name(method, path)] += 1
            stats.by_status[status] += 1
            if drop:
                stats.injected_drops += 1
        ids = scope["state"].get("sim_ids", 0)
        self._log(method, path, status, ids, started, drop, arrived)
        if drop:
            await self._send_truncated(held, send)
            raise SimulatedDrop(f"{method} {path}: connection dropped after acting (simulated)")

    def _arrival(self, method: str, path: str, query: bytes, arrived: float) -> None:
        """Tell `state.arrival_hook` (a test's) that a request arrived, before anything acts on it."""
        hook = self.state.arrival_hook
        if hook is None:
            return
        try:
            hook(
                {
                    "method": method,
                    "path": path,
                    "query": query.decode("latin-1"),
                    "arrived": arrived,
                }
            )
        except Exception:  # the hook must not change the exchange's answer; counted instead
            with self.state.lock:
                self.state.stats.errors += 1
            log.debug("arrival hook failed on %s %s", method, path, exc_info=True)

    @staticmethod
    async def _send_truncated(held: list[dict], send) -> None:
        start = next(m for m in held if m["type"] == "http.response.start")
        body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body) + 64).encode()))
        await send({"type": "http.response.start", "status": start["status"], "headers": headers})
        await send(
            {"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True}
        )

    def _log(
        self,
        method: str,
        path: str,
        status: int,
        ids: int,
        started: float,
        drop: bool,
        arrived: float,
    ) -> None:
        elapsed_ms = (time.perf_counter() - started) * 1000
        now = datetime.now()
        entry = {
            "time": now.isoformat(timespec="milliseconds"),
            "method": method,
            "path": path,
            "status": status,
            "ids": ids,
            "latency_ms": round(elapsed_ms, 2),
            "dropped": drop,
            "arrived": arrived,  # time.monotonic() when the request arrived (for tests)
        }
        # The path is percent-decoded: "%1b" would put a raw ESC on the terminal reading the log.
        shown = path if path.isprintable() else path.encode("unicode_escape").decode("ascii")
        line = (
            f"{now.strftime('%H:%M:%S.%f')[:-3]} {method:<6} {shown} {status}"
            f" ids={ids} {elapsed_ms:.1f}ms{' DROPPED' if drop else ''}"
        )
        self.state.record(entry, line)
