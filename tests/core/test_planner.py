"""The batch planner: 20 per batch, kinds never mixed, duplicates removed, singles for lone orders."""

from __future__ import annotations

import uuid

from tui.core.planner import plan_cancels
from tui.core.refs import IdKind, OrderRef
from tui.exchanges.b2trader import B2TraderClient
from tui.exchanges.upbit import UpbitClient


def uuids(n: int) -> list[OrderRef]:
    return [OrderRef.uuid(str(uuid.UUID(int=i + 1, version=4))) for i in range(n)]


def plan_upbit(refs):
    return plan_cancels(
        refs,
        batch_max=UpbitClient.batch_cancel_max,
        endpoints=UpbitClient.endpoints,
        id_kinds=UpbitClient.id_kinds,
    )


def test_25_uuids_make_20_plus_5():
    plan = plan_upbit(uuids(25))
    assert [len(r.refs) for r in plan.requests] == [20, 5]
    assert all(r.endpoint == "DELETE /v1/orders/uuids" and r.batch for r in plan.requests)


def test_single_reference_uses_single_endpoint():
    plan = plan_upbit(uuids(1))
    assert [(r.endpoint, r.batch) for r in plan.requests] == [("DELETE /v1/order", False)]


def test_remainder_of_one_uses_single_endpoint():
    plan = plan_upbit(uuids(21))
    assert [(len(r.refs), r.endpoint) for r in plan.requests] == [
        (20, "DELETE /v1/orders/uuids"),
        (1, "DELETE /v1/order"),
    ]


def test_uuids_and_identifiers_never_share_a_batch():
    refs = uuids(3) + [OrderRef.identifier(f"id-{i}") for i in range(4)]
    plan = plan_upbit(refs)
    for req in plan.requests:
        assert len({r.kind for r in req.refs}) == 1
    assert sorted(len(r.refs) for r in plan.requests) == [3, 4]


def test_duplicates_removed_in_first_seen_order():
    refs = uuids(3)
    plan = plan_upbit(refs + refs[::-1] + [OrderRef.uuid(refs[0].value.upper())])
    assert plan.refs == tuple(refs)
    assert plan.duplicates == 4


def test_b2trader_ids_are_unsupported_on_upbit_and_vice_versa():
    b2 = OrderRef.order_id("01K2PF9XS29WN4JZRHMCTTQYJB")
    plan = plan_upbit(uuids(2) + [b2])
    assert plan.unsupported == (b2,)
    b2plan = plan_cancels(
        [b2] + uuids(1),
        batch_max=1,
        endpoints=B2TraderClient.endpoints,
        id_kinds=B2TraderClient.id_kinds,
    )
    assert [r.refs for r in b2plan.requests] == [(b2,)]
    assert b2plan.unsupported[0].kind is IdKind.UUID


def test_b2trader_sends_one_request_per_order():
    refs = [OrderRef.order_id(f"01K2PF9XS29WN4JZRHMCTTQY{c}{d}") for c in "ABCD" for d in "EFGH"]
    plan = plan_cancels(
        refs, batch_max=1, endpoints=B2TraderClient.endpoints, id_kinds=B2TraderClient.id_kinds
    )
    assert plan.request_count == 16
    assert all(not r.batch for r in plan.requests)


def test_summary_counts_batches_and_singles():
    assert plan_upbit(uuids(41)).summary() == "2 batch requests + 1 single request"
