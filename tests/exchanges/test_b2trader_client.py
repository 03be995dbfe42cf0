"""The B2TRADER client against the simulator over real HTTP on loopback."""

from __future__ import annotations

import asyncio

import pytest

from tui.core.errors import AuthError, ExchangeError, InputError
from tui.core.refs import OrderRef
from tui.exchanges.b2trader import B2TraderClient, Unsupported


def client_of(server, **kw) -> B2TraderClient:
    creds = server.credentials["b2trader"]
    return B2TraderClient(server.base_url, creds["token"], creds["account_id"], **kw)


def run(coro):
    return asyncio.run(coro)


def working(sim) -> list[str]:
    return [o["orderId"] for o in sim.state.b2_orders() if o["status"] == "Working"]


def test_accounts(sim):
    async def go():
        client = client_of(sim)
        try:
            return await client.list_accounts()
        finally:
            await client.aclose()

    accounts = run(go())
    assert sim.credentials["b2trader"]["account_id"] in {a["accountId"] for a in accounts}
    assert all("accountName" in a for a in accounts)


def test_cancel_one(sim):
    target = working(sim)[0]

    async def go():
        client = client_of(sim)
        try:
            return await client.cancel_one(OrderRef.order_id(target))
        finally:
            await client.aclose()

    ack = run(go())
    assert ack.order.status == "Cancelled" and ack.order.cancellationDate is not None
    assert sim.state.truth()["b2trader"][target] == "Cancelled"


def test_errors_keep_status_and_body(sim):
    target = working(sim)[0]

    async def go():
        bad = B2TraderClient(
            sim.base_url, "wrong-token-value", sim.credentials["b2trader"]["account_id"]
        )
        good = client_of(sim)
        try:
            with pytest.raises(AuthError) as unauthorized:
                await bad.cancel_one(OrderRef.order_id(target))
            with pytest.raises(ExchangeError) as missing:
                await good.cancel_one(OrderRef.order_id("01K2PF9XS29WN4JZRHMCTTQYJB"))
            await good.cancel_one(OrderRef.order_id(target))
            with pytest.raises(ExchangeError) as again:
                await good.cancel_one(OrderRef.order_id(target))
            return unauthorized.value, missing.value, again.value
        finally:
            await bad.aclose()
            await good.aclose()

    unauthorized, missing, again = run(go())
    assert unauthorized.status == 401 and "wrong-token-value" not in str(unauthorized)
    assert missing.status == 404 and missing.name == "order_not_found"
    assert again.status == 400 and again.name == "not_cancellable" and again.body


def test_no_batch_no_lookup_no_listing(sim):
    async def go():
        client = client_of(sim)
        try:
            for call in (client.cancel_batch([]), client.lookup([]), client.list_open()):
                with pytest.raises(Unsupported):
                    await call
        finally:
            await client.aclose()

    run(go())


def test_account_id_required_for_cancel(sim):
    async def go():
        client = B2TraderClient(sim.base_url, sim.credentials["b2trader"]["token"], None)
        try:
            await client.cancel_one(OrderRef.order_id(working(sim)[0]))
        finally:
            await client.aclose()

    with pytest.raises(InputError, match="account id"):
        run(go())


def test_rate_setting_respected(sim):
    targets = working(sim)[:6]

    async def go():
        import time

        client = client_of(sim, rps=2)
        t0 = time.monotonic()
        try:
            for t in targets:
                await client.cancel_one(OrderRef.order_id(t))
        finally:
            await client.aclose()
        return time.monotonic() - t0

    elapsed = run(go())
    assert elapsed >= 2.0  # 6 requests at 2/s need at least two full windows
    assert sim.state.stats.rate_limited == 0
