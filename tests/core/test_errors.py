"""Every Upbit error name maps to a typed error with status, name, message and a hint."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from tui.core.errors import (
    HINTS,
    AuthError,
    BadResponse,
    Blocked,
    ExchangeError,
    RateLimited,
    ServerBusy,
    TransportError,
)
from tui.core.ratelimit import RateLimits
from tui.core.refs import OrderRef
from tui.exchanges.http import RetryPolicy
from tui.exchanges.upbit import UpbitClient

UUID = "cdd92199-2897-4e14-9448-f923320408ad"
SECRET = "s3cr3t-value-that-must-never-show-0123456"


def client_for(handler, retry: RetryPolicy | None = None) -> UpbitClient:
    return UpbitClient(
        "ak-visible-but-harmless",
        SECRET,
        base_url="https://api.upbit.test",
        transport=httpx.MockTransport(handler),
        retry=retry or RetryPolicy(max_attempts=1, max_rate_limited=0, base_delay=0.001),
        limits=RateLimits(),
    )


def error_response(status: int, name: str, message: str = "msg") -> httpx.Response:
    return httpx.Response(status, json={"error": {"name": name, "message": message}})


def cancel_with(handler, retry=None):
    async def go():
        client = client_for(handler, retry)
        try:
            return await client.cancel_one(OrderRef.uuid(UUID))
        finally:
            await client.aclose()

    return asyncio.run(go())


CASES = [
    (400, "validation_error", ExchangeError),
    (400, "bad_request", ExchangeError),
    (400, "QUERY_PARAMETER_NOT_SUPPORTED", ExchangeError),
    (400, "done_order", ExchangeError),
    (400, "canceled_order", ExchangeError),
    (401, "invalid_query_payload", AuthError),
    (401, "jwt_verification", AuthError),
    (401, "expired_access_key", AuthError),
    (401, "nonce_used", AuthError),
    (401, "no_authorization_ip", AuthError),
    (401, "no_authorization_i_p", AuthError),
    (401, "no_authorization_token", AuthError),
    (401, "invalid_access_key", AuthError),
    (401, "out_of_scope", AuthError),  # Korea
    (403, "out_of_scope", AuthError),  # global regions
    (404, "order_not_found", ExchangeError),
]


@pytest.mark.parametrize(("status", "name", "kind"), CASES)
def test_error_names_map_to_typed_errors_with_hints(status, name, kind):
    with pytest.raises(kind) as caught:
        cancel_with(lambda request: error_response(status, name, "the exchange says so"))
    err = caught.value
    assert type(err) is kind
    assert err.status == status
    assert err.name == name
    assert err.exchange_message == "the exchange says so"
    assert err.hint == HINTS[name]
    assert SECRET not in str(err) and SECRET not in (err.hint or "")
    info = err.info
    assert (info.status, info.name, info.hint) == (status, name, HINTS[name])


def test_specific_hints_say_what_to_do():
    assert "Make Orders" in HINTS["out_of_scope"]
    assert "IP" in HINTS["no_authorization_ip"]


def test_plain_text_429_is_rate_limited_with_retry_after():
    def handler(request):
        return httpx.Response(429, text="Too many API requests.", headers={"Retry-After": "2"})

    with pytest.raises(RateLimited) as caught:
        cancel_with(handler)
    assert caught.value.name == "too_many_requests"
    assert caught.value.retry_after == 2.0
    assert "Too many API requests." in caught.value.exchange_message


def test_418_blocks_and_says_how_long():
    def handler(request):
        return httpx.Response(
            418, json={"error": {"name": "blocked", "message": "blocked for 60 seconds"}}
        )

    with pytest.raises(Blocked) as caught:
        cancel_with(handler)
    assert caught.value.block_seconds == 60
    assert "60 s" in caught.value.hint


def test_418_halts_every_later_request():
    calls = []

    def handler(request):
        calls.append(request)
        return httpx.Response(418, text="blocked", headers={"Retry-After": "30"})

    async def go():
        client = client_for(handler)
        with pytest.raises(Blocked):
            await client.cancel_one(OrderRef.uuid(UUID))
        with pytest.raises(Blocked):
            await client.cancel_one(OrderRef.uuid(UUID))
        await client.aclose()

    asyncio.run(go())
    assert len(calls) == 1  # the second never left


def test_503_is_retried_then_reported_as_busy():
    calls = []

    def handler(request):
        calls.append(request)
        return error_response(503, "server_error")

    with pytest.raises(ServerBusy):
        cancel_with(handler, RetryPolicy(max_attempts=3, base_delay=0.001))
    assert len(calls) == 3


def test_429_then_success_is_retried_transparently():
    answers = [
        httpx.Response(429, text="Too many API requests."),
        httpx.Response(200, json={"uuid": UUID, "state": "wait", "market": "KRW-BTC"}),
    ]

    ack = cancel_with(
        lambda request: answers.pop(0),
        RetryPolicy(max_attempts=2, max_rate_limited=2, base_delay=0.001),
    )
    assert ack.id == UUID


def test_not_json_success_is_bad_response():
    with pytest.raises(BadResponse):
        cancel_with(lambda request: httpx.Response(200, text="<html>oops</html>"))


def test_wrong_types_are_bad_response_not_crash():
    body = {"uuid": UUID, "price": {"not": "a number"}}
    with pytest.raises(BadResponse) as caught:
        cancel_with(lambda request: httpx.Response(200, content=json.dumps(body)))
    assert "price" in caught.value.exchange_message


def test_dropped_connection_on_cancel_is_ambiguous():
    def handler(request):
        raise httpx.RemoteProtocolError("peer closed connection", request=request)

    with pytest.raises(TransportError) as caught:
        cancel_with(handler)
    assert caught.value.sent is True


def test_connect_failure_is_not_sent():
    def handler(request):
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(TransportError) as caught:
        cancel_with(handler, RetryPolicy(max_attempts=2, base_delay=0.001))
    assert caught.value.sent is False


def test_unknown_error_name_keeps_name_and_generic_hint():
    with pytest.raises(ExchangeError) as caught:
        cancel_with(lambda request: error_response(400, "something_new"))
    assert caught.value.name == "something_new"
    assert caught.value.hint
