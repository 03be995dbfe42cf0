"""Upbit private endpoints a cancel tool uses, checked the way the docs describe.

Order of checks on every call: block (418) and rate limit (429, counted at
arrival), added latency, injected 503, authentication (401), permission
(out_of_scope), body on DELETE (400), parameters (400), then the action.
Every response carries `Remaining-Req: group=<group>; min=<n>; sec=<left>`.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .auth import ParsedToken, TokenError, bearer_token, check_query_hash, parse_jwt
from .book import OPEN_STATES, UpbitOrder
from .ratelimit import retry_after_header
from .responses import json_response, text_response, upbit_error
from .state import SimState, UpbitKey

DEFAULT = "default"
CANCEL_ALL = "order-cancel-all"
_MIN = {DEFAULT: 1800, CANCEL_ALL: 30}  # `min` is obsolete upstream; kept for shape
BATCH_CANCEL_MAX = 20
LOOKUP_MAX = 100
LIST_LIMIT_MAX = 100
CANCEL_ALL_COUNT_MAX = 300
CANCEL_ALL_PAIRS_MAX = 20
NONCE_MEMORY = 500_000  # nonces remembered per access key


class ApiError(Exception):
    def __init__(self, status: int, name: str, message: str) -> None:
        super().__init__(message)
        self.status, self.name, self.message = status, name, message


def _invalid(message: str) -> ApiError:
    return ApiError(400, "validation_error", message)


class Query:
    """Decoded query pairs in the order received."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def one(self, key: str) -> str | None:
        for k, v in self.pairs:
            if k == key and v != "":
                return v
        return None

    def many(self, key: str) -> list[str]:
        return [v for k, v in self.pairs if k == key]

    def csv(self, key: str) -> list[str]:
        raw = self.one(key)
        return [p.strip() for p in raw.split(",") if p.strip()] if raw else []

    def integer(self, key: str, default: int, lo: int, hi: int) -> int:
        raw = self.one(key)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise _invalid(f"{key} must be an integer.") from None
        if not lo <= value <= hi:
            raise _invalid(f"{key} must be between {lo} and {hi}.")
        return value

    def choice(self, key: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.one(key) or default
        if value not in allowed:
            raise _invalid(f"{key} must be one of {', '.join(allowed)}.")
        return value


Handler = Callable[[Query], "tuple[int, object, int]"]


class UpbitApi:
    def __init__(self, state: SimState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        return [
            Route("/v1/order", self.delete_order, methods=["DELETE"]),
            Route("/v1/order", self.get_order, methods=["GET"]),
            Route("/v1/orders/uuids", self.delete_orders_uuids, methods=["DELETE"]),
            Route("/v1/orders/uuids", self.get_orders_uuids, methods=["GET"]),
            Route("/v1/orders/open", self.get_orders_open, methods=["GET"]),
            Route("/v1/orders/open", self.delete_orders_open, methods=["DELETE"]),
        ]

    # ---- endpoints ---------------------------------------------------------------------

    async def delete_order(self, request: Request) -> Response:
        return await self._run(request, DEFAULT, True, self._cancel_one)

    async def get_order(self, request: Request) -> Response:
        return await self._run(request, DEFAULT, False, self._lookup_one)

    async def delete_orders_uuids(self, request: Request) -> Response:
        return await self._run(request, DEFAULT, True, self._cancel_many)

    async def get_orders_uuids(self, request: Request) -> Response:
        return await self._run(request, DEFAULT, False, self._lookup_many)

    async def get_orders_open(self, request: Request) -> Response:
        return await self._run(request, DEFAULT, False, self._list_open)

    async def delete_orders_open(self, request: Request) -> Response:
        return await self._run(request, CANCEL_ALL, True, self._cancel_all)

    # ---- the shared pipeline -----------------------------------------------------------

    async def _run(self, request: Request, group: str, write: bool, handler: Handler) -> Response:
        state = self.state
        now = time.monotonic()
        # The request has fully arrived: read it now, so a client that vanishes during the
        # simulated latency (kill -9) cannot stop the exchange acting on it, as on a real one.
        sent_body = await request.body() if request.method == "DELETE" else b""
        key, token, auth_error = self._authenticate(request)
        if key is not None and auth_error is None:
            bucket = f"account:{key.account_id}"
        else:
            bucket = f"ip:{request.client.host if request.client else 'unknown'}"
        with state.lock:
            if bucket == state.background.bucket:
                state.background.catch_up(state, now)  # the other client on this pocket
            admission = state.limiter.admit(bucket, group, now)
        await state.faults.delay()

        def remaining_req(sec: int) -> dict[str, str]:
            return {"Remaining-Req": f"group={group}; min={_MIN[group]}; sec={sec}"}

        if admission.status == 418:
            state.stats.banned += 1
            seconds = retry_after_header(admission.retry_after)
            headers = {**remaining_req(0), "Retry-After": seconds}
            return upbit_error(
                418,
                "blocked",
                f"Too many requests after 429 responses: blocked for {seconds} seconds.",
                headers,
            )
        if admission.status == 429:
            state.stats.rate_limited += 1
            return text_response(429, "Too many API requests.", remaining_req(0))
        headers = remaining_req(admission.remaining)
        if state.faults.should_fail():
            state.stats.injected_503 += 1
            return upbit_error(
                503, "service_unavailable", "Service temporarily unavailable (simulated).", headers
            )
        try:
            if auth_error is not None:
                raise auth_error
            assert key is not None and token is not None
            pairs = request.query_params.multi_items()
            self._check_nonce_and_query(key, token, pairs)
            if state.config.refuse_ip:
                raise ApiError(
                    state.config.refusal_status,
                    "no_authorization_ip",
                    "This IP address is not allowed for the API key.",
                )
            if write and not key.can_trade:
                raise ApiError(
                    state.config.refusal_status,
                    "out_of_scope",
                    "This API key lacks the Make Orders permission.",
                )
            if sent_body:
                raise ApiError(
                    400,
                    "QUERY_PARAMETER_NOT_SUPPORTED",
                    "Parameters must be sent in the query string; a request body is not supported.",
                )
            with state.lock:
                status, body, ids = handler(Query(pairs))
        except ApiError as err:
            if err.status in (401, 403):
                state.stats.auth_failures += 1
            return upbit_error(err.status, err.name, err.message, headers)
        request.scope.setdefault("state", {})["sim_ids"] = ids
        return json_response(status, body, headers)

    def _authenticate(
        self, request: Request
    ) -> tuple[UpbitKey | None, ParsedToken | None, ApiError | None]:
        try:
            token = parse_jwt(bearer_token(request.headers.get("authorization")))
        except TokenError as err:
            return None, None, ApiError(401, err.name, err.message)
        access_key = token.payload.get("access_key")
        key = self.state.upbit_keys.get(access_key) if isinstance(access_key, str) else None
        if key is None:
            return None, token, ApiError(401, "invalid_access_key", "Unknown access key.")
        if not token.signature_ok(key.secret_key):
            return (
                key,
                token,
                ApiError(401, "jwt_verification", "Failed to verify the JWT signature."),
            )
        return key, token, None

    def _check_nonce_and_query(
        self, key: UpbitKey, token: ParsedToken, pairs: list[tuple[str, str]]
    ) -> None:
        nonce = token.payload.get("nonce")
        if not isinstance(nonce, str) or not nonce:
            raise ApiError(401, "jwt_verification", "The JWT payload has no nonce.")
        with self.state.lock:
            used = self.state.nonces.setdefault(key.access_key, {})
            if nonce in used:
                raise ApiError(401, "nonce_used", "This nonce has been used already.")
            try:
                check_query_hash(token.payload, pairs)
            except TokenError as err:
                raise ApiError(401, err.name, err.message) from None
            used[nonce] = None
            if len(used) > NONCE_MEMORY:  # forget the oldest so a long run stays bounded
                del used[next(iter(used))]

    # ---- handlers (run with the state lock held) ----------------------------------------

    def _find(self, q: Query) -> UpbitOrder:
        uuid, identifier = q.one("uuid"), q.one("identifier")
        if uuid is None and identifier is None:
            raise _invalid("Either uuid or identifier is required.")
        order = self.state.upbit.find(uuid, identifier)
        if order is None:
            raise ApiError(404, "order_not_found", "Order not found.")
        return order

    def _cancel_one(self, q: Query) -> tuple[int, object, int]:
        order = self._find(q)
        accepted, error = self.state.cancel_upbit(order)
        if error == "done_order":  # name inferred: the docs only say a finished order is refused
            raise ApiError(400, "done_order", "The order has already been filled.")
        if error == "canceled_order":  # name inferred likewise
            raise ApiError(400, "canceled_order", "The order has already been cancelled.")
        return 200, accepted, 1

    def _lookup_one(self, q: Query) -> tuple[int, object, int]:
        return 200, self._find(q).wire(self.state.upbit.korea), 1

    def _ids(self, q: Query, maximum: int) -> tuple[str, list[str]]:
        uuids, identifiers = q.many("uuids[]"), q.many("identifiers[]")
        if uuids and identifiers:
            raise _invalid("uuids[] and identifiers[] cannot be used together.")
        if not uuids and not identifiers:
            raise _invalid("Either uuids[] or identifiers[] is required.")
        ids = uuids or identifiers
        if len(ids) > maximum:
            raise _invalid(f"At most {maximum} orders per request.")
        return ("uuid" if uuids else "identifier"), ids

    def _cancel_many(self, q: Query) -> tuple[int, object, int]:
        kind, ids = self._ids(q, BATCH_CANCEL_MAX)
        book = self.state.upbit
        success: list[dict] = []
        failed: list[dict] = []
        for value in ids:
            order = book.find(value, None) if kind == "uuid" else book.find(None, value)
            if order is None:
                # Unknown ids: the id as sent, market null (shape inferred).
                failed.append(
                    {"uuid": value, "market": None}
                    if kind == "uuid"
                    else {"uuid": None, "market": None, "identifier": value}
                )
                continue
            accepted, error = self.state.cancel_upbit(order)
            (failed if error else success).append(order.brief())
        body = {
            "success": {"count": len(success), "orders": success},
            "failed": {"count": len(failed), "orders": failed},
        }
        return 200, body, len(ids)

    def _lookup_many(self, q: Query) -> tuple[int, object, int]:
        kind, ids = self._ids(q, LOOKUP_MAX)
        market = q.one("market")
        desc = q.choice("order_by", "desc", ("asc", "desc")) == "desc"
        book = self.state.upbit
        seen: set[str] = set()
        found: list[UpbitOrder] = []
        for value in ids:
            order = book.find(value, None) if kind == "uuid" else book.find(None, value)
            if (
                order is not None
                and order.uuid not in seen
                and (market is None or order.market == market)
            ):
                seen.add(order.uuid)
                found.append(order)
        found.sort(key=lambda o: o.sort_key, reverse=desc)
        return 200, [o.wire(book.korea) for o in found], len(ids)

    def _list_open(self, q: Query) -> tuple[int, object, int]:
        state_one, states = q.one("state"), q.many("states[]")
        if state_one and states:
            raise _invalid("Use state or states[], not both.")
        # Without a state filter only `wait` orders are listed (scheduled `watch`
        # orders must be asked for): send states[]=wait&states[]=watch for both.
        wanted = [state_one] if state_one else (states or ["wait"])
        if any(s not in OPEN_STATES for s in wanted):
            raise _invalid("state must be wait or watch.")
        page = q.integer("page", 1, 1, 10**9)
        limit = q.integer("limit", LIST_LIMIT_MAX, 1, LIST_LIMIT_MAX)
        desc = q.choice("order_by", "desc", ("asc", "desc")) == "desc"
        book = self.state.upbit
        orders = book.page_open(
            market=q.one("market"),
            states=frozenset(wanted),
            desc=desc,
            offset=(page - 1) * limit,
            limit=limit,
        )
        return 200, [o.wire(book.korea) for o in orders], len(orders)

    def _cancel_all(self, q: Query) -> tuple[int, object, int]:
        side = q.choice("cancel_side", "all", ("all", "ask", "bid"))
        pairs, excluded, quotes = q.csv("pairs"), q.csv("excluded_pairs"), q.csv("quote_currencies")
        if pairs and quotes:
            raise _invalid("pairs and quote_currencies cannot be used together.")
        if len(pairs) > CANCEL_ALL_PAIRS_MAX or len(excluded) > CANCEL_ALL_PAIRS_MAX:
            raise _invalid(f"At most {CANCEL_ALL_PAIRS_MAX} pairs.")
        count = q.integer("count", 20, 1, CANCEL_ALL_COUNT_MAX)
        desc = q.choice("order_by", "desc", ("asc", "desc")) == "desc"
        pair_set, excluded_set, quote_set = set(pairs), set(excluded), set(quotes)
        chosen: list[UpbitOrder] = []
        for order in self.state.upbit.iter_open(desc):
            if order.state != "wait":  # WAIT orders only
                continue
            if side != "all" and order.side != side:
                continue
            if pair_set and order.market not in pair_set:
                continue
            if quote_set and order.market.split("-")[0] not in quote_set:
                continue
            if order.market in excluded_set:
                continue
            chosen.append(order)
            if len(chosen) >= count:
                break
        success: list[dict] = []
        failed: list[dict] = []
        for order in chosen:
            accepted, error = self.state.cancel_upbit(order)
            (failed if error else success).append(order.brief())
        body = {
            "success": {"count": len(success), "orders": success},
            "failed": {"count": len(failed), "orders": failed},
        }
        return 200, body, len(chosen)
