"""The Upbit client against the simulator over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import time

import pytest

from tui.core.errors import AuthError, ExchangeError, InputError
from tui.core.refs import OrderRef
from tui.exchanges.upbit import UpbitClient, region_host
from tui.simulator.config import SimConfig
from tui.simulator.server import SimulatorServer


def client_of(server, key: str = "upbit", **kw) -> UpbitClient:
    creds = server.credentials[key]
    return UpbitClient(creds["access_key"], creds["secret_key"], base_url=server.base_url, **kw)


def run(coro):
    return asyncio.run(coro)


@pytest.fixture(scope="module")
def big():
    with SimulatorServer(SimConfig(orders=250, seed=5)) as server:
        yield server


def test_list_open_reads_every_page(big):
    pages = []

    async def go():
        client = client_of(big)
        try:
            return await client.list_open(on_page=lambda page, total: pages.append((page, total)))
        finally:
            await client.aclose()

    orders = run(go())
    assert len(orders) == 250 == len({o.uuid for o in orders})
    assert pages == [(1, 100), (2, 200), (3, 250)]
    assert all(o.state in ("wait", "watch") for o in orders)


def test_list_open_by_market(big):
    async def go():
        client = client_of(big)
        try:
            return await client.list_open(market="KRW-BTC")
        finally:
            await client.aclose()

    orders = run(go())
    assert orders and {o.market for o in orders} == {"KRW-BTC"}


@pytest.mark.parametrize("alg", ["HS512", "HS256"])
def test_lookup_many_and_one(sim, alg):
    wanted = [o["uuid"] for o in sim.state.upbit_open_orders()[:5]]
    ghost = "00000000-0000-4000-8000-000000000000"

    async def go():
        client = client_of(sim, algorithm=alg)
        try:
            many = await client.lookup([OrderRef.uuid(u) for u in wanted + [ghost]])
            one = await client.lookup_one(OrderRef.uuid(wanted[0]))
            return many, one
        finally:
            await client.aclose()

    many, one = run(go())
    assert sorted(o.uuid for o in many) == sorted(wanted)
    assert one.uuid == wanted[0] and one.trades_count is not None


def test_batch_cancel_maps_success_and_failure_back_to_refs(sim):
    uuids = [o["uuid"] for o in sim.state.upbit_open_orders()[:4]]
    sim.state.fill(uuids[1])
    ghost = "00000000-0000-4000-8000-000000000000"

    async def go():
        client = client_of(sim)
        try:
            return await client.cancel_batch([OrderRef.uuid(u) for u in uuids + [ghost]])
        finally:
            await client.aclose()

    result = run(go())
    assert {a.ref.value for a in result.accepted} == {uuids[0], uuids[2], uuids[3]}
    assert {a.ref.value for a in result.refused} == {uuids[1], ghost}
    assert result.unmatched == []


def test_cancel_one_returns_order_before_cancel(sim):
    target = sim.state.upbit_open_orders()[0]

    async def go():
        client = client_of(sim)
        try:
            return await client.cancel_one(OrderRef.uuid(target["uuid"]))
        finally:
            await client.aclose()

    ack = run(go())
    assert ack.order.state in ("wait", "watch") and ack.market == target["market"]
    assert sim.state.truth()["upbit"][target["uuid"]] == "cancel"


def test_client_refuses_bad_requests_before_sending(sim):
    async def go():
        client = client_of(sim)
        try:
            with pytest.raises(InputError, match="mixed"):
                await client.cancel_batch(
                    [
                        OrderRef.uuid("cdd92199-2897-4e14-9448-f923320408ad"),
                        OrderRef.identifier("x"),
                    ]
                )
            with pytest.raises(InputError, match="at most 20"):
                await client.cancel_batch(
                    [OrderRef.uuid(f"cdd92199-2897-4e14-9448-f9233204{i:04d}") for i in range(21)]
                )
        finally:
            await client.aclose()

    before = sim.state.stats.requests
    run(go())
    assert sim.state.stats.requests == before


def test_readonly_key_is_out_of_scope(sim):
    async def go():
        client = client_of(sim, "upbit_readonly")
        try:
            await client.cancel_one(OrderRef.uuid(sim.state.upbit_open_orders()[0]["uuid"]))
        finally:
            await client.aclose()

    with pytest.raises(AuthError) as caught:
        run(go())
    assert caught.value.name == "out_of_scope" and caught.value.status == 401
    assert "Make Orders" in caught.value.hint


def test_cancel_all_open_with_filters_and_its_own_limit(sim):
    asks_before = [
        o for o in sim.state.upbit_open_orders() if o["side"] == "ask" and o["state"] == "wait"
    ]

    async def go():
        client = client_of(sim)
        try:
            first = await client.cancel_all_open(cancel_side="ask", count=3)
            t0 = time.monotonic()
            second = await client.cancel_all_open(cancel_side="ask", count=3)
            return first, second, time.monotonic() - t0
        finally:
            await client.aclose()

    first, second, waited = run(go())
    assert len(first.accepted) == min(3, len(asks_before))
    assert waited >= 1.9  # 1 call per 2 s: the limiter waits instead of earning a 429
    assert sim.state.stats.rate_limited == 0
    cancelled = {a.ref.value for a in first.accepted + second.accepted}
    assert all(sim.state.truth()["upbit"][u] == "cancel" for u in cancelled)


def test_cancel_all_open_argument_checks():
    client = UpbitClient("a" * 40, "b" * 40)

    async def go():
        with pytest.raises(InputError):
            await client.cancel_all_open(cancel_side="both")
        with pytest.raises(InputError):
            await client.cancel_all_open(pairs=["KRW-BTC"], quote_currencies=["KRW"])
        with pytest.raises(InputError):
            await client.cancel_all_open(count=301)
        await client.aclose()

    run(go())


def test_regions_map_to_hosts():
    assert region_host("kr") == "https://api.upbit.com"
    assert region_host("th") == "https://th-api.upbit.com"
    with pytest.raises(InputError):
        region_host("us")


def test_remaining_req_reaches_listeners(sim):
    heard = []

    async def go():
        client = client_of(sim)
        client.on_rate(lambda group, remaining, limit: heard.append((group, remaining)))
        try:
            await client.lookup_one(OrderRef.uuid(sim.state.upbit_open_orders()[0]["uuid"]))
            await client.lookup_one(OrderRef.uuid(sim.state.upbit_open_orders()[0]["uuid"]))
        finally:
            await client.aclose()

    run(go())
    assert [g for g, _ in heard] == ["default", "default"]
    assert heard[1][1] < heard[0][1]


def test_identifier_cancel_unknown_is_404(sim):
    async def go():
        client = client_of(sim)
        try:
            await client.cancel_one(OrderRef.identifier("no-such-identifier"))
        finally:
            await client.aclose()

    with pytest.raises(ExchangeError) as caught:
        run(go())
    assert caught.value.status == 404 and caught.value.name == "order_not_found"


def test_iter_open_yields_page_by_page(big):
    async def go():
        client = client_of(big)
        try:
            return [len(batch) async for batch in client.iter_open()]
        finally:
            await client.aclose()

    assert run(go()) == [100, 100, 50]
