"""Order models: every documented field, exact decimals, three time formats, extras kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from tests.upbit_fields import UPBIT_AMOUNT_FIELDS
from tui.core import decimal_json
from tui.core.models import B2TraderOrder, OrderRow, UpbitBatchCancel, UpbitOrder
from tui.core.refs import IdKind, OrderRef, RefError

# The global docs' single-cancel example (seed 000): a one-element array, zone-less UTC time.
SEED_000 = """[
  {"uuid": "cdd92199-2897-4e14-9448-f923320408ad", "side": "bid", "ord_type": "limit",
   "price": "153559.00", "state": "wait", "market": "SGD-BTC", "created_at": "2025-07-04T15:00:00",
   "volume": "1.0", "remaining_volume": "1.0", "executed_volume": "0", "reserved_fee": "383.8975",
   "remaining_fee": "383.8975", "paid_fee": "0", "locked": "153942.8975", "prevented_volume": "0",
   "prevented_locked": "0", "trades_count": 0}
]"""

SEED_004 = """{"order": {"marketId": "spot.eth_usdt", "marketDisplayName": "SPOT ETH/USDT",
 "orderId": "01K2PF9XS29WN4JZRHMCTTQYJB", "orderType": "Limit", "side": "Buy", "status": "Cancelled",
 "source": "Manual", "timeInForce": "Gtc", "commission": "0", "requestedAmount": "0.1",
 "remainingAmount": "0.1", "requestedPrice": "4450", "executionPrice": "0",
 "createdAt": "2025-08-15T08:59:51.97Z", "updatedAt": "2025-08-15T09:00:06.2791048Z",
 "rejectDetails": "", "cancellationDate": null, "fillFactor": "0"}}"""


def test_seed_000_array_parses_with_exact_decimals_and_utc():
    order = UpbitOrder.from_wire(decimal_json.loads(SEED_000))
    assert order.price == Decimal("153559.00") and str(order.price) == "153559.00"
    assert order.locked == Decimal("153942.8975")
    assert order.created_at == datetime(2025, 7, 4, 15, 0, tzinfo=UTC)
    assert order.trades_count == 0
    for name in UPBIT_AMOUNT_FIELDS:
        assert isinstance(getattr(order, name), Decimal), name


def test_object_and_one_element_array_both_parse():
    data = decimal_json.loads(SEED_000)
    assert UpbitOrder.from_wire(data[0]).uuid == UpbitOrder.from_wire(data).uuid
    with pytest.raises(ValueError):
        UpbitOrder.from_wire(data * 2)


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("2025-07-04T15:00:00+09:00", timedelta(hours=9)),
        ("2025-07-04T06:00:00Z", timedelta(0)),
        ("2025-07-04T06:00:00", timedelta(0)),
    ],
)
def test_created_at_korea_z_and_zoneless(text, offset):
    order = UpbitOrder.from_wire({"uuid": "u", "created_at": text})
    assert order.created_at.utcoffset() == offset
    assert order.created_at.astimezone(UTC) == datetime(2025, 7, 4, 6, 0, tzinfo=UTC)


def test_all_documented_fields_including_smp_and_identifier():
    data = decimal_json.loads(SEED_000)[0] | {
        "identifier": "my-1",
        "time_in_force": "post_only",
        "smp_type": "cancel_maker",
        "prevented_volume": "0.5",
    }
    order = UpbitOrder.from_wire(data)
    assert (order.identifier, order.time_in_force, order.smp_type) == (
        "my-1",
        "post_only",
        "cancel_maker",
    )
    assert order.prevented_volume == Decimal("0.5")


def test_unknown_fields_are_kept_and_raw_is_unchanged():
    data = {"uuid": "u", "brand_new_field": {"nested": [1, 2]}, "price": "1.10"}
    order = UpbitOrder.from_wire(data)
    assert order.model_extra["brand_new_field"] == {"nested": [1, 2]}
    assert order.raw == data
    assert (
        decimal_json.dumps(order.raw)
        == '{"uuid": "u", "brand_new_field": {"nested": [1, 2]}, "price": "1.10"}'
    )


def test_old_misspelling_remaing_fee_accepted():
    order = UpbitOrder.from_wire({"uuid": "u", "remaing_fee": "1.5"})
    assert order.remaining_fee == Decimal("1.5")


def test_json_numbers_never_become_floats():
    order = UpbitOrder.from_wire(decimal_json.loads('{"uuid": "u", "price": 0.1, "volume": 3}'))
    assert order.price == Decimal("0.1")
    assert order.volume == Decimal(3)


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", True, [1], {"a": 1}])
def test_non_numbers_rejected(bad):
    with pytest.raises(ValueError):
        UpbitOrder.from_wire({"uuid": "u", "price": bad})


def test_b2trader_seed_004_with_nullables():
    order = B2TraderOrder.from_wire(decimal_json.loads(SEED_004))
    assert order.orderId == "01K2PF9XS29WN4JZRHMCTTQYJB"
    assert order.cancellationDate is None
    assert order.requestedPrice == Decimal("4450")
    assert order.updatedAt.microsecond == 279104  # 7 fractional digits accepted
    market = B2TraderOrder.from_wire(
        {"orderId": "01K2PF9XS29WN4JZRHMCTTQYJB", "requestedPrice": None}
    )
    assert market.requestedPrice is None


def test_batch_cancel_shape():
    body = {
        "success": {
            "count": 2,
            "orders": [{"uuid": "a", "market": "SGD-ETH"}, {"uuid": "b", "market": "SGD-ETH"}],
        },
        "failed": {"count": 1, "orders": [{"uuid": "c", "market": "SGD-BTC", "identifier": "x"}]},
    }
    parsed = UpbitBatchCancel.model_validate(body)
    assert [o.uuid for o in parsed.success.orders] == ["a", "b"]
    assert parsed.failed.orders[0].identifier == "x"


def test_row_from_upbit_and_locked_currency():
    order = UpbitOrder.from_wire(decimal_json.loads(SEED_000))
    row = OrderRow.from_order(order)
    assert (row.id_kind, row.market, row.base_quote, row.locked_currency) == (
        IdKind.UUID,
        "SGD-BTC",
        ("BTC", "SGD"),
        "SGD",
    )
    ask = OrderRow.from_order(
        UpbitOrder.from_wire({"uuid": "u", "market": "KRW-ETH", "side": "ask"})
    )
    assert ask.locked_currency == "ETH"
    assert row.wire()["price"] == "153559.00"


def test_row_from_b2trader():
    row = OrderRow.from_order(B2TraderOrder.from_wire(decimal_json.loads(SEED_004)))
    assert (row.id_kind, row.base_quote, row.side, row.is_buy) == (
        IdKind.ORDER_ID,
        ("ETH", "USDT"),
        "buy",
        True,
    )
    assert row.executed == Decimal("0.0")


def test_row_from_bare_reference_is_unknown():
    row = OrderRow.from_ref(OrderRef.identifier("my-1"))
    assert not row.known and row.market is None and row.identifier == "my-1"
    assert row.wire() == {"identifier": "my-1"}


@pytest.mark.parametrize(
    ("maker", "text"),
    [
        (OrderRef.uuid, "not-a-uuid"),
        (OrderRef.order_id, "01K2PF9XS29WN4JZRHMCTTQYJ"),  # 25 characters
        (OrderRef.order_id, "81K2PF9XS29WN4JZRHMCTTQYJB"),  # first character beyond 7
        (OrderRef.order_id, "01K2PF9XS29WN4JZRHMCTTQYJU"),  # U is not Crockford base32
        (OrderRef.identifier, ""),
        (OrderRef.identifier, "a\x00b"),
    ],
)
def test_bad_references_refused(maker, text):
    with pytest.raises(RefError):
        maker(text)


def test_reference_case_normalised():
    assert (
        OrderRef.uuid("CDD92199-2897-4E14-9448-F923320408AD").value
        == "cdd92199-2897-4e14-9448-f923320408ad"
    )
    assert OrderRef.order_id("01k2pf9xs29wn4jzrhmcttqyjb").value == "01K2PF9XS29WN4JZRHMCTTQYJB"


def test_korea_time_with_offset_survives():
    order = UpbitOrder.from_wire({"uuid": "u", "created_at": "2025-07-04T15:00:00+09:00"})
    assert order.created_at.tzinfo is not None and order.created_at.utcoffset() == timezone(
        timedelta(hours=9)
    ).utcoffset(None)
