"""Must show 6 (exchange side): answers that are not JSON, JSON of the wrong shape, huge
bodies or fields of the wrong type give a typed error for that order, never a crash of the
run. Fuzzed at three levels: the models, the client calls, and whole engine runs."""

from __future__ import annotations

import asyncio
import json
import uuid as uuidlib

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tui.core.engine import CancelEngine, EngineOptions
from tui.core.errors import BadResponse, OrderTuiError
from tui.core.events import Outcome
from tui.core.models.b2trader import B2TraderOrder
from tui.core.models.row import OrderRow
from tui.core.models.upbit import UpbitBatchCancel, UpbitOrder
from tui.core.ratelimit import RateLimits
from tui.core.refs import OrderRef
from tui.exchanges.b2trader import B2TraderClient
from tui.exchanges.http import MAX_BODY_BYTES, RetryPolicy
from tui.exchanges.upbit import UpbitClient

from .fake_upbit import mock_client, order
from .fuzzing import FUZZ, FUZZ_HEAVY

FAST = RetryPolicy(
    max_attempts=2, max_rate_limited=1, base_delay=0.0, max_delay=0.0, max_retry_after=0.0
)


def quick_limits() -> RateLimits:
    """A limiter whose pauses are milliseconds (the fuzzers meet many 429s)."""
    return RateLimits({"default": (10_000, 0.001), "b2trader": (10_000, 0.001)}, margin=0.0)


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.text(max_size=20),
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=12,
)
UPBIT_FIELDS = list(order("00000000-0000-0000-0000-000000000000")) + [
    "identifier",
    "time_in_force",
    "smp_type",
    "prevented_volume",
    "remaing_fee",
]
# An order object whose every field may have any type (the uuid too, sometimes).
upbit_like = st.fixed_dictionaries(
    {"uuid": st.one_of(st.uuids().map(str), scalars)},
    optional={k: st.one_of(scalars, json_values) for k in UPBIT_FIELDS if k != "uuid"},
)
b2_like = st.fixed_dictionaries(
    {"orderId": st.one_of(st.just("01J0000000000000000000000A"), scalars)},
    optional={
        k: st.one_of(scalars, json_values)
        for k in (
            "marketId",
            "status",
            "side",
            "requestedAmount",
            "remainingAmount",
            "createdAt",
            "commission",
            "fillFactor",
        )
    },
)


def _body(value) -> bytes:
    return json.dumps(value, default=str).encode()


bodies = st.one_of(
    st.binary(max_size=300),  # not JSON at all
    json_values.map(_body),  # JSON of any shape
    upbit_like.map(_body),  # an order, any field types
    st.lists(upbit_like, max_size=4).map(_body),  # a list of such
    st.fixed_dictionaries({"success": json_values, "failed": json_values}).map(_body),
    st.fixed_dictionaries(
        {
            "success": st.fixed_dictionaries(
                {
                    "count": scalars,
                    "orders": st.lists(
                        st.dictionaries(st.sampled_from(["uuid", "market", "identifier"]), scalars),
                        max_size=3,
                    ),
                }
            )
        }
    ).map(_body),
    st.integers(1, 4000).map(lambda n: b"[" * n),  # nesting deeper than any parser
    st.sampled_from(
        [b"", b"null", b"{}", b"[]", b"\xff\xfe", b'{"error": null}', b'{"error": "x"}']
    ),
)
statuses = st.sampled_from(
    [200, 200, 200, 201, 204, 400, 401, 404, 409, 418, 429, 500, 502, 503, 504]
)
headers = st.dictionaries(
    st.sampled_from(["Remaining-Req", "Retry-After", "Content-Type"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
    max_size=3,
)
answers = st.tuples(statuses, bodies, headers)


# ---- models -----------------------------------------------------------------------------------
@FUZZ
@given(st.one_of(json_values, upbit_like, st.lists(upbit_like, max_size=2)))
def test_upbit_order_parses_or_raises_value_error(value):
    try:
        parsed = UpbitOrder.from_wire(value)
    except ValueError:
        return
    row = OrderRow.from_order(parsed)  # whatever parsed can be shown
    assert isinstance(row.id, str)
    json.dumps(parsed.raw, default=str)


@FUZZ
@given(st.one_of(json_values, b2_like, st.fixed_dictionaries({"order": b2_like})))
def test_b2trader_order_parses_or_raises_value_error(value):
    try:
        parsed = B2TraderOrder.from_wire(value)
    except ValueError:
        return
    assert isinstance(OrderRow.from_order(parsed).id, str)


@FUZZ
@given(json_values)
def test_batch_answer_parses_or_raises_value_error(value):
    try:
        UpbitBatchCancel.model_validate(value)
    except ValueError:
        pass


# ---- client calls -----------------------------------------------------------------------------
def _client(cls, answer_list):
    replies = iter(answer_list)

    def handler(request: httpx.Request) -> httpx.Response:
        try:
            status, body, extra = next(replies)
        except StopIteration:
            status, body, extra = 503, b"", {}
        return httpx.Response(status, content=body, headers=extra)

    transport = httpx.MockTransport(handler)
    if cls is UpbitClient:
        return mock_client(transport, retry=FAST, limits=quick_limits())
    return B2TraderClient(
        "https://broker.test",
        "token-token-token",
        "acc-1",
        transport=transport,
        retry=FAST,
        limits=quick_limits(),
    )


UUIDS = [OrderRef.uuid(str(uuidlib.UUID(int=i + 1))) for i in range(3)]


@FUZZ
@given(st.lists(answers, min_size=1, max_size=3), st.sampled_from(["one", "batch", "lookup", "b2"]))
def test_client_calls_return_or_raise_a_typed_error(answer_list, call):
    async def go():
        client = _client(B2TraderClient if call == "b2" else UpbitClient, answer_list)
        try:
            if call == "one":
                ack = await client.cancel_one(UUIDS[0])
                assert ack.ref == UUIDS[0]
            elif call == "batch":
                result = await client.cancel_batch(UUIDS)
                named = [a.ref for a in result.accepted + result.refused] + result.unmatched
                assert sorted(named, key=str) == sorted(UUIDS, key=str)  # each order exactly once
            elif call == "lookup":
                assert all(isinstance(o, UpbitOrder) for o in await client.lookup(UUIDS))
            else:
                await client.cancel_one(OrderRef.order_id("01J0000000000000000000000A"))
        except OrderTuiError as exc:
            assert exc.message  # typed, with something to show
        finally:
            await client.aclose()

    asyncio.run(go())


# ---- whole runs -------------------------------------------------------------------------------
@FUZZ_HEAVY
@given(st.lists(answers, min_size=1, max_size=12), st.integers(1, 3))
def test_engine_run_survives_any_answers(answer_list, n):
    refs = UUIDS[:n]

    async def go():
        client = _client(UpbitClient, answer_list)
        engine = CancelEngine(client, options=EngineOptions(settle_delays=(0, 0, 0), max_rounds=2))
        try:
            return await engine.run(refs)
        finally:
            await client.aclose()

    report = asyncio.run(go())
    assert sorted(report.results) == sorted(r.key for r in refs)  # each order, once
    # Hostile answers are the exchange's problem, never a crash of ours that the catch-all
    # turned into an outcome: no internal error, however the run ended.
    assert report.internal_errors == 0
    for result in report.results.values():
        if result.outcome is not Outcome.CANCELLED:
            assert result.error is not None and result.error.name, result  # a typed reason
            assert result.error.name != "internal_error", result
        json.dumps(result.as_dict(), default=str)


# ---- specific hostile answers ----------------------------------------------------------------
def _run_with(handler, refs):
    async def go():
        client = mock_client(handler, retry=FAST, limits=quick_limits())
        try:
            return await CancelEngine(client, options=EngineOptions(settle_delays=(0, 0, 0))).run(
                refs
            )
        finally:
            await client.aclose()

    return asyncio.run(asyncio.wait_for(go(), 30))


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000,
        b'{"a":' * 50_000,
        b"<html>502 Bad Gateway</html>",
        b'{"uuid": 12, "state": ["wait"]}',
        b"null",
    ],
    ids=["deep-array", "deep-object", "html", "wrong-types", "null"],
)
def test_an_unreadable_cancel_answer_is_a_typed_error_for_that_order(body):
    ref = UUIDS[0]
    state = {"cancelled": False}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            state["cancelled"] = True  # the exchange acted; its answer is garbage
            return httpx.Response(200, content=body)
        return httpx.Response(
            200, json=[order(ref.value, "cancel" if state["cancelled"] else "wait")]
        )

    report = _run_with(handler, [ref])
    result = report.results[ref.key]
    # the garbage made the outcome ambiguous; the look-up settled it
    assert result.outcome is Outcome.CANCELLED and result.confirmed


def test_a_huge_answer_is_cut_off_and_settled_by_look_up():
    ref = UUIDS[0]
    big = b'{"uuid": "' + b"x" * (MAX_BODY_BYTES + 10) + b'"}'

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return httpx.Response(200, content=big)
        return httpx.Response(200, json=[order(ref.value, "cancel")])

    async def direct():
        client = mock_client(handler, retry=FAST)
        try:
            with pytest.raises(BadResponse, match="larger than"):
                await client.cancel_one(ref)
        finally:
            await client.aclose()

    asyncio.run(direct())
    assert _run_with(handler, [ref]).results[ref.key].outcome is Outcome.CANCELLED


def test_a_malformed_item_in_a_look_up_leaves_only_that_order_unsettled():
    good, bad = UUIDS[0], UUIDS[1]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            return httpx.Response(
                200,
                json={
                    "success": {"count": 2, "orders": [{"uuid": good.value}, {"uuid": bad.value}]},
                    "failed": {"count": 0, "orders": []},
                },
            )
        return httpx.Response(
            200,
            json=[
                order(good.value, "cancel"),
                {**order(bad.value, "cancel"), "created_at": {"not": "a time"}},
            ],
        )

    report = _run_with(handler, [good, bad])
    assert (
        report.results[good.key].outcome is Outcome.CANCELLED and report.results[good.key].confirmed
    )
    # the exchange accepted the other one; its look-up answer was unreadable, so it stays unconfirmed
    assert (
        report.results[bad.key].outcome is Outcome.CANCELLED
        and not report.results[bad.key].confirmed
    )


@pytest.mark.parametrize(
    ("retry_after", "pause"),
    [
        ("inf", None),
        ("nan", None),
        ("soon", None),
        ("1e12", RetryPolicy().max_retry_after),
        ("-5", 0.0),
        ("2", 2.0),
    ],
)
def test_a_hostile_retry_after_never_stalls_the_run(retry_after, pause):
    ref = UUIDS[0]
    calls = []
    pauses = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(
                429, headers={"Retry-After": retry_after}, text="Too many requests"
            )
        if request.method == "DELETE":
            return httpx.Response(200, json=order(ref.value))
        return httpx.Response(200, json=[order(ref.value, "cancel")])

    async def go():
        client = mock_client(handler)
        client.limits.penalize = lambda group, seconds=None, sent_at=None: (
            pauses.append(seconds) or 0.0
        )  # record, don't wait
        try:
            return await CancelEngine(client, options=EngineOptions(settle_delays=(0, 0, 0))).run(
                [ref]
            )
        finally:
            await client.aclose()

    report = asyncio.run(asyncio.wait_for(go(), 20))
    assert report.results[ref.key].outcome is Outcome.CANCELLED
    assert pauses == [pause]
    assert RetryPolicy().max_retry_after <= 60
