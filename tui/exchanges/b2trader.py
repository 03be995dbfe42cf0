"""B2TRADER (B2Broker's white-label platform) REST client: one cancel per request."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from tui.core.errors import BadResponse, InputError, validation_message
from tui.core.models.b2trader import B2TraderOrder
from tui.core.models.row import Exchange
from tui.core.ports import BatchCancelResult, CancelAck, Endpoints, RunControl
from tui.core.ratelimit import RateLimits
from tui.core.refs import IdKind, OrderRef
from tui.exchanges.http import HttpExchange, Params, RetryPolicy

API = "/frontoffice/api/v3"
DEFAULT_RPS = 10
ENDPOINTS = Endpoints(cancel_one=f"DELETE {API}/orders/{{orderId}}", cancel_batch=None, lookup=None)
_STATUS_NAMES = {
    400: "not_cancellable",
    401: "unauthorized",
    403: "forbidden",
    404: "order_not_found",
    409: "not_cancellable",
    422: "not_cancellable",
}


class Unsupported(InputError):
    """B2TRADER documents no such call."""


class B2TraderClient(HttpExchange):
    exchange = Exchange.B2TRADER
    batch_cancel_max = 1
    lookup_max = 0
    endpoints = ENDPOINTS
    id_kinds = frozenset({IdKind.ORDER_ID})
    group_default = "b2trader"

    def __init__(
        self,
        base_url: str,
        token: str,
        account_id: str | None,
        *,
        rps: int = DEFAULT_RPS,
        limits: RateLimits | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        if not token:
            raise InputError("B2TRADER needs an API token")
        if rps < 1:
            raise InputError("the B2TRADER request rate must be at least 1 per second")
        limits = limits or RateLimits({"b2trader": (rps, 1.0)})
        super().__init__(base_url, limits=limits, timeout=timeout, transport=transport, retry=retry)
        self._token = token
        self.account_id = account_id

    def __repr__(self) -> str:
        return f"B2TraderClient({self.describe()})"

    def describe(self) -> str:
        host = httpx.URL(self.base_url).host
        account = f"account {self.account_id}" if self.account_id else "no account"
        return f"B2TRADER {account} ({host})"

    def auth_headers(self, method: str, path: str, params: Params) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self._token}"}
        if self.account_id and not path.endswith("/accounts"):
            headers["accountId"] = self.account_id
        return headers

    def parse_error(self, status: int, text: str, body: Any) -> tuple[str, str]:
        """B2TRADER documents no error format: take a name/message where one is recognisable,
        else name it by status, and keep the raw body as the message."""
        name = _STATUS_NAMES.get(status) or (
            "too_many_requests" if status == 429 else f"http_{status}"
        )
        message = text.strip()[:300] or httpx.codes.get_reason_phrase(status)
        if isinstance(body, dict):
            error = body.get("error")
            inner: dict = error if isinstance(error, dict) else body
            for key in ("message", "detail", "title", "description"):
                if isinstance(inner.get(key), str) and inner[key]:
                    message = inner[key][:300]
                    break
        return name, message

    async def list_accounts(self) -> list[dict[str, Any]]:
        """GET /frontoffice/api/v3/accounts: [{accountId, accountName, accountType, ...}]."""
        reply = await self.request("GET", f"{API}/accounts", idempotent=True)
        body = self.decode(reply)
        if isinstance(body, dict) and isinstance(body.get("accounts"), list):
            body = body["accounts"]
        if not isinstance(body, list) or not all(isinstance(a, dict) for a in body):
            raise BadResponse(reply.status, "expected a list of accounts", body=str(body)[:500])
        return body

    async def cancel_one(self, ref: OrderRef, *, control: RunControl | None = None) -> CancelAck:
        if ref.kind is not IdKind.ORDER_ID:
            raise InputError(f"{ref.value} is an Upbit {ref.kind.value}, not a B2TRADER order id")
        if not self.account_id:
            raise InputError(
                "B2TRADER cancels need an account id (--account-id or B2TRADER_ACCOUNT_ID)"
            )
        reply = await self.request(
            "DELETE", f"{API}/orders/{quote(ref.value, safe='')}", idempotent=False, control=control
        )
        body = self.decode(reply)
        try:
            order = B2TraderOrder.from_wire(body)
        except ValueError as exc:
            raise BadResponse(
                reply.status,
                f"unexpected order object: {validation_message(exc)}",
                body=str(body)[:500],
            ) from None
        return CancelAck(ref, order.orderId.upper(), order.marketId, None, order)

    async def cancel_batch(
        self, refs: Sequence[OrderRef], *, control: RunControl | None = None
    ) -> BatchCancelResult:
        raise Unsupported("B2TRADER has no batch cancel: orders are cancelled one request each")

    async def lookup(
        self, refs: Sequence[OrderRef], *, control: RunControl | None = None
    ) -> list[B2TraderOrder]:
        raise Unsupported(
            "B2TRADER documents no order look-up: check these orders in the trading terminal"
        )

    async def list_open(
        self, *, market: str | None = None, on_page: Callable[[int, int], None] | None = None
    ) -> list[B2TraderOrder]:
        raise Unsupported(
            "B2TRADER documents no list of open orders: add, paste or import order ids"
        )
