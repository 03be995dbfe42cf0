"""Edge cases of the engine's verdicts, on a scripted exchange (httpx.MockTransport).

Each one once produced a wrong verdict: the rule is that an order is reported cancelled or
failed only on evidence, and otherwise stays unknown (for reconcile), never guessed.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.reliability.fake_upbit import mock_client
from tests.reliability.fake_upbit import order as upbit_order
from tui.core.engine import CancelEngine, EngineOptions
from tui.core.errors import Blocked
from tui.core.events import Outcome
from tui.core.ratelimit import SlidingWindow
from tui.core.refs import OrderRef
from tui.exchanges.b2trader import B2TraderClient
from tui.exchanges.http import RetryPolicy

U = "cdd92199-2897-4e14-9448-f923320408ad"
FAST = RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.002)
QUICK = EngineOptions(settle_delays=(0.01, 0.01, 0.01))


def order(uid: str = U, state: str = "wait", **extra) -> dict:
    return upbit_order(uid, state, **extra)


class Exchange:
    """A scripted exchange: `handle(request, calls)` where calls counts requests per method+path."""

    def __init__(self, handle):
        self.handle = handle
        self.calls: dict[tuple[str, str], int] = {}
        self.log: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        key = (request.method, request.url.path)
        self.calls[key] = self.calls.get(key, 0) + 1
        self.log.append(f"{request.method} {request.url.path}")
        return self.handle(request, self.calls[key])


def run(exchange, refs, options=QUICK):
    async def go():
        client = mock_client(exchange, retry=FAST)
        try:
            return await CancelEngine(client, options=options).run(refs)
        finally:
            await client.aclose()

    return asyncio.run(go())


def timeout(request):
    raise httpx.ReadTimeout("timed out", request=request)


def test_unreadable_lookup_item_is_not_order_not_found():
    def handle(request, n):
        if request.method == "DELETE":
            timeout(request)
        return httpx.Response(200, json=[order(price="1,000.0")])  # present, but unreadable

    report = run(Exchange(handle), [OrderRef.uuid(U)])
    result = report.results[f"uuid:{U}"]
    assert result.outcome is Outcome.UNKNOWN


def test_open_seen_before_a_resend_does_not_fail_the_order():
    def handle(request, n):
        if request.method == "DELETE":
            timeout(request)  # the re-send acts, but its answer is lost too
        if n == 1:
            return httpx.Response(200, json=[order()])  # open after the first attempt
        return httpx.Response(503, json={"error": {"name": "server_error", "message": "busy"}})

    report = run(
        Exchange(handle), [OrderRef.uuid(U)], EngineOptions(max_rounds=1, settle_delays=(0.01,))
    )
    assert report.results[f"uuid:{U}"].outcome is Outcome.UNKNOWN


def test_502_on_a_cancel_is_ambiguous_and_settled_by_lookup():
    exchange = Exchange(
        lambda request, n: (
            httpx.Response(502, text="Bad Gateway")
            if request.method == "DELETE"
            else httpx.Response(200, json=[order(state="cancel")])
        )
    )
    report = run(exchange, [OrderRef.uuid(U)])
    result = report.results[f"uuid:{U}"]
    assert result.outcome is Outcome.CANCELLED and result.confirmed
    assert exchange.calls[("DELETE", "/v1/order")] == 1  # never blindly re-sent


def test_broken_encoding_is_a_transport_error_not_a_crash():
    def handle(request, n):
        if request.method == "DELETE":
            return httpx.Response(
                200, content=b"\x00not gzip", headers={"Content-Encoding": "gzip"}
            )
        return httpx.Response(200, json=[order(state="cancel")])

    report = run(Exchange(handle), [OrderRef.uuid(U)])
    assert report.results[f"uuid:{U}"].outcome is Outcome.CANCELLED


def test_auth_refusal_of_a_resend_leaves_an_ambiguous_order_unknown():
    def handle(request, n):
        if request.method == "DELETE" and n == 1:
            timeout(request)
        if request.method == "DELETE":
            return httpx.Response(
                401, json={"error": {"name": "jwt_verification", "message": "no"}}
            )
        return httpx.Response(200, json=[order()])  # still open at the first look-up

    report = run(Exchange(handle), [OrderRef.uuid(U)])
    assert report.results[f"uuid:{U}"].outcome is Outcome.UNKNOWN
    assert report.halted


def test_same_order_by_uuid_and_identifier_is_cancelled_once_reported_twice():
    state = {"open": True}

    def handle(request, n):
        if request.method == "DELETE":
            if state["open"]:
                state["open"] = False
                return httpx.Response(200, json=order(identifier="mine"))
            return httpx.Response(
                400, json={"error": {"name": "canceled_order", "message": "already"}}
            )
        return httpx.Response(200, json=[order(state="cancel", identifier="mine")])

    report = run(Exchange(handle), [OrderRef.uuid(U), OrderRef.identifier("mine")])
    assert {r.outcome for r in report.results.values()} == {Outcome.CANCELLED}


def test_b2trader_answer_showing_completed_is_a_failure():
    body = {
        "order": {
            "orderId": "01K2PF9XS29WN4JZRHMCTTQYJB",
            "status": "Completed",
            "side": "Buy",
            "marketId": "spot.eth_usdt",
            "requestedAmount": "1",
            "remainingAmount": "0",
        }
    }

    async def go():
        client = B2TraderClient(
            "https://b2.test",
            "token-123456",
            "acc",
            retry=FAST,
            transport=httpx.MockTransport(lambda request: httpx.Response(200, json=body)),
        )
        try:
            return await CancelEngine(client).run([OrderRef.order_id("01K2PF9XS29WN4JZRHMCTTQYJB")])
        finally:
            await client.aclose()

    report = asyncio.run(go())
    result = next(iter(report.results.values()))
    assert result.outcome is Outcome.FAILED and result.error.name == "order_filled"


def test_a_halt_wakes_waiters_quickly():
    """A waiter paused for 30 s by a 429 hears a 418 at its next short nap, not after the
    pause. On a fake clock (asyncio.sleep advances it), so a slow machine cannot fail it."""
    now = [1000.0]
    naps: list[float] = []
    window = SlidingWindow(1, 1.0, clock=lambda: now[0])
    real_sleep = asyncio.sleep

    async def fake_sleep(delay, result=None):
        naps.append(delay)
        now[0] += max(delay, 0)
        await real_sleep(0)
        return result

    async def go():
        await window.acquire()
        window.penalize(retry_after=30)
        waiter = asyncio.create_task(window.acquire())
        while len(naps) < 3 and not waiter.done():  # napping through the pause
            await real_sleep(0)
        halted_at = now[0]
        window.halt(Blocked(418, "blocked", "blocked", block_seconds=60))
        with pytest.raises(Blocked):
            await waiter
        return halted_at, now[0]

    asyncio.sleep = fake_sleep
    try:
        halted_at, woke_at = asyncio.run(go())
    finally:
        asyncio.sleep = real_sleep
    assert woke_at - halted_at <= SlidingWindow.MAX_SLEEP  # at most one more nap
    assert woke_at - 1000.0 < 1.0  # nowhere near the 30 s pause
    assert all(nap <= SlidingWindow.MAX_SLEEP for nap in naps)


def test_multi_line_error_messages_become_one_line():
    exchange = Exchange(
        lambda request, n: httpx.Response(
            400, json={"error": {"name": "bad_request", "message": "first line\nsecond\tline"}}
        )
    )
    report = run(exchange, [OrderRef.uuid(U)], EngineOptions(confirm=False))
    assert report.results[f"uuid:{U}"].error.message == "first line second line"


def test_orders_refused_by_the_rate_limit_every_time_are_not_sent_not_failed():
    exchange = Exchange(
        lambda request, n: httpx.Response(
            429, text="Too many API requests.", headers={"Retry-After": "0.01"}
        )
    )

    async def go():
        client = mock_client(
            exchange, retry=RetryPolicy(max_attempts=2, max_rate_limited=2, base_delay=0.001)
        )
        try:
            return await CancelEngine(client, options=QUICK).run([OrderRef.uuid(U)])
        finally:
            await client.aclose()

    result = asyncio.run(go()).results[f"uuid:{U}"]
    assert result.outcome is Outcome.NOT_SENT and result.error.name == "too_many_requests"


def test_a_count_of_429s_is_not_a_block_duration():
    def handle(request, n):
        return httpx.Response(418, text="blocked: too many 429s")

    report = run(Exchange(handle), [OrderRef.uuid(U)])
    result = report.results[f"uuid:{U}"]
    assert result.outcome is Outcome.NOT_SENT
    assert "429 s" not in (result.error.hint or "") and "about" not in (result.error.hint or "")
