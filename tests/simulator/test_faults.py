"""Injected faults: 503 before acting, dropped connections after acting, latency, fill-before-cancel races."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from tui.simulator.app import create_app
from tui.simulator.config import SimConfig
from tui.simulator.faults import SimulatedDrop
from tui.simulator.state import SimState

from .helpers import Upbit, error_name, sample_token


def test_fail_rate_one_gives_503_and_changes_nothing(make_server):
    sim = make_server(fail_rate=1.0)
    upbit = Upbit(sim)
    before = sim.state.upbit_orders()
    target = [o["uuid"] for o in before[:3]]
    single = upbit.delete("/v1/order", {"uuid": target[0]})
    batch = upbit.delete("/v1/orders/uuids", {"uuids[]": target})
    everything = upbit.delete("/v1/orders/open", {"count": 300})
    for r in (single, batch, everything):
        assert r.status_code == 503
        assert error_name(r) == "service_unavailable"
        assert "Remaining-Req" in r.headers
    assert sim.state.upbit_orders() == before
    assert sim.state.stats.injected_503 == 3 and sim.state.stats.upbit_cancels == 0
    b2 = httpx.delete(
        f"{sim.base_url}/frontoffice/api/v3/orders/{sim.state.b2_orders()[0]['orderId']}",
        headers={
            "Authorization": f"Bearer {sim.credentials['b2trader']['token']}",
            "accountId": sim.credentials["b2trader"]["account_id"],
        },
    )
    assert b2.status_code == 503
    assert sim.state.b2_orders()[0]["status"] in ("Working", "Pending")
    upbit.close()


def test_drop_rate_one_acts_then_breaks_the_connection(make_server):
    sim = make_server(drop_rate=1.0)
    upbit = Upbit(sim)
    opens = sim.state.upbit_open_orders()
    with pytest.raises(httpx.RemoteProtocolError):
        upbit.delete("/v1/order", {"uuid": opens[0]["uuid"]})
    assert sim.state.upbit_order(opens[0]["uuid"])["state"] == "cancel"  # it really happened
    batch = [o["uuid"] for o in opens[1:4]]
    with pytest.raises(httpx.TransportError):
        upbit.delete("/v1/orders/uuids", {"uuids[]": batch})
    assert [sim.state.upbit_order(u)["state"] for u in batch] == ["cancel"] * 3
    b2_id = sim.state.b2_orders()[0]["orderId"]
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.delete(
            f"{sim.base_url}/frontoffice/api/v3/orders/{b2_id}",
            headers={
                "Authorization": f"Bearer {sim.credentials['b2trader']['token']}",
                "accountId": sim.credentials["b2trader"]["account_id"],
            },
        )
    assert sim.state.b2_order(b2_id)["status"] == "Cancelled"
    assert sim.state.stats.injected_drops == 3
    assert sim.state.stats.upbit_cancels == 4 and sim.state.stats.b2_cancels == 1
    # the server survives and /_sim/ is never dropped
    assert httpx.get(f"{sim.base_url}/_sim/stats").status_code == 200
    assert sim.state.recent[-2]["dropped"] is True
    upbit.close()


def test_drop_rate_partial_is_seeded(make_server):
    sim = make_server(drop_rate=0.5)
    upbit = Upbit(sim)
    outcomes = []
    for _ in range(20):
        try:
            outcomes.append(upbit.get("/v1/orders/open").status_code)
        except httpx.TransportError:
            outcomes.append("drop")
    assert 3 <= outcomes.count("drop") <= 17 and 200 in outcomes
    upbit.close()


async def test_drop_in_process_raises_simulated_drop():
    state = SimState(SimConfig(drop_rate=1.0))
    target = state.upbit_open_orders()[0]["uuid"]
    token = sample_token(
        state.credentials["upbit"]["access_key"],
        state.credentials["upbit"]["secret_key"],
        {"uuid": target},
    )
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        with pytest.raises(SimulatedDrop):
            await client.delete(
                "/v1/order", params={"uuid": target}, headers={"Authorization": f"Bearer {token}"}
            )
    assert state.upbit_order(target)["state"] == "cancel"


def test_latency_is_added_with_jitter(make_server):
    sim = make_server(latency_ms=60)
    upbit = Upbit(sim)
    times = []
    for _ in range(8):
        t = time.perf_counter()
        assert upbit.get("/v1/orders/open").status_code == 200
        times.append(time.perf_counter() - t)
    assert min(times) >= 0.029  # U(0.5, 1.5) x 60 ms: a lower bound, whatever the machine
    upbit.close()
    # the delays it draws (what the answers waited on), without a clock
    delays = [sim.state.faults.delay_seconds() for _ in range(200)]
    assert all(0.03 <= d <= 0.09 for d in delays)
    assert len(set(delays)) > 100  # jittered, not constant


async def test_latency_does_not_block_other_requests():
    state = SimState(SimConfig(latency_ms=200))
    sleeping = {"now": 0, "most": 0}
    real_delay = state.faults.delay

    async def delay() -> None:
        sleeping["now"] += 1
        sleeping["most"] = max(sleeping["most"], sleeping["now"])
        try:
            await real_delay()
        finally:
            sleeping["now"] -= 1

    state.faults.delay = delay  # type: ignore[method-assign]
    transport = httpx.ASGITransport(app=create_app(state))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        rs = await asyncio.gather(*[client.get("/v1/orders/open") for _ in range(10)])
    assert all(r.status_code == 401 for r in rs)
    assert sleeping["most"] == 10  # all ten slept at once: overlapped, not one after another


def cancel_everything(sim, order):
    upbit = Upbit(sim)
    uuids = [o["uuid"] for o in sim.state.upbit_open_orders()]
    if order == "reversed":
        uuids.reverse()
    failed = set()
    for i in range(0, len(uuids), 20):
        body = upbit.delete("/v1/orders/uuids", {"uuids[]": uuids[i : i + 20]}).json()
        failed |= {e["uuid"] for e in body["failed"]["orders"]}
    upbit.close()
    return failed


def test_fill_rate_race_is_per_order_and_independent_of_request_order(make_server):
    a = make_server(fill_rate=0.4, seed=11)
    b = make_server(fill_rate=0.4, seed=11)
    failed_a = cancel_everything(a, "forward")
    failed_b = cancel_everything(b, "reversed")
    assert failed_a == failed_b
    assert 4 <= len(failed_a) <= 30
    truth = a.state.truth()["upbit"]
    assert {u for u, s in truth.items() if s == "done"} == failed_a
    assert {u for u, s in truth.items() if s == "cancel"} == set(truth) - failed_a
    assert a.state.stats.fills == len(failed_a)


def test_fill_rate_single_cancel_loses_the_race(make_server):
    sim = make_server(fill_rate=1.0)
    upbit = Upbit(sim)
    target = sim.state.upbit_open_orders()[0]
    r = upbit.delete("/v1/order", {"uuid": target["uuid"]})
    assert r.status_code == 400 and error_name(r) == "done_order"
    done = upbit.get("/v1/order", {"uuid": target["uuid"]}).json()
    assert done["state"] == "done" and done["executed_volume"] == target["volume"]
    upbit.close()
