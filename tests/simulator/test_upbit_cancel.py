"""Cancel and look-up semantics of the Upbit endpoints."""

from __future__ import annotations

from .helpers import error_name

ORDER_FIELDS = {
    "uuid",
    "side",
    "ord_type",
    "price",
    "state",
    "market",
    "created_at",
    "volume",
    "remaining_volume",
    "executed_volume",
    "reserved_fee",
    "remaining_fee",
    "paid_fee",
    "locked",
    "trades_count",
    "prevented_volume",
    "prevented_locked",
}


def first_open(sim, *, state="wait", with_identifier=None):
    for o in sim.state.upbit_open_orders():
        if o["state"] != state:
            continue
        if with_identifier is not None and ("identifier" in o) != with_identifier:
            continue
        return o
    raise AssertionError("no such order in the book")


def test_single_cancel_by_uuid_returns_pre_cancel_object(sim, upbit):
    before = first_open(sim)
    r = upbit.delete("/v1/order", {"uuid": before["uuid"]})
    assert r.status_code == 200
    body = r.json()
    assert isinstance(body, dict)
    assert body == before  # every field as accepted, state still wait
    assert body["state"] == "wait"
    assert ORDER_FIELDS <= body.keys()
    after = upbit.get("/v1/order", {"uuid": before["uuid"]})
    assert after.status_code == 200 and after.json()["state"] == "cancel"
    assert (
        r.headers["Remaining-Req"] == "group=default; min=1800; sec=29"
    )  # first call of the second
    assert sim.state.stats.upbit_cancels == 1


def test_single_cancel_by_identifier(sim, upbit):
    before = first_open(sim, with_identifier=True)
    r = upbit.delete("/v1/order", {"identifier": before["identifier"]})
    assert r.status_code == 200 and r.json()["uuid"] == before["uuid"]
    looked = upbit.get("/v1/order", {"identifier": before["identifier"]}).json()
    assert looked["state"] == "cancel" and looked["uuid"] == before["uuid"]


def test_uuid_wins_over_identifier(sim, upbit):
    a = first_open(sim, with_identifier=False)
    b = first_open(sim, with_identifier=True)
    r = upbit.delete("/v1/order", {"uuid": a["uuid"], "identifier": b["identifier"]})
    assert r.status_code == 200 and r.json()["uuid"] == a["uuid"]
    assert sim.state.upbit_order(b["uuid"])["state"] == "wait"


def test_cancel_watch_order_shows_watch(sim, upbit):
    watch = first_open(sim, state="watch")
    r = upbit.delete("/v1/order", {"uuid": watch["uuid"]})
    assert r.status_code == 200 and r.json()["state"] == "watch"
    assert sim.state.upbit_order(watch["uuid"])["state"] == "cancel"


def test_cancel_done_cancelled_unknown_and_nothing(sim, upbit):
    done = first_open(sim)
    sim.state.fill(done["uuid"])
    r = upbit.delete("/v1/order", {"uuid": done["uuid"]})
    assert r.status_code == 400 and error_name(r) == "done_order"
    assert sim.state.upbit_order(done["uuid"])["state"] == "done"

    gone = first_open(sim)
    assert upbit.delete("/v1/order", {"uuid": gone["uuid"]}).status_code == 200
    again = upbit.delete("/v1/order", {"uuid": gone["uuid"]})
    assert again.status_code == 400 and error_name(again) == "canceled_order"

    unknown = upbit.delete("/v1/order", {"uuid": "00000000-0000-4000-8000-000000000000"})
    assert unknown.status_code == 404 and error_name(unknown) == "order_not_found"
    unknown_id = upbit.delete("/v1/order", {"identifier": "no-such-identifier"})
    assert unknown_id.status_code == 404 and error_name(unknown_id) == "order_not_found"

    neither = upbit.delete("/v1/order", {"market": "KRW-BTC"})
    assert neither.status_code == 400 and error_name(neither) == "validation_error"
    assert sim.state.stats.upbit_cancels == 1


def test_done_order_lookup_shows_fills(sim, upbit):
    o = first_open(sim)
    sim.state.fill(o["uuid"])
    done = upbit.get("/v1/order", {"uuid": o["uuid"]}).json()
    assert done["state"] == "done"
    assert (
        done["remaining_volume"] == "0" and done["locked"] == "0" and done["remaining_fee"] == "0"
    )
    assert done["executed_volume"] == o["volume"]
    assert done["trades_count"] >= 1


def test_batch_cancel_mixed_ids(sim, upbit):
    opens = [o for o in sim.state.upbit_open_orders()]
    good = [opens[0]["uuid"], opens[1]["uuid"], opens[2]["uuid"]]
    done, cancelled = opens[3]["uuid"], opens[4]["uuid"]
    sim.state.fill(done)
    assert upbit.delete("/v1/order", {"uuid": cancelled}).status_code == 200
    unknown = "11111111-1111-4111-8111-111111111111"
    ids = [good[0], done, good[1], unknown, cancelled, good[2]]
    r = upbit.delete("/v1/orders/uuids", {"uuids[]": ids})
    assert r.status_code == 200
    body = r.json()
    assert body["success"]["count"] == 3
    assert [e["uuid"] for e in body["success"]["orders"]] == good
    assert body["failed"]["count"] == 3
    assert [e["uuid"] for e in body["failed"]["orders"]] == [done, unknown, cancelled]
    by_uuid = {o["uuid"]: o for o in opens}
    for entry in body["success"]["orders"]:
        assert entry["market"] == by_uuid[entry["uuid"]]["market"]
        assert entry.get("identifier") == by_uuid[entry["uuid"]].get("identifier")
    assert [sim.state.upbit_order(u)["state"] for u in good] == ["cancel"] * 3
    assert sim.state.upbit_order(done)["state"] == "done"


def test_batch_cancel_by_identifiers(sim, upbit):
    with_ids = [o for o in sim.state.upbit_open_orders() if "identifier" in o][:3]
    idents = [o["identifier"] for o in with_ids] + ["missing-ident"]
    r = upbit.delete("/v1/orders/uuids", {"identifiers[]": idents})
    body = r.json()
    assert body["success"]["count"] == 3
    assert [e["identifier"] for e in body["success"]["orders"]] == idents[:3]
    assert body["failed"]["orders"] == [
        {"uuid": None, "market": None, "identifier": "missing-ident"}
    ]


def test_batch_cancel_needs_ids_and_bracketed_names(sim, upbit):
    r = upbit.delete("/v1/orders/uuids", {"uuids": [first_open(sim)["uuid"]]})  # no [] suffix
    assert r.status_code == 400 and error_name(r) == "validation_error"


def test_lookup_many_any_state_up_to_100(sim, upbit, make_server):
    opens = sim.state.upbit_open_orders()
    sim.state.fill(opens[0]["uuid"])
    upbit.delete("/v1/order", {"uuid": opens[1]["uuid"]})
    ids = [
        opens[0]["uuid"],
        opens[1]["uuid"],
        opens[2]["uuid"],
        "22222222-2222-4222-8222-222222222222",
    ]
    r = upbit.get("/v1/orders/uuids", {"uuids[]": ids})
    assert r.status_code == 200
    states = {o["uuid"]: o["state"] for o in r.json()}
    assert states == {
        opens[0]["uuid"]: "done",
        opens[1]["uuid"]: "cancel",
        opens[2]["uuid"]: opens[2]["state"],
    }
    created = [o["created_at"] for o in r.json()]
    assert created == sorted(created, reverse=True)  # order_by desc by default

    big = make_server(orders=150)
    from .helpers import Upbit

    client = Upbit(big)
    all_ids = [o["uuid"] for o in big.state.upbit_open_orders()]
    ok = client.get("/v1/orders/uuids", {"uuids[]": all_ids[:100]})
    assert ok.status_code == 200 and len(ok.json()) == 100
    too_many = client.get("/v1/orders/uuids", {"uuids[]": all_ids[:101]})
    assert too_many.status_code == 400 and error_name(too_many) == "validation_error"
    client.close()


def test_lookup_one_not_found(sim, upbit):
    r = upbit.get("/v1/order", {"uuid": "33333333-3333-4333-8333-333333333333"})
    assert r.status_code == 404 and error_name(r) == "order_not_found"
