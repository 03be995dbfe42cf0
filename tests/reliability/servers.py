"""Loopback helpers for the secrets tests: a recording TCP relay in front of the simulator
(it captures every JWT the CLI really sent) and a hostile exchange that echoes credentials.
Both listen on 127.0.0.1 only, run in daemon threads and stop with the test."""

from __future__ import annotations

import json
import re
import socket
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.json_server import JsonExchange

_BEARER = re.compile(rb"(?im)^authorization:\s*bearer\s+(\S+)\r?$")


class RecordingRelay:
    """Forwards TCP connections to `target_port`, keeping what clients sent."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.sent = bytearray()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.port = self._listener.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}"

    def tokens(self) -> set[str]:
        with self._lock:
            return {m.decode() for m in _BEARER.findall(bytes(self.sent))}

    def __enter__(self) -> RecordingRelay:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(2)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            for src, dst, record in ((client, upstream, True), (upstream, client, False)):
                t = threading.Thread(target=self._pipe, args=(src, dst, record), daemon=True)
                t.start()
                self._threads.append(t)

    def _pipe(self, src: socket.socket, dst: socket.socket, record: bool) -> None:
        try:
            src.settimeout(0.2)  # the other direction may have closed both sockets already
            while not self._stop.is_set():
                try:
                    data = src.recv(65536)
                except TimeoutError:
                    continue
                if not data:
                    break
                if record:
                    with self._lock:
                        self.sent += data
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()


class EchoingExchange(JsonExchange):
    """An 'exchange' that puts the caller's Authorization header (and the access key inside its
    JWT) into every answer: in error messages, and in extra fields of order objects."""

    def __init__(self, uuids: list[str]) -> None:
        self.uuids = uuids
        self.tokens: list[str] = []
        super().__init__()

    def answer(self, request: BaseHTTPRequestHandler) -> tuple[int, Any]:
        auth = request.headers.get("Authorization", "")
        token = auth.split(None, 1)[-1]
        self.tokens.append(token)
        access = _jwt_access_key(token)
        url = urlsplit(request.path)
        query = parse_qs(url.query)
        echo = f"your request carried {auth} for access key {access}"
        if request.command == "DELETE" and url.path == "/v1/order":
            return 400, {"error": {"name": "validation_error", "message": echo}}
        if request.command == "DELETE":
            ids = query.get("uuids[]", [])
            orders = [{"uuid": u, "market": "KRW-BTC", "note": echo} for u in ids]
            return 200, {
                "success": {"count": len(ids), "orders": orders},
                "failed": {"count": 0, "orders": []},
            }
        looked_up = request.command == "GET" and url.path.endswith("uuids")
        return 200, [
            {
                "uuid": u,
                "market": "KRW-BTC",
                "side": "bid",
                "ord_type": "limit",
                "state": "cancel" if looked_up else "wait",
                "price": "1",
                "volume": "1",
                "debug": echo,
            }
            for u in query.get("uuids[]", []) or self.uuids
        ]


def _jwt_access_key(token: str) -> str:
    import base64

    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(payload)).get("access_key", "")
    except Exception:
        return ""
