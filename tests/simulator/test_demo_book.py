"""The seeded demo book: deterministic, realistic, consistent, and fast at 100k orders."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from decimal import Decimal

import pytest

from tests.upbit_fields import UPBIT_AMOUNT_FIELDS
from tui.simulator.config import SimConfig
from tui.simulator.demo_book import krw_tick
from tui.simulator.state import SimState

DECIMAL_FIELDS = UPBIT_AMOUNT_FIELDS
ULID = re.compile(r"^[0-9A-HJKMNP-TV-Z]{26}$")
UUID4 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def dumps(state):
    return json.dumps([state.upbit_orders(), state.b2_orders()], sort_keys=True)


def test_same_seed_same_bytes_other_seed_other_book():
    a, b = SimState(SimConfig(seed=3)), SimState(SimConfig(seed=3))
    assert dumps(a) == dumps(b)
    assert dumps(a) != dumps(SimState(SimConfig(seed=4)))
    assert a.credentials["upbit"] != b.credentials["upbit"]  # keys are per instance, never seeded


def test_book_does_not_depend_on_the_clock(monkeypatch):
    before = dumps(SimState(SimConfig()))
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)
    assert dumps(SimState(SimConfig())) == before


def test_upbit_book_shape_kr():
    orders = SimState(SimConfig(orders=400)).upbit_orders()
    assert len(orders) == 400
    assert len({o["uuid"] for o in orders}) == 400
    assert all(UUID4.match(o["uuid"]) for o in orders)
    markets = Counter(o["market"] for o in orders)
    assert {"KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-SOL", "KRW-DOGE", "BTC-ETH", "USDT-BTC"} == set(
        markets
    )
    assert {o["side"] for o in orders} == {"bid", "ask"}
    assert {o["ord_type"] for o in orders} == {"limit", "price", "market", "best"}
    states = Counter(o["state"] for o in orders)
    assert set(states) == {"wait", "watch"} and states["watch"] >= 5
    with_id = sum(1 for o in orders if "identifier" in o)
    assert 0.25 < with_id / 400 < 0.42
    assert len({o["identifier"] for o in orders if "identifier" in o}) == with_id
    partial = [o for o in orders if Decimal(o["executed_volume"]) > 0]
    assert partial and all(o["trades_count"] > 0 and o["state"] == "wait" for o in partial)
    assert all(
        re.fullmatch(r"2026-\d\d-\d\dT\d\d:\d\d:\d\d\+09:00", o["created_at"]) for o in orders
    )
    assert max(o["created_at"] for o in orders) <= "2026-11-20T09:00:00+09:00"
    best = [o for o in orders if o["ord_type"] == "best"]
    assert all(o["time_in_force"] in ("ioc", "fok") for o in best)
    assert all(
        o.get("time_in_force") in (None, "post_only") for o in orders if o["ord_type"] == "limit"
    )


def test_amounts_are_plain_decimal_strings_and_consistent():
    for o in SimState(SimConfig(orders=600)).upbit_orders():
        for name in DECIMAL_FIELDS:
            value = o[name]
            if value is None:
                assert name in ("price", "volume", "remaining_volume")
                continue
            assert isinstance(value, str) and re.fullmatch(r"\d+(\.\d+)?", value), (name, value)
        d = {k: Decimal(o[k]) if isinstance(o.get(k), str) else None for k in DECIMAL_FIELDS}
        if o["ord_type"] == "price" or (o["ord_type"] == "best" and o["side"] == "bid"):
            assert o["volume"] is None and d["price"] > 0
            assert d["locked"] == d["price"] + d["remaining_fee"]
            continue
        assert d["volume"] == d["remaining_volume"] + d["executed_volume"]
        if o["side"] == "bid":
            assert d["reserved_fee"] == d["remaining_fee"] + d["paid_fee"]
            funds = (d["price"] * d["remaining_volume"]).quantize(
                Decimal("1e-8"), rounding="ROUND_DOWN"
            )
            assert d["locked"] == funds + d["remaining_fee"]
        else:
            assert d["locked"] == d["remaining_volume"]
            assert d["reserved_fee"] == 0 and d["remaining_fee"] == 0
        if o["market"].startswith("KRW-") and o["price"] is not None:
            assert d["price"] % krw_tick(d["price"]) == 0


@pytest.mark.parametrize(("region", "quote"), [("sg", "SGD"), ("id", "IDR"), ("th", "THB")])
def test_global_regions_use_their_quote_and_zone_less_utc(region, quote):
    orders = SimState(SimConfig(region=region, orders=120)).upbit_orders()
    fiat = {o["market"] for o in orders if not o["market"].startswith(("BTC-", "USDT-"))}
    assert fiat and all(m.startswith(f"{quote}-") for m in fiat)
    assert all(re.fullmatch(r"2026-\d\d-\d\dT\d\d:\d\d:\d\d", o["created_at"]) for o in orders)


def test_b2_book_shape():
    state = SimState(SimConfig())
    orders = state.b2_orders()
    assert len(orders) == 12
    assert all(ULID.match(o["orderId"]) for o in orders)
    assert [o["orderId"] for o in orders] == sorted(
        o["orderId"] for o in orders
    )  # ULIDs sort by time
    assert {o["status"] for o in orders} <= {"Working", "Pending"}
    assert all(o["cancellationDate"] is None and o["orderType"] == "Limit" for o in orders)
    assert all(re.fullmatch(r"(spot|cfd|perp)\.[a-z_]+", o["marketId"]) for o in orders)
    assert all(o["createdAt"].endswith("Z") for o in orders)
    keys = {
        "marketId",
        "marketDisplayName",
        "orderId",
        "orderType",
        "side",
        "status",
        "source",
        "timeInForce",
        "commission",
        "requestedAmount",
        "remainingAmount",
        "requestedPrice",
        "executionPrice",
        "createdAt",
        "updatedAt",
        "rejectDetails",
        "cancellationDate",
        "fillFactor",
    }
    assert all(set(o) == keys for o in orders)
    big = SimState(SimConfig(b2_orders=300)).b2_orders()
    assert {m["marketId"].split(".")[0] for m in big} == {"spot", "cfd", "perp"}
    assert any(Decimal(o["fillFactor"]) > 0 for o in big)


def test_100k_book_builds_and_indexes():
    # Its build time is a benchmark's (tests/bench/sim_latency.py), not a limit here.
    state = SimState(SimConfig(orders=100_000))
    assert len(state.upbit.open) == 100_000
    assert len(state.upbit.by_uuid) == 100_000
