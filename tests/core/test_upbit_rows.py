"""The listing's fast path (tui/core/models/upbit_rows.py) gives exactly the rows the pydantic
path gives, or steps aside; never a row for an order pydantic would refuse."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.reliability.fuzzing import FUZZ
from tests.upbit_fields import UPBIT_AMOUNT_FIELDS
from tui.core import decimal_json
from tui.core.errors import PartialResponse
from tui.core.models.listed_row import ListedRow
from tui.core.models.row import AMOUNT_FIELDS as ROW_AMOUNTS
from tui.core.models.row import OrderRow, stored
from tui.core.models.upbit import UpbitOrder
from tui.core.models.upbit_rows import rows_from_json
from tui.exchanges.http import Reply
from tui.exchanges.upbit_parse import parse_orders, parse_rows

REPLY = Reply(200, b"", httpx.Headers(), 0.0)


def wire(page) -> bytes:
    """The page as the exchange sends it: JSON text (a float stands for a JSON number)."""
    return json.dumps(page, ensure_ascii=False).encode("utf-8", "surrogatepass")


def reply(page) -> Reply:
    return Reply(200, wire(page), httpx.Headers(), 0.0)


def decode(got: Reply):
    return decimal_json.loads(got.body)


def plain_order(i: int, **fields) -> dict:
    order = {
        "uuid": f"{i:08d}-3FE1-4c4e-9629-e988139125a6",
        "side": "bid" if i % 2 else "ask",
        "ord_type": "limit",
        "price": "4445000",
        "state": "wait",
        "market": "KRW-ETH",
        "created_at": "2026-10-21T09:00:05+09:00",
        "volume": "0.0041676",
        "remaining_volume": "0.0041676",
        "executed_volume": "0",
        "reserved_fee": "9.262491",
        "remaining_fee": "9.262491",
        "paid_fee": "0",
        "locked": "18534.244491",
        "trades_count": 0,
    }
    order.update(fields)
    return {k: v for k, v in order.items() if v is not ...}


def slow_rows(body: bytes) -> list[OrderRow] | Exception:
    """What the models make of the page, order by order (or the first refusal)."""
    try:
        return [
            OrderRow.from_upbit(UpbitOrder.from_wire(item)) for item in decimal_json.loads(body)
        ]
    except (ValueError, RecursionError) as exc:
        return exc


def assert_agrees(page: list) -> list[OrderRow] | None:
    body = wire(page)
    fast = rows_from_json(body)
    slow = slow_rows(body)
    if fast is not None:
        assert not isinstance(slow, Exception), f"fast path accepted what pydantic refuses: {slow}"
        assert fast == slow
        for a, b in zip(fast, slow, strict=True):
            assert a.raw == b.raw and list(a.raw) == list(b.raw)  # the wire object, as sent
            assert type(a.price) is type(b.price) and type(a.locked) is type(b.locked)
            assert (a.created_at is None) == (b.created_at is None)
            if a.created_at is not None:
                assert a.created_at.utcoffset() == b.created_at.utcoffset()
    return fast


def test_a_plain_page_takes_the_fast_path_and_equals_the_models():
    page = [plain_order(i) for i in range(100)]
    page[3]["identifier"] = "hedge-000003"
    page[4]["note"] = {"unknown": ["kept"]}  # unknown fields stay in the wire object
    page[5]["price"] = None  # a market order
    page[6].pop("price")
    page[7]["created_at"] = "2026-10-21T00:00:05Z"
    page[8]["created_at"] = "2026-10-21T00:00:05.123456-03:30"
    page[9]["locked"] = "9" * 80 + "." + "1" * 40  # huge but a number
    page[10]["identifier"] = "bid[31m"  # text is kept as sent (the view makes it visible)
    page[11]["identifier"] = "주문-ü"  # UTF-8 as sent, no escapes
    rows = assert_agrees(page)
    assert rows is not None and len(rows) == 100
    assert rows[0].id == page[0]["uuid"].lower()
    assert rows[4].raw is not None and rows[4].raw["note"] == {"unknown": ["kept"]}
    assert rows[9].locked == Decimal("9" * 80 + "." + "1" * 40)
    assert rows[7].created_at == datetime(2026, 10, 21, 0, 0, 5, tzinfo=UTC)
    assert rows[8].created_at is not None
    assert rows[8].created_at.utcoffset() == -timedelta(hours=3, minutes=30)


HOSTILE = [
    ("price", "NaN"),
    ("price", "-Infinity"),
    ("price", "sNaN"),
    ("price", "1e999999"),  # finite, but an exponent: pydantic's path decides
    ("price", " 1"),
    ("price", "1,2"),
    ("price", "١٢٣"),
    ("price", ""),
    ("price", "12\x00"),
    ("price", 5),
    ("price", 1.5),
    ("price", True),
    ("price", ["1"]),
    ("paid_fee", "abc"),  # a field the row does not show is still checked
    ("prevented_locked", "Infinity"),
    ("remaing_fee", "1"),
    ("remaing_fee", None),  # present at all: the model path renames it
    ("remaing_fee", {"a": [1]}),
    ("side", "bid[31m"),  # outside the documented sides: the models take any text
    ("side", "BID"),
    ("ord_type", "stop_limit"),
    ("state", "trigger"),
    ("uuid", None),
    ("uuid", 12),
    ("market", 7),
    ("trades_count", True),
    ("trades_count", "3"),
    ("trades_count", 10**30),
    ("created_at", "2026-13-01T00:00:00+09:00"),
    ("created_at", "2026-10-21T09:00:05"),  # no zone: UTC by the model's rule
    ("created_at", "2026-10-21"),
    ("created_at", 1700000000),
    ("created_at", "2026-10-21T09:00:60+09:00"),
]


@pytest.mark.parametrize(("field", "value"), HOSTILE, ids=[f"{f}={v!r}" for f, v in HOSTILE])
def test_a_hostile_value_never_gets_a_row_pydantic_would_not_give(field, value):
    page = [plain_order(i) for i in range(5)]
    page[2][field] = value
    assert assert_agrees(page) is None  # each of these is for the model path to judge


@pytest.mark.parametrize("key", ["_raw", "model_config", "__dict__", "model_fields"])
def test_keys_named_like_the_models_own_are_kept_as_unknown_fields(key):
    page = [plain_order(i) for i in range(3)]
    page[1][key] = "x"
    rows = assert_agrees(page)
    assert rows is not None and rows[1].raw is not None and rows[1].raw[key] == "x"
    assert rows[1].order is not None and rows[1].order.uuid == page[1]["uuid"]


def test_a_page_that_is_not_a_list_of_objects_steps_aside():
    assert rows_from_json(wire({"uuid": "x"})) is None
    assert rows_from_json(wire([plain_order(1), [plain_order(2)]])) is None
    assert rows_from_json(b"[]") == []
    assert rows_from_json(b"not json") is None


def nested(depth: int) -> list:
    value: list = [1]
    for _ in range(depth):
        value = [value]
    return value


ASIDE = {
    # An escaped key is the same key to the model path; the byte checks cannot read it.
    "escaped key": wire([plain_order(1)]).replace(b'"state"', b'"st\\u0061te"'),
    "escaped underscore key": wire([plain_order(1)]).replace(b'"paid_fee"', b'"\\u005fraw"'),
    "deep nesting": wire([plain_order(1, note=nested(100))]),
    "deep nesting of objects": wire([plain_order(1, note=0)]).replace(
        b'"note": 0', b'"note": ' + b'{"a": ' * 100 + b"1" + b"}" * 100
    ),
    # Each row finds its wire object by its id: a page holding one order twice is the models'.
    "one order twice": wire([plain_order(1), plain_order(2), plain_order(1, state="watch")]),
    "one order twice, in other case": wire(
        [plain_order(1), {**plain_order(1), "uuid": plain_order(1)["uuid"].upper()}]
    ),
    "nesting past the parser's limit": wire([plain_order(1, note=0)]).replace(
        b'"note": 0', b'"note": ' + b"[" * 5000 + b"]" * 5000
    ),
    # JSON escapes every control character: such a page is the model path's to read, which
    # keeps the text as sent.
    "an escaped control character": wire([plain_order(1, side="bid\x1b[31m")]),
}


@pytest.mark.parametrize("name", list(ASIDE))
def test_text_the_byte_checks_cannot_judge_goes_to_the_model_path(name):
    assert rows_from_json(ASIDE[name]) is None
    got = reply(json.loads(ASIDE[name])) if "limit" not in name else None
    if got is not None:  # and parse_rows still gives the model path's rows
        assert parse_rows(got, decode) == slow_rows(got.body)


def test_duplicate_keys_read_as_the_model_path_reads_them():
    body = wire([plain_order(1), plain_order(2, state="watch")]).replace(b"}, {", b", ")
    rows = rows_from_json(body)
    assert rows is not None and rows == slow_rows(body)
    assert rows[0].state == "watch" and rows[0].raw is not None and rows[0].raw["state"] == "watch"


def test_a_row_decodes_its_wire_object_only_when_read_and_the_whole_page_at_once():
    page = [plain_order(i, note={"deep": ["kept", 1.50]}) for i in range(3)]
    rows = rows_from_json(wire(page))
    assert rows is not None and all(r.known for r in rows)
    lazy = stored("raw")
    assert all(type(lazy.__get__(r)) is not dict for r in rows)  # nothing decoded yet
    assert rows[1].raw == {**page[1], "note": {"deep": ["kept", Decimal("1.50")]}}
    assert all(type(lazy.__get__(r)) is not dict for r in (rows[0], rows[2]))
    assert rows[2].raw is not None and rows[2].raw["uuid"] == page[2]["uuid"]
    assert rows[0].order is not None and rows[0].order.uuid == page[0]["uuid"]


def test_a_listed_rows_amounts_stay_text_until_read_then_are_its_decimals():
    page = [plain_order(i, price=f"{i}.50", executed_volume=None) for i in range(3)]
    rows = rows_from_json(wire(page))
    assert rows is not None and all(type(r) is ListedRow for r in rows)
    assert [stored("price").__get__(r) for r in rows] == ["0.50", "1.50", "2.50"]
    assert stored("locked").__get__(rows[0]) == "18534.244491"
    assert stored("executed").__get__(rows[0]) is None
    # a live update keeps the text and the class; the changed field is what it was given
    moved = rows[1].replaced(state="done", executed=Decimal("0.001"))
    assert type(moved) is ListedRow and stored("price").__get__(moved) == "1.50"
    assert moved.executed == Decimal("0.001") and moved.state == "done"
    # read: the exact Decimal, made once and kept in place of the text
    price = rows[1].price
    assert type(price) is Decimal and str(price) == "1.50"
    assert stored("price").__get__(rows[1]) is price and rows[1].price is price
    assert rows[2].locked == Decimal("18534.244491") and type(rows[2].locked) is Decimal
    slow = slow_rows(wire(page))
    assert isinstance(slow, list)
    for name in ROW_AMOUNTS:  # every amount reads as the models make it, row by row
        assert [getattr(r, name) for r in rows] == [getattr(r, name) for r in slow]
    # equal to the models' row (either way round); a changed field makes it unequal
    assert rows == slow and slow == rows and rows[0] != slow[1]
    assert rows[0] != rows[0].replaced(price=Decimal("0.51"))
    assert type(slow[0].replaced(state="done")) is OrderRow


def test_a_missing_uuid_steps_aside():
    assert assert_agrees([plain_order(1), plain_order(2, uuid=...)]) is None


def test_parse_rows_reports_unreadable_orders_like_parse_orders():
    page = [plain_order(i) for i in range(4)]
    page[1]["price"] = "NaN"
    with pytest.raises(PartialResponse) as as_orders:
        parse_orders(copy.deepcopy(page), REPLY)
    with pytest.raises(PartialResponse) as as_rows:
        parse_rows(reply(page), decode)
    assert as_rows.value.unreadable == as_orders.value.unreadable
    assert as_rows.value.orders == OrderRow.many(as_orders.value.orders)
    assert len(as_rows.value.orders) == 3


def test_the_simulators_book_takes_the_fast_path():
    from tui.simulator.config import SimConfig
    from tui.simulator.state import SimState

    book = SimState(SimConfig(orders=1000, b2_orders=0, seed=3)).upbit_open_orders()
    for start in range(0, len(book), 100):
        assert assert_agrees(book[start : start + 100]) is not None


# ---- property: any mix of plain and hostile values -------------------------------------------
plain_amounts = st.decimals(allow_nan=False, allow_infinity=False, places=8).map(
    lambda d: format(d, "f")
)
amounts = st.one_of(
    plain_amounts,
    plain_amounts,
    st.sampled_from(["NaN", "Infinity", "-0", "0.0", "1e3", " 2", "+5", "", ".5", "5."]),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=6),
    st.integers(),
    st.floats(),
    st.booleans(),
    st.none(),
)
ODD_AMOUNTS = ["NaN", "-nan", "sNaN", "Infinity", "-Inf", "1e3", "1E-8", " 2", "2 ", "+5"]
ODD_AMOUNTS += ["", ".5", "5.", "1_000", "0x10", "١٢٣", "1,5", "1\n2", "--1", "1.2.3"]
odd_amounts = st.one_of(
    st.sampled_from(ODD_AMOUNTS),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.text(alphabet="0123456789.-+eE_ ,nNaIif\n\x00", max_size=6),
    plain_amounts,
)
zones = st.sampled_from(["Z", "+09:00", "-03:30", "+00:00", "", "+24:00", "+09"])
times = st.one_of(
    st.builds(
        lambda d, z, f: d.strftime("%Y-%m-%dT%H:%M:%S") + f + z,
        st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1)),
        zones,
        st.sampled_from(["", ".123", ".123456", ".1", ".1234567"]),
    ),
    st.text(max_size=8),
    st.integers(),
    st.none(),
)
texts = st.one_of(st.text(max_size=8), st.none(), st.integers(), st.booleans())
counts = st.one_of(st.integers(-3, 3), st.integers(), st.booleans(), st.text(max_size=2))
AMOUNT_FIELDS = list(UPBIT_AMOUNT_FIELDS)
TEXT_FIELDS = ["market", "side", "ord_type", "state", "time_in_force", "identifier", "smp_type"]


@st.composite
def orders(draw):
    order = plain_order(draw(st.integers(0, 10**6)))
    for name in draw(st.lists(st.sampled_from(AMOUNT_FIELDS), max_size=3)):
        order[name] = draw(amounts)
    for name in draw(st.lists(st.sampled_from(TEXT_FIELDS), max_size=2)):
        order[name] = draw(texts)
    if draw(st.booleans()):
        order["created_at"] = draw(times)
    if draw(st.booleans()):
        order["trades_count"] = draw(counts)
    for name in draw(st.lists(st.sampled_from(list(order)), max_size=2)):
        order.pop(name, None)
    if draw(st.booleans()):
        order[draw(st.text(max_size=6))] = draw(texts)
    return order


@FUZZ
@given(st.lists(orders(), max_size=6))
def test_the_fast_path_agrees_with_the_models_or_steps_aside(page):
    assert_agrees(page)


def test_zones_are_the_same_instant():
    page = [plain_order(1, created_at="2026-10-21T09:00:05+09:00")]
    (row,) = assert_agrees(page) or [None]
    assert row is not None and row.created_at is not None
    assert row.created_at == datetime(2026, 10, 21, 0, 0, 5, tzinfo=timezone.utc)  # noqa: UP017


@FUZZ
@given(
    st.integers(0, 4),
    st.one_of(
        st.tuples(st.sampled_from(AMOUNT_FIELDS), odd_amounts),
        st.tuples(st.sampled_from(TEXT_FIELDS + ["uuid"]), texts),
        st.tuples(st.just("created_at"), times),
        st.tuples(st.just("trades_count"), counts),
    ),
)
def test_one_odd_value_in_a_plain_page(where, field_value):
    """The sharpest case: everything plain but one value, which alone decides."""
    page = [plain_order(i) for i in range(5)]
    field, value = field_value
    page[where][field] = value
    assert_agrees(page)
