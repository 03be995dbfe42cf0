"""GET /v1/orders/open (listing) and DELETE /v1/orders/open (cancel-all with filters, 1 call per 2 s)."""

from __future__ import annotations

import pytest

from .helpers import Upbit, error_name


def listing(upbit, **params):
    r = upbit.get("/v1/orders/open", params or None)
    assert r.status_code == 200, r.text
    return r.json()


def test_default_lists_wait_only_newest_first(sim, upbit):
    got = listing(upbit)
    waits = [o for o in sim.state.upbit_open_orders() if o["state"] == "wait"]
    assert [o["uuid"] for o in got] == [o["uuid"] for o in reversed(waits)]
    assert all(o["state"] == "wait" for o in got)


def test_states_filter_and_order_by(sim, upbit):
    both = listing(upbit, **{"states[]": ["wait", "watch"], "order_by": "asc"})
    assert [o["uuid"] for o in both] == [o["uuid"] for o in sim.state.upbit_open_orders()]
    watch = listing(upbit, state="watch")
    assert watch and all(o["state"] == "watch" for o in watch)
    assert {o["uuid"] for o in watch} == {o["uuid"] for o in both if o["state"] == "watch"}
    bad = upbit.get("/v1/orders/open", {"state": "done"})
    assert bad.status_code == 400 and error_name(bad) == "validation_error"
    mixed = upbit.get("/v1/orders/open", {"state": "wait", "states[]": ["watch"]})
    assert mixed.status_code == 400


def test_pagination_covers_everything_once(make_server):
    sim = make_server(orders=250)
    upbit = Upbit(sim)
    seen = []
    page = 1
    while True:
        got = listing(
            upbit, **{"states[]": ["wait", "watch"], "page": page, "limit": 37, "order_by": "desc"}
        )
        seen += [o["uuid"] for o in got]
        if len(got) < 37:
            break
        page += 1
    assert seen == [o["uuid"] for o in reversed(sim.state.upbit_open_orders())]
    assert len(set(seen)) == 250
    # pagination also works with the wait-only filter (iterating path)
    waits = [o["uuid"] for o in sim.state.upbit_open_orders() if o["state"] == "wait"]
    p2 = listing(upbit, page=2, limit=10, order_by="asc")
    assert [o["uuid"] for o in p2] == waits[10:20]
    too_big = upbit.get("/v1/orders/open", {"limit": 101})
    assert too_big.status_code == 400 and error_name(too_big) == "validation_error"
    assert upbit.get("/v1/orders/open", {"page": 0}).status_code == 400
    upbit.close()


def test_market_filter_and_closed_orders_leave_listing(sim, upbit):
    got = listing(upbit, market="KRW-BTC", **{"states[]": ["wait", "watch"]})
    expected = [
        o["uuid"] for o in reversed(sim.state.upbit_open_orders()) if o["market"] == "KRW-BTC"
    ]
    assert got and [o["uuid"] for o in got] == expected
    upbit.delete("/v1/order", {"uuid": expected[0]})
    sim.state.fill(expected[1])
    again = listing(upbit, market="KRW-BTC", **{"states[]": ["wait", "watch"]})
    assert [o["uuid"] for o in again] == expected[2:]


def test_cancel_all_filters_count_and_wait_only(make_server):
    sim = make_server(orders=200)
    upbit = Upbit(sim)
    r = upbit.delete(
        "/v1/orders/open",
        {"cancel_side": "bid", "pairs": "KRW-BTC,KRW-ETH", "count": 5, "order_by": "asc"},
    )
    assert r.status_code == 200, r.text
    assert r.headers["Remaining-Req"] == "group=order-cancel-all; min=30; sec=0"
    body = r.json()
    expected = [
        o
        for o in sim.state.upbit_orders()
        if o["side"] == "bid" and o["market"] in ("KRW-BTC", "KRW-ETH") and o["state"] == "cancel"
    ]
    assert body["success"]["count"] == 5 == len(expected)
    assert [e["uuid"] for e in body["success"]["orders"]] == [o["uuid"] for o in expected]
    assert body["failed"] == {"count": 0, "orders": []}
    # exactly the 5 oldest matching *wait* orders went
    candidates = [
        o
        for o in sim.state.upbit_orders()
        if o["side"] == "bid"
        and o["market"] in ("KRW-BTC", "KRW-ETH")
        and o["state"] in ("wait", "cancel")
    ]
    assert [o["uuid"] for o in candidates[:5]] == [o["uuid"] for o in expected]
    upbit.close()


def test_cancel_all_quote_currencies_and_exclusions(make_server):
    sim = make_server(orders=120, cancel_all_interval=0.0)
    upbit = Upbit(sim)
    r = upbit.delete(
        "/v1/orders/open", {"quote_currencies": "KRW", "excluded_pairs": "KRW-BTC", "count": 300}
    )
    body = r.json()
    cancelled = {o["uuid"] for o in sim.state.upbit_orders() if o["state"] == "cancel"}
    assert {e["uuid"] for e in body["success"]["orders"]} == cancelled
    remaining = sim.state.upbit_open_orders()
    assert not [
        o
        for o in remaining
        if o["market"].startswith("KRW-") and o["market"] != "KRW-BTC" and o["state"] == "wait"
    ]
    assert any(o["market"] == "KRW-BTC" and o["state"] == "wait" for o in remaining)
    assert any(
        o["market"].startswith("KRW-") and o["state"] == "watch" for o in remaining
    )  # watch untouched
    assert any(not o["market"].startswith("KRW-") for o in remaining)
    upbit.close()


def test_cancel_all_validation(make_server):
    sim = make_server(cancel_all_interval=0.0)
    upbit = Upbit(sim)
    for params in (
        {"pairs": "KRW-BTC", "quote_currencies": "KRW"},
        {"pairs": ",".join(f"KRW-C{i}" for i in range(21))},
        {"count": 301},
        {"count": 0},
        {"cancel_side": "both"},
        {"order_by": "newest"},
    ):
        r = upbit.delete("/v1/orders/open", params)
        assert r.status_code == 400 and error_name(r) == "validation_error", params
    assert sim.state.stats.upbit_cancels == 0
    upbit.close()


def test_cancel_all_default_count_is_20(make_server):
    sim = make_server(orders=100)
    upbit = Upbit(sim)
    body = upbit.delete("/v1/orders/open").json()
    assert body["success"]["count"] == 20
    upbit.close()


@pytest.mark.rate_limited_expected
def test_cancel_all_one_call_per_two_seconds(sim_clock, sim, upbit):
    first = upbit.delete("/v1/orders/open", {"count": 1})
    assert first.status_code == 200
    second = upbit.delete("/v1/orders/open", {"count": 1})
    assert second.status_code == 429
    assert second.headers["Remaining-Req"].startswith("group=order-cancel-all;")
    # the default group is not affected
    other = upbit.get("/v1/orders/open")
    assert other.status_code == 200 and other.headers["Remaining-Req"].endswith("sec=29")
    assert sim.state.stats.upbit_cancels == 1


@pytest.mark.rate_limited_expected
def test_cancel_all_allowed_again_after_interval(sim_clock, make_server):
    sim = make_server(cancel_all_interval=0.4)
    upbit = Upbit(sim)
    assert upbit.delete("/v1/orders/open", {"count": 1}).status_code == 200  # t=0
    sim_clock.advance(0.2)
    assert upbit.delete("/v1/orders/open", {"count": 1}).status_code == 429  # t=0.2, counted
    sim_clock.advance(0.25)
    # t=0.45: the first call left the window, the refused one (t=0.2) has not
    assert upbit.delete("/v1/orders/open", {"count": 1}).status_code == 429
    sim_clock.advance(0.45)
    assert upbit.delete("/v1/orders/open", {"count": 1}).status_code == 200
    upbit.close()
