"""B2TRADER: accounts, cancel one order, and each refusal."""

from __future__ import annotations

import re

import httpx
import pytest

PREFIX = "/frontoffice/api/v3"


@pytest.fixture
def b2(sim):
    creds = sim.credentials["b2trader"]
    client = httpx.Client(
        base_url=sim.base_url,
        timeout=10,
        headers={"Authorization": f"Bearer {creds['token']}", "accountId": creds["account_id"]},
    )
    yield client
    client.close()


def test_accounts_list_without_account_header(sim):
    token = sim.credentials["b2trader"]["token"]
    r = httpx.get(f"{sim.base_url}{PREFIX}/accounts", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200
    accounts = r.json()
    assert isinstance(accounts, list) and len(accounts) == 2
    assert {"accountId", "accountName", "accountType"} <= set(accounts[0])
    assert accounts[0]["accountId"] == sim.credentials["b2trader"]["account_id"]


def test_cancel_ok_returns_cancelled_order(sim, b2):
    order = sim.state.b2_orders()[0]
    r = b2.delete(f"{PREFIX}/orders/{order['orderId']}")
    assert r.status_code == 200
    got = r.json()["order"]
    assert got["orderId"] == order["orderId"] and got["status"] == "Cancelled"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,7})?Z", got["cancellationDate"])
    assert set(got) == set(order)
    for same in (
        "marketId",
        "requestedAmount",
        "remainingAmount",
        "requestedPrice",
        "createdAt",
        "side",
    ):
        assert got[same] == order[same]
    assert sim.state.b2_order(order["orderId"])["status"] == "Cancelled"
    assert sim.state.stats.b2_cancels == 1


def test_cancel_twice_is_not_cancellable(sim, b2):
    oid = sim.state.b2_orders()[0]["orderId"]
    assert b2.delete(f"{PREFIX}/orders/{oid}").status_code == 200
    again = b2.delete(f"{PREFIX}/orders/{oid}")
    assert again.status_code == 400
    assert again.json()["code"] == "OrderNotCancellable" and "Cancelled" in again.json()["message"]


@pytest.mark.parametrize("status", ["Completed", "Expired", "Rejected"])
def test_finished_orders_are_not_cancellable(sim, b2, status):
    order = sim.state.add_b2_order(status=status)
    r = b2.delete(f"{PREFIX}/orders/{order['orderId']}")
    assert r.status_code == 400 and r.json()["code"] == "OrderNotCancellable"
    assert sim.state.b2_order(order["orderId"])["status"] == status


def test_forced_fill_then_cancel_fails(sim, b2):
    oid = sim.state.b2_orders()[1]["orderId"]
    filled = sim.state.fill(oid)
    assert (
        filled["status"] == "Completed"
        and filled["remainingAmount"] == "0"
        and filled["fillFactor"] == "1"
    )
    assert b2.delete(f"{PREFIX}/orders/{oid}").status_code == 400


def test_bad_or_missing_token_is_401(sim):
    oid = sim.state.b2_orders()[0]["orderId"]
    account = sim.credentials["b2trader"]["account_id"]
    for headers in (
        {"accountId": account},
        {"Authorization": "Bearer nope", "accountId": account},
        {"Authorization": sim.credentials["b2trader"]["token"], "accountId": account},
    ):
        r = httpx.delete(f"{sim.base_url}{PREFIX}/orders/{oid}", headers=headers)
        assert r.status_code == 401 and r.json()["code"] == "Unauthorized"
    assert httpx.get(f"{sim.base_url}{PREFIX}/accounts").status_code == 401
    assert sim.state.b2_order(oid)["status"] in ("Working", "Pending")


def test_account_header_missing_400_foreign_403_other_account_404(sim, b2):
    oid = sim.state.b2_orders()[0]["orderId"]
    token = sim.credentials["b2trader"]["token"]
    url = f"{sim.base_url}{PREFIX}/orders/{oid}"
    missing = httpx.delete(url, headers={"Authorization": f"Bearer {token}"})
    assert missing.status_code == 400 and missing.json()["code"] == "AccountIdRequired"
    foreign = httpx.delete(
        url, headers={"Authorization": f"Bearer {token}", "accountId": "not-mine"}
    )
    assert foreign.status_code == 403 and foreign.json()["code"] == "AccountForbidden"
    second = sim.credentials["b2trader_second_account"]["account_id"]
    other = httpx.delete(url, headers={"Authorization": f"Bearer {token}", "accountId": second})
    assert other.status_code == 404 and other.json()["code"] == "OrderNotFound"
    assert sim.state.b2_order(oid)["status"] in ("Working", "Pending")


def test_unknown_order_is_404(sim, b2):
    r = b2.delete(f"{PREFIX}/orders/01ARZ3NDEKTSV4RRFFQ69G5FAV")
    assert r.status_code == 404 and r.json()["code"] == "OrderNotFound"


@pytest.mark.rate_limited_expected
def test_rate_limit_429_past_b2_rps(sim_clock, make_server):
    sim = make_server(b2_rps=10, b2_orders=20)
    creds = sim.credentials["b2trader"]
    ids = [o["orderId"] for o in sim.state.b2_orders()]
    with httpx.Client(
        base_url=sim.base_url,
        headers={"Authorization": f"Bearer {creds['token']}", "accountId": creds["account_id"]},
    ) as client:
        statuses = [client.delete(f"{PREFIX}/orders/{oid}").status_code for oid in ids]
        assert statuses == [200] * 10 + [429] * 10
        refused = client.delete(f"{PREFIX}/orders/{ids[-1]}")
        assert refused.json()["code"] == "TooManyRequests" and refused.headers["Retry-After"] == "1"
    assert all(sim.state.b2_order(i)["status"] != "Cancelled" for i in ids[10:])
