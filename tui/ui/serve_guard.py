"""Who may drive `ordertui serve`: the holder of the printed token, at the served address only.

Listening on 127.0.0.1 is not enough. Any page the user visits can open a WebSocket to
ws://127.0.0.1:PORT (browsers apply no same-origin rule to WebSockets), and through DNS rebinding
a hostile name can resolve to 127.0.0.1 so that its page and requests even look same-origin. So,
before textual-serve sees a request, it must:

- name the served address in Host (127.0.0.1:PORT or localhost:PORT): a rebound name fails here;
- come, when it says where from (Origin), from that same address: another site's page fails here;
- carry the token printed once at start (`?token=` on the page, `/ws/<token>` on the WebSocket),
  compared in constant time: nobody who has not been shown the URL gets further. Only the static
  assets (textual-serve's own CSS, JS, fonts) are served without it.

Everything else is answered 403. The token never reaches a log line: the access log writes the
method, the path without its query and with the WebSocket's token cut out, and the status.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

TOKEN_PARAM = "token"
WS_TOKEN_PATH = "/ws/{token}"
# The one route served without the token: textual-serve names its static resource so.
PUBLIC_RESOURCE = "static"

# On every answer: no framing, nothing cached, and no Referer (the page's URL holds the token;
# the page loads a font from another site).
SAFE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}

NEED_TOKEN = "open the URL that `ordertui serve` printed: the token in it is required"
WRONG_HOST = "this server answers only to http://127.0.0.1:{port} and http://localhost:{port}"
WRONG_ORIGIN = "requests from other sites are refused"


def new_token() -> str:
    """32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class Guard:
    token: str
    port: int

    @property
    def hosts(self) -> frozenset[str]:
        return frozenset({f"127.0.0.1:{self.port}", f"localhost:{self.port}"})

    @property
    def origins(self) -> frozenset[str]:
        return frozenset(f"http://{host}" for host in self.hosts)

    def url(self) -> str:
        """The page's address, token included: printed once, to the user only."""
        return f"http://127.0.0.1:{self.port}/?{TOKEN_PARAM}={self.token}"

    def token_matches(self, given: str) -> bool:
        expected = self.token.encode()
        return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected)

    def refusal(
        self,
        *,
        hosts: Sequence[str],
        origins: Sequence[str],
        tokens: Sequence[str],
        public: bool,
    ) -> str | None:
        """Why a request is refused, or None. Every header comes from the client: all are hostile."""
        if len(hosts) != 1 or hosts[0].lower() not in self.hosts:
            return WRONG_HOST.format(port=self.port)
        if len(origins) > 1 or (origins and origins[0].lower() not in self.origins):
            return WRONG_ORIGIN
        if public:
            return None
        if len(tokens) != 1 or not self.token_matches(tokens[0]):
            return NEED_TOKEN
        return None


def _is_public(request: web.Request) -> bool:
    resource = request.match_info.route.resource
    return resource is not None and resource.name == PUBLIC_RESOURCE


def request_tokens(request: web.Request) -> list[str]:
    tokens = list(request.query.getall(TOKEN_PARAM, []))
    if TOKEN_PARAM in request.match_info:
        tokens.append(request.match_info[TOKEN_PARAM])
    return tokens


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def guard_middleware(guard: Guard):
    @web.middleware
    async def guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
        reason = guard.refusal(
            hosts=request.headers.getall("Host", []),
            origins=request.headers.getall("Origin", []),
            tokens=request_tokens(request),
            public=_is_public(request),
        )
        if reason is not None:
            return web.Response(status=403, text=f"403 Forbidden: {reason}\n", headers=SAFE_HEADERS)
        response = await handler(request)
        if not response.prepared:  # a WebSocket has already sent its headers
            for name, value in SAFE_HEADERS.items():
                response.headers.setdefault(name, value)
        return response

    return guarded


_WS_TOKEN_RE = re.compile(r"^/ws/[^/?]*")
_UNPRINTABLE_RE = re.compile(r"[^\x21-\x7e]")


def loggable_path(raw_path: str) -> str:
    """The path as a log may hold it: the WebSocket's token cut out, printable ASCII, bounded."""
    path = _WS_TOKEN_RE.sub("/ws/<token>", raw_path)
    return _UNPRINTABLE_RE.sub("?", path)[:200]


class RedactedAccessLogger(AbstractAccessLogger):
    """aiohttp's access log without the query string (the page's token) or the WebSocket's token."""

    def log(self, request, response, time: float) -> None:
        self.logger.info(
            "serve: %s %s %s",
            _UNPRINTABLE_RE.sub("?", request.method)[:16],
            loggable_path(request.rel_url.raw_path),
            response.status,
        )
