"""Stream messages are outside input: any JSON a socket delivers either parses into an event
or is refused with ValueError (the stream then asks for a re-sync), never anything else."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from tui.core.models.stream import OpenOrdersSnapshot, OrderEvent
from tui.exchanges.upbit_stream import parse_message

from .fuzzing import FUZZ

scalars = st.none() | st.booleans() | st.integers() | st.text(max_size=20) | st.floats()
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
FIELDS = [
    "type",
    "uuid",
    "state",
    "code",
    "ask_bid",
    "volume",
    "price",
    "trades_count",
    "order_timestamp",
    "remaining_volume",
    "identifier",
    "orderId",
    "status",
]
events = st.dictionaries(st.sampled_from(FIELDS), values, max_size=len(FIELDS))


@FUZZ
@given(events)
def test_any_upbit_event_parses_or_is_refused(data):
    text = json.dumps(data, allow_nan=True)
    parsed = parse_message(text.encode())
    try:
        event = OrderEvent.from_upbit(parsed)
    except ValueError:
        return
    assert event.id == parsed["uuid"].lower()
    for name in ("volume", "price"):
        value = getattr(event.order, name)
        assert value is None or isinstance(value, Decimal)


@FUZZ
@given(st.lists(events, max_size=4) | values)
def test_any_openorders_item_parses_or_is_refused(item):
    parsed = json.loads(json.dumps(item, allow_nan=True), parse_float=Decimal)
    try:
        snap = OpenOrdersSnapshot.from_b2trader("acc", parsed)
    except ValueError:
        return
    assert len(snap.orders) == len(parsed)
