"""The cancel rule model: parsing, validation, matching (protected prefixes always win)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.core.models.b2trader import B2TraderOrder
from tui.core.models.upbit import UpbitOrder
from tui.core.rules import Rule, RuleError, format_duration, parse_duration

NOW = datetime(2026, 12, 2, 3, 0, tzinfo=UTC)


def upbit(**fields) -> UpbitOrder:
    data = {
        "uuid": "u-1",
        "market": "KRW-BTC",
        "side": "bid",
        "state": "wait",
        "price": "100",
        "created_at": (NOW - timedelta(hours=1)).isoformat(),
    }
    data.update(fields)
    return UpbitOrder.from_wire(data)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("2h", 7200), ("3d", 259200), ("1h30m", 5400), (" 2H ", 7200)],
)
def test_durations(text, seconds):
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "5", "5x", "h", "-5m", "1.5h", "5 m", "99999d"])
def test_bad_durations_are_one_line(text):
    with pytest.raises(RuleError) as exc:
        parse_duration(text)
    assert "\n" not in exc.value.message and "duration" in exc.value.message


@given(st.integers(0, 10**6), st.sampled_from("smhd"))
def test_any_number_and_unit_parses_back(n, unit):
    factor = {"s": 1, "m": 60, "h": 3600, "d": 86400}[unit]
    if n * factor > 3650 * 86400:
        with pytest.raises(RuleError):
            parse_duration(f"{n}{unit}")
        return
    value = parse_duration(f"{n}{unit}")
    assert value == timedelta(seconds=n * factor)
    assert parse_duration(format_duration(value)) == value


@given(st.text(max_size=8))
def test_garbage_never_parses_silently(text):
    try:
        value = parse_duration(text)
    except RuleError:
        return
    assert value >= timedelta(0)


def test_each_filter():
    order = upbit(identifier="bot-1")
    assert Rule().matches(order, NOW)
    assert Rule.build(markets=["KRW-BTC"]).matches(order, NOW)
    assert not Rule.build(markets=["KRW-ETH"]).matches(order, NOW)
    assert not Rule.build(exclude_markets=["KRW-BTC"]).matches(order, NOW)
    assert Rule.build(quotes=["KRW"]).matches(order, NOW)
    assert not Rule.build(quotes=["BTC"]).matches(order, NOW)
    assert Rule.build(side="buy").matches(order, NOW)
    assert not Rule.build(side="ask").matches(order, NOW)
    assert not Rule.build(state="watch").matches(order, NOW)
    assert Rule.build(older_than="30m").matches(order, NOW)
    assert not Rule.build(older_than="2h").matches(order, NOW)
    assert Rule.build(newer_than="2h").matches(order, NOW)
    assert not Rule.build(newer_than="30m").matches(order, NOW)
    assert Rule.build(identifier_prefix="bot-").matches(order, NOW)
    assert not Rule.build(identifier_prefix="man-").matches(order, NOW)
    assert not Rule.build(identifier_prefix="x").matches(upbit(), NOW)
    assert Rule.build(min_price="99.5", max_price="100").matches(order, NOW)
    assert not Rule.build(min_price="100.01").matches(order, NOW)
    assert not Rule.build(max_price=Decimal("99")).matches(order, NOW)


def test_b2trader_sides_and_statuses():
    order = B2TraderOrder.from_wire(
        {"orderId": "01J", "marketId": "spot.eth_usdt", "side": "Buy", "status": "Working"}
    )
    assert Rule.build(side="bid").matches(order, NOW)
    assert not Rule.build(side="sell").matches(order, NOW)
    assert Rule.build(state="Working").for_exchange("b2trader").matches(order, NOW)
    assert Rule.build(quotes=["USDT"]).matches(order, NOW)
    assert Rule.build(markets=["spot.eth_usdt"]).for_exchange("b2trader").matches(order, NOW)


@pytest.mark.parametrize(
    ("fields", "exchange", "word"),
    [
        ({"older_than": "5x"}, "upbit", "duration"),
        ({"markets": ["KRW-BTC"], "quotes": ["KRW"]}, "upbit", "cannot be combined"),
        ({"markets": ["btc/krw"]}, "upbit", "market format"),
        ({"markets": ["KRW-BTC"]}, "b2trader", "market format"),
        ({"side": "long"}, "upbit", "side"),
        ({"state": "done"}, "upbit", "state"),
        ({"older_than": "2h", "newer_than": "1h"}, "upbit", "matches nothing"),
        ({"min_price": "5", "max_price": "1"}, "upbit", "price"),
        ({"min_price": 0.1}, "upbit", "float"),
        (
            {"identifier_prefix": "bot-a", "keep_identifier_prefixes": ["bot-"]},
            "upbit",
            "protected",
        ),
        ({"colour": "red"}, "upbit", "unknown key"),
    ],
)
def test_invalid_rules_are_one_line(fields, exchange, word):
    with pytest.raises(RuleError) as exc:
        Rule.build(**fields).for_exchange(exchange)
    assert word in exc.value.message and "\n" not in exc.value.message


ids = st.text(alphabet="abc-", min_size=0, max_size=6)


@given(
    identifier=ids,
    protected=st.lists(st.text(alphabet="abc-", min_size=1, max_size=3), min_size=1, max_size=3),
    side=st.sampled_from([None, "bid", "ask"]),
    prefix=st.one_of(st.none(), st.text(alphabet="abc-", min_size=1, max_size=2)),
)
def test_protected_prefixes_always_win(identifier, protected, side, prefix):
    try:
        rule = Rule.build(side=side, identifier_prefix=prefix, keep_identifier_prefixes=protected)
    except RuleError:
        return  # a prefix under a protected one: refused as matching nothing
    order = upbit(identifier=identifier or None)
    if identifier and any(identifier.startswith(p) for p in protected):
        assert not rule.matches(order, NOW)
    else:
        assert rule.matches(order, NOW) == Rule.build(side=side, identifier_prefix=prefix).matches(
            order, NOW
        )


def test_server_part():
    part = Rule.build(side="ask", quotes=["KRW"], exclude_markets=["KRW-ETH"]).server_part()
    assert part.exact and part.usable and part.cancel_side == "ask"
    assert part.quote_currencies == ("KRW",) and part.excluded_pairs == ("KRW-ETH",)
    inexact = Rule.build(older_than="1h", keep_identifier_prefixes=["bot-"]).server_part()
    assert not inexact.exact and set(inexact.inexact) == {"age", "protected identifiers"}
    assert not Rule.build(state="watch").server_part().usable


def test_merged_extends_lists_and_describe():
    base = Rule.build(markets=["KRW-BTC"], keep_identifier_prefixes=["bot-"])
    rule = base.merged(markets=["KRW-ETH"], side="bid", older_than="2h")
    assert rule.markets == ("KRW-BTC", "KRW-ETH") and rule.side == "bid"
    assert rule.describe() == "markets KRW-BTC,KRW-ETH, side bid, older than 2h, keeping bot-*"
    assert Rule().empty and not rule.empty


RULES = [
    Rule(),
    Rule.build(markets=["KRW-BTC"]),
    Rule.build(exclude_markets=["KRW-BTC"]),
    Rule.build(quotes=["USDT"]),
    Rule.build(side="bid"),
    Rule.build(side="sell"),
    Rule.build(state="watch"),
    Rule.build(older_than="30m"),
    Rule.build(newer_than="30m"),
    Rule.build(identifier_prefix="bot-"),
    Rule.build(keep_identifier_prefixes=["bot-"]),
    Rule.build(min_price="99", max_price="150"),
]


@given(
    market=st.sampled_from(["KRW-BTC", "USDT-ETH", "spot.eth_usdt"]),
    side=st.sampled_from(["bid", "ask"]),
    state=st.sampled_from(["wait", "watch"]),
    age_s=st.integers(0, 7200),
    identifier=st.sampled_from([None, "bot-1", "man-2"]),
    price=st.sampled_from([None, "98", "100", "151"]),
    rule=st.sampled_from(RULES),
)
def test_a_table_row_matches_as_its_order_does(market, side, state, age_s, identifier, price, rule):
    from tui.core.models.row import OrderRow

    fields = {"market": market, "side": side, "state": state, "identifier": identifier}
    fields["created_at"] = (NOW - timedelta(seconds=age_s)).isoformat()
    fields["price"] = price
    order = upbit(**fields)
    assert rule.matches_row(OrderRow.from_order(order), NOW) == rule.matches(order, NOW)
    b2 = B2TraderOrder.from_wire(
        {
            "orderId": "01J",
            "marketId": market,
            "side": "Buy" if side == "bid" else "Sell",
            "status": "Working",
            "createdAt": fields["created_at"],
            "requestedPrice": price,
        }
    )
    assert rule.matches_row(OrderRow.from_order(b2), NOW) == rule.matches(b2, NOW)
