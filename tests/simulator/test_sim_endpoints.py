"""The /_sim/ helper endpoints the demo and the tests use."""

from __future__ import annotations

import httpx

from tests.reliability.helpers import wait_for
from tui.simulator.sim_routes import is_loopback

from .helpers import Upbit


def test_b2_book_listing(sim):
    r = httpx.get(f"{sim.base_url}/_sim/b2trader/orders")
    assert r.status_code == 200
    body = r.json()
    assert body["account_id"] == sim.credentials["b2trader"]["account_id"]
    assert body["order_ids"] == [o["orderId"] for o in body["orders"]]
    assert body["orders"] == sim.state.b2_orders() and len(body["order_ids"]) == 12


def test_truth_fill_and_stats(sim, upbit):
    uuid_ = sim.state.upbit_open_orders()[0]["uuid"]
    b2_id = sim.state.b2_orders()[0]["orderId"]
    filled = httpx.post(f"{sim.base_url}/_sim/fill/{uuid_}")
    assert filled.status_code == 200 and filled.json()["exchange"] == "upbit"
    assert filled.json()["order"]["state"] == "done"
    assert httpx.post(f"{sim.base_url}/_sim/fill/{b2_id}").json()["order"]["status"] == "Completed"
    assert httpx.post(f"{sim.base_url}/_sim/fill/nope").status_code == 404
    other = sim.state.upbit_open_orders()[0]["uuid"]
    upbit.delete("/v1/order", {"uuid": other})
    assert httpx.post(f"{sim.base_url}/_sim/fill/{other}").status_code == 409
    truth = httpx.get(f"{sim.base_url}/_sim/truth").json()
    assert truth["upbit"][uuid_] == "done" and truth["upbit"][other] == "cancel"
    assert truth["b2trader"][b2_id] == "Completed"
    assert len(truth["upbit"]) == 40 and len(truth["b2trader"]) == 12
    stats = httpx.get(f"{sim.base_url}/_sim/stats").json()
    assert stats["upbit_cancels"] == 1 and stats["fills"] == 2
    assert stats["by_endpoint"]["DELETE /v1/order"] == 1
    assert stats["by_endpoint"]["POST /_sim/fill/{id}"] == 4


def test_upbit_orders_listing(sim):
    body = httpx.get(f"{sim.base_url}/_sim/upbit/orders").json()
    assert body["orders"] == sim.state.upbit_orders()


def test_loopback_check():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("127.5.6.7")
    assert not is_loopback("10.0.0.1") and not is_loopback("0.0.0.0") and not is_loopback(None)


def test_request_log_has_no_secrets(sim):
    lines = []
    sim.state.log_hook = lines.append
    upbit = Upbit(sim)
    upbit.get("/v1/orders/uuids", {"uuids[]": [o["uuid"] for o in sim.state.upbit_orders()[:5]]})
    httpx.get(
        f"{sim.base_url}/frontoffice/api/v3/accounts",
        headers={"Authorization": f"Bearer {sim.credentials['b2trader']['token']}"},
    )
    # a request's line is written once its answer has gone out, so it may follow the answer
    wait_for(lambda: len(lines) >= 2, 10, what="two log lines")
    assert len(lines) == 2
    assert "GET /v1/orders/uuids 200 ids=5" in " ".join(lines[0].split())
    secrets = [
        sim.credentials["upbit"]["secret_key"],
        sim.credentials["upbit"]["access_key"],
        sim.credentials["b2trader"]["token"],
        "Bearer",
        "eyJ",
    ]
    assert not any(s in line for s in secrets for line in lines)
    upbit.close()
