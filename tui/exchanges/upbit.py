"""Upbit REST client (Korea and the global sg/id/th regions)."""

from __future__ import annotations

import functools
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import httpx

from tui.core.bulk import gc_paused
from tui.core.errors import (
    BadResponse,
    InputError,
    ListingIncomplete,
    OrderTuiError,
    PartialResponse,
    validation_message,
)
from tui.core.models.row import Exchange, OrderRow
from tui.core.models.upbit import UpbitBatchCancel, UpbitOrder
from tui.core.ports import BatchCancelResult, CancelAck, Endpoints, RunControl
from tui.core.ratelimit import RateLimits
from tui.core.refs import IdKind, OrderRef
from tui.exchanges.http import HttpExchange, Params, Reply, RetryPolicy
from tui.exchanges.paging import PAGE_RETRY, fetch_page
from tui.exchanges.upbit_auth import make_token
from tui.exchanges.upbit_params import one_kind as _one_kind
from tui.exchanges.upbit_params import single_param as _single_param
from tui.exchanges.upbit_parse import parse_order as _parse_order
from tui.exchanges.upbit_parse import parse_orders as _parse_orders
from tui.exchanges.upbit_parse import parse_rows

log = logging.getLogger(__name__)

REGION_HOSTS: dict[str, str] = {
    "kr": "https://api.upbit.com",
    "sg": "https://sg-api.upbit.com",
    "id": "https://id-api.upbit.com",
    "th": "https://th-api.upbit.com",
}
REGION_QUOTES: dict[str, str] = {"kr": "KRW", "sg": "SGD", "id": "IDR", "th": "THB"}

BATCH_CANCEL_MAX = 20
LOOKUP_MAX = 100
OPEN_PAGE_MAX = 100
CANCEL_ALL_MAX = 300
ENDPOINTS = Endpoints(
    cancel_one="DELETE /v1/order",
    cancel_batch="DELETE /v1/orders/uuids",
    lookup="GET /v1/orders/uuids",
)


def region_host(region: str) -> str:
    try:
        return REGION_HOSTS[region]
    except KeyError:
        raise InputError(
            f"unknown region {region!r}: choose one of {', '.join(REGION_HOSTS)}"
        ) from None


class UpbitClient(HttpExchange):
    exchange = Exchange.UPBIT
    batch_cancel_max = BATCH_CANCEL_MAX
    lookup_max = LOOKUP_MAX
    endpoints = ENDPOINTS
    id_kinds = frozenset({IdKind.UUID, IdKind.IDENTIFIER})

    def __init__(
        self,
        access_key: str,
        secret_key: str,
        *,
        region: str = "kr",
        base_url: str | None = None,
        algorithm: str = "HS512",
        limits: RateLimits | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        retry: RetryPolicy | None = None,
        page_retry: RetryPolicy | None = None,
    ) -> None:
        if not access_key or not secret_key:
            raise InputError("Upbit needs an access key and a secret key")
        self.region = region
        url = base_url or region_host(region)
        super().__init__(
            url, limits=limits or RateLimits(), timeout=timeout, transport=transport, retry=retry
        )
        self._access_key = access_key
        self._secret_key = secret_key
        self.algorithm = algorithm
        self.page_retry = page_retry or PAGE_RETRY

    def __repr__(self) -> str:
        return f"UpbitClient({self.describe()})"

    def describe(self) -> str:
        host = httpx.URL(self.base_url).host
        return f"Upbit {self.region} ({host})"

    # ---- signing and errors -------------------------------------------------------------
    def auth_headers(self, method: str, path: str, params: Params) -> dict[str, str]:
        token = make_token(self._access_key, self._secret_key, params, algorithm=self.algorithm)
        return {"Authorization": f"Bearer {token}"}

    def parse_error(self, status: int, text: str, body: Any) -> tuple[str, str]:
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            err = body["error"]
            return str(err.get("name") or f"http_{status}"), str(err.get("message") or "")
        if status == 429:
            return "too_many_requests", text.strip()[:200] or "Too many requests"
        if status == 418:
            return "blocked", text.strip()[:200] or "blocked"
        return f"http_{status}", text.strip()[:200] or httpx.codes.get_reason_phrase(status)

    # ---- calls --------------------------------------------------------------------------
    async def cancel_one(self, ref: OrderRef, *, control: RunControl | None = None) -> CancelAck:
        """DELETE /v1/order by uuid or identifier. The answer is the order as it was when accepted."""
        reply = await self.request(
            "DELETE", "/v1/order", [_single_param(ref)], idempotent=False, control=control
        )
        order = _parse_order(self.decode(reply), reply)
        return CancelAck(ref, order.uuid.lower(), order.market, order.identifier, order)

    async def cancel_batch(
        self, refs: Sequence[OrderRef], *, control: RunControl | None = None
    ) -> BatchCancelResult:
        """DELETE /v1/orders/uuids with up to 20 uuids or identifiers (never mixed)."""
        kind = _one_kind(refs, BATCH_CANCEL_MAX)
        key = "uuids[]" if kind is IdKind.UUID else "identifiers[]"
        reply = await self.request(
            "DELETE",
            "/v1/orders/uuids",
            [(key, r.value) for r in refs],
            idempotent=False,
            control=control,
        )
        body = self.decode(reply)
        try:
            parsed = UpbitBatchCancel.model_validate(body)
        except ValueError as exc:
            raise BadResponse(
                reply.status,
                f"unexpected batch-cancel answer: {validation_message(exc)}",
                body=str(body)[:500],
            ) from None
        by_value = {r.value: r for r in refs}
        result = BatchCancelResult()
        seen: set[OrderRef] = set()
        for entries, target in (
            (parsed.success.orders, result.accepted),
            (parsed.failed.orders, result.refused),
        ):
            for entry in entries:
                named = (
                    entry.uuid.lower() if (kind is IdKind.UUID and entry.uuid) else entry.identifier
                )
                ref = by_value.get(named or "")
                if ref is None or ref in seen:
                    continue
                seen.add(ref)
                target.append(
                    CancelAck(
                        ref,
                        entry.uuid.lower() if entry.uuid else None,
                        entry.market,
                        entry.identifier,
                    )
                )
        result.unmatched = [r for r in refs if r not in seen]
        return result

    async def lookup(
        self, refs: Sequence[OrderRef], *, control: RunControl | None = None
    ) -> list[UpbitOrder]:
        """GET /v1/orders/uuids: full objects of up to 100 orders of one id kind (missing ones are absent)."""
        if not refs:
            return []
        kind = _one_kind(refs, LOOKUP_MAX)
        key = "uuids[]" if kind is IdKind.UUID else "identifiers[]"
        reply = await self.request(
            "GET",
            "/v1/orders/uuids",
            [(key, r.value) for r in refs],
            idempotent=True,
            control=control,
        )
        return _parse_orders(self.decode(reply), reply)

    async def lookup_one(self, ref: OrderRef, *, control: RunControl | None = None) -> UpbitOrder:
        reply = await self.request(
            "GET", "/v1/order", [_single_param(ref)], idempotent=True, control=control
        )
        return _parse_order(self.decode(reply), reply)

    async def iter_open(
        self,
        *,
        market: str | None = None,
        order_by: str = "desc",
        page_limit: int = OPEN_PAGE_MAX,
    ) -> AsyncIterator[list[UpbitOrder]]:
        """GET /v1/orders/open page by page (wait and watch), each order once.

        A caller can turn each page into rows and let the models go (a 100k listing never holds
        100k models). A failing page is tried again (paging.fetch_page); one that still fails
        after page 1 ends the listing with ListingIncomplete (which page, why). Unreadable
        orders do not stop it: after the last page, PartialResponse names them. (Both carry no
        orders: those were yielded.) Pages are by number: an order created meanwhile shifts later
        pages down (it comes twice: dropped by uuid); one closed meanwhile shifts them up, and
        the order then moved across a page boundary is only seen by the next load."""

        def parse(reply: Reply) -> list[UpbitOrder]:
            return _parse_orders(self.decode(reply), reply)

        async for batch in self._pages(parse, market, order_by, page_limit):
            yield batch

    async def iter_open_rows(
        self,
        *,
        market: str | None = None,
        order_by: str = "desc",
        page_limit: int = OPEN_PAGE_MAX,
    ) -> AsyncIterator[list[OrderRow]]:
        """`iter_open` as table rows, made straight from each page (what the table loads: no
        model per order; `row.order` parses one on demand). Same pages, order, errors."""

        def parse(reply: Reply) -> list[OrderRow]:
            return parse_rows(reply, self.decode)

        async for batch in self._pages(parse, market, order_by, page_limit):
            yield batch

    async def _pages(
        self,
        parse: Callable[[Reply], list[Any]],
        market: str | None,
        order_by: str,
        page_limit: int,
    ) -> AsyncIterator[list[Any]]:
        unreadable: list[dict[str, str | None]] = []
        seen: set[str] = set()
        page = 1
        while True:
            params: list[tuple[str, str]] = []
            if market:
                params.append(("market", market))
            params += [
                ("states[]", "wait"),
                ("states[]", "watch"),
                ("page", str(page)),
                ("limit", str(page_limit)),
                ("order_by", order_by),
            ]
            try:
                status, batch, bad = await fetch_page(
                    functools.partial(self._open_page, params, parse),
                    page=page,
                    policy=self.page_retry,
                )
            except OrderTuiError as exc:
                if page == 1:
                    raise  # nothing loaded: the error itself is the answer
                raise ListingIncomplete(page=page, cause=exc, unreadable=unreadable) from None
            unreadable += bad
            uuids = [_uuid_of(o) for o in batch]
            fresh = [o for o, u in zip(batch, uuids, strict=True) if u not in seen]
            seen.update(uuids)
            yield fresh
            if len(batch) + len(bad) < page_limit:
                if unreadable:
                    raise PartialResponse(status, [], unreadable)
                return
            page += 1

    async def _open_page(
        self, params: Params, parse: Callable[[Reply], list[Any]]
    ) -> tuple[int, list[Any], list[dict[str, str | None]]]:
        """One page: (status, readable orders or rows, ids of the unreadable ones)."""
        reply = await self.request("GET", "/v1/orders/open", params, idempotent=True)
        try:
            with gc_paused():  # a page is ~2,000 new acyclic objects: no collection in between
                return reply.status, parse(reply), []
        except PartialResponse as partial:
            return reply.status, partial.orders, partial.unreadable

    async def list_open(
        self,
        *,
        market: str | None = None,
        on_page: Callable[[int, int], None] | None = None,
        order_by: str = "desc",
        page_limit: int = OPEN_PAGE_MAX,
    ) -> list[UpbitOrder]:
        """Every open order (all pages). on_page(page, total_so_far). Unreadable orders: a
        PartialResponse at the end carries every readable order and the ids of the others.
        A page that still failed after its retries: ListingIncomplete carries the orders of
        the pages before it."""
        orders: list[UpbitOrder] = []
        page = 0
        try:
            async for batch in self.iter_open(
                market=market, order_by=order_by, page_limit=page_limit
            ):
                orders.extend(batch)
                page += 1
                if on_page is not None:
                    on_page(page, len(orders))
        except ListingIncomplete as stop:
            raise stop.with_orders(orders) from None
        except PartialResponse as partial:
            raise PartialResponse(partial.status, orders, partial.unreadable) from None
        return orders

    async def cancel_all_open(
        self,
        *,
        cancel_side: str = "all",
        pairs: Sequence[str] = (),
        excluded_pairs: Sequence[str] = (),
        quote_currencies: Sequence[str] = (),
        count: int | None = None,
        order_by: str | None = None,
        control: RunControl | None = None,
    ) -> BatchCancelResult:
        """DELETE /v1/orders/open (WAIT orders only; its own limit of 1 call per 2 s)."""
        if cancel_side not in ("all", "ask", "bid"):
            raise InputError("cancel_side must be all, ask or bid")
        if pairs and quote_currencies:
            raise InputError("pairs and quote_currencies cannot be used together")
        if len(pairs) > 20:
            raise InputError("at most 20 pairs")
        if count is not None and not 1 <= count <= CANCEL_ALL_MAX:
            raise InputError(f"count must be between 1 and {CANCEL_ALL_MAX}")
        params: list[tuple[str, str]] = [("cancel_side", cancel_side)]
        if pairs:
            params.append(("pairs", ",".join(pairs)))
        if excluded_pairs:
            params.append(("excluded_pairs", ",".join(excluded_pairs)))
        if quote_currencies:
            params.append(("quote_currencies", ",".join(quote_currencies)))
        if count is not None:
            params.append(("count", str(count)))
        if order_by:
            params.append(("order_by", order_by))
        reply = await self.request(
            "DELETE",
            "/v1/orders/open",
            params,
            group="order-cancel-all",
            idempotent=False,
            control=control,
        )
        body = self.decode(reply)
        try:
            parsed = UpbitBatchCancel.model_validate(body)
        except ValueError as exc:
            raise BadResponse(
                reply.status, f"unexpected cancel-all answer: {validation_message(exc)}"
            ) from None
        result = BatchCancelResult()
        for entries, target in (
            (parsed.success.orders, result.accepted),
            (parsed.failed.orders, result.refused),
        ):
            for entry in entries:
                if entry.uuid:
                    ref = OrderRef(IdKind.UUID, entry.uuid.lower())
                    target.append(CancelAck(ref, ref.value, entry.market, entry.identifier))
        return result


def _uuid_of(item: UpbitOrder | OrderRow) -> str:
    """The uuid a page names an order by: as the exchange wrote it, or a row's (lower-cased)
    id, so that a listing's rows leave their wire objects undecoded."""
    return item.uuid if isinstance(item, UpbitOrder) else item.id
