"""B2TRADER front-office endpoints: list accounts, cancel one order.

Error bodies are undocumented upstream; the simulator answers
`{"code": "<Name>", "message": "<text>"}` with these statuses:
401 Unauthorized (missing/unknown Bearer token), 400 AccountIdRequired (no
`accountId` header), 403 AccountForbidden (an accountId the token does not
own), 404 OrderNotFound (unknown id, or an order of another account),
400 OrderNotCancellable (Completed/Cancelled/Expired/Rejected),
429 TooManyRequests (over b2_rps per token, sliding 1 s, with Retry-After),
503 ServiceUnavailable (injected).
"""

from __future__ import annotations

import hmac
import time

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .ratelimit import retry_after_header
from .responses import b2_error, json_response
from .state import SimState

PREFIX = "/frontoffice/api/v3"


class B2TraderApi:
    def __init__(self, state: SimState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        return [
            Route(f"{PREFIX}/accounts", self.accounts, methods=["GET"]),
            Route(f"{PREFIX}/orders/{{orderId}}", self.cancel, methods=["DELETE"]),
        ]

    async def _gate(self, request: Request) -> Response | None:
        """Token, rate limit, latency, injected 503: None when the call may proceed."""
        state = self.state
        now = time.monotonic()
        auth = request.headers.get("authorization") or ""
        scheme, _, token = auth.strip().partition(" ")
        authorized = scheme.lower() == "bearer" and hmac.compare_digest(
            token.strip().encode(), state.b2_token.encode()
        )
        bucket = (
            "token" if authorized else f"ip:{request.client.host if request.client else 'unknown'}"
        )
        with state.lock:
            admission = state.b2_limiter.admit(bucket, "b2", now)
        await state.faults.delay()
        if admission.status != 200:
            state.stats.rate_limited += 1
            return b2_error(
                429,
                "TooManyRequests",
                "Rate limit exceeded.",
                {"Retry-After": retry_after_header(admission.retry_after)},
            )
        if state.faults.should_fail():
            state.stats.injected_503 += 1
            return b2_error(
                503, "ServiceUnavailable", "Service temporarily unavailable (simulated)."
            )
        if not authorized:
            state.stats.auth_failures += 1
            return b2_error(
                401,
                "Unauthorized",
                "Missing or invalid Bearer token.",
                {"WWW-Authenticate": "Bearer"},
            )
        return None

    async def accounts(self, request: Request) -> Response:
        refused = await self._gate(request)
        if refused is not None:
            return refused
        return json_response(200, [dict(a) for a in self.state.b2_accounts])

    async def cancel(self, request: Request) -> Response:
        refused = await self._gate(request)
        if refused is not None:
            return refused
        state = self.state
        order_id = request.path_params["orderId"]
        request.scope.setdefault("state", {})["sim_ids"] = 1
        account_id = (request.headers.get("accountid") or "").strip()
        if not account_id:
            return b2_error(400, "AccountIdRequired", "The accountId header is required.")
        if account_id not in {a["accountId"] for a in state.b2_accounts}:
            state.stats.auth_failures += 1
            return b2_error(403, "AccountForbidden", "The token has no access to this account.")
        with state.lock:
            order = state.b2.get(order_id)
            if order is None or order.account_id != account_id:
                return b2_error(404, "OrderNotFound", f"Order {order_id} not found.")
            reason = state.cancel_b2(order)
            if reason is not None:
                return b2_error(
                    400,
                    "OrderNotCancellable",
                    f"Order {order_id} cannot be cancelled: status {reason}.",
                )
            return json_response(200, {"order": order.wire()})
