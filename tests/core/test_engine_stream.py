"""The engine's stream seam (tui/core/engine_stream.py): a live stream's closings settle
cancels without a look-up, on a scripted exchange (httpx.MockTransport) and a fed
StreamConfirmations; and once end to end against the simulator's real streams."""

from __future__ import annotations

import asyncio

import httpx

from tests.reliability.fake_upbit import mock_client
from tests.reliability.fake_upbit import order as upbit_order
from tui.core.engine import CancelEngine, EngineOptions
from tui.core.events import Outcome
from tui.core.models.row import Exchange
from tui.core.models.stream import OpenOrdersSnapshot, OrderEvent, StreamState, StreamStatus
from tui.core.refs import OrderRef
from tui.core.stream_confirm import StreamConfirmations
from tui.exchanges.b2trader import B2TraderClient
from tui.exchanges.http import RetryPolicy

U = "cdd92199-2897-4e14-9448-f923320408ad"
V = "0f0a3c55-51a4-4b5e-9b1f-52f6d6a8e2f1"
FAST = RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.002)
# A long stream wait: a test that expects a look-up is not slowed (no event means the engine
# waits it out), so those use SHORT; those that expect the stream to answer use LONG, which
# the answer cuts short.
LONG = EngineOptions(settle_delays=(0.01, 0.01, 0.01), stream_wait=30.0)
SHORT = EngineOptions(settle_delays=(0.01, 0.01, 0.01), stream_wait=0.05)


def live(exchange: Exchange = Exchange.UPBIT) -> StreamStatus:
    return StreamStatus(exchange=exchange, state=StreamState.LIVE)


def event(uuid: str, state: str) -> OrderEvent:
    return OrderEvent.from_upbit(
        {"type": "myOrder", "uuid": uuid, "state": state, "code": "KRW-BTC"}
    )


class Upbit:
    """Cancels answer as Upbit does (the order as it was: wait); look-ups say `looked_up`.
    `on_cancel(uuid)` runs when a cancel is answered (to feed the stream, as the exchange would)."""

    def __init__(self, looked_up: str = "cancel", on_cancel=None) -> None:
        self.looked_up = looked_up
        self.on_cancel = on_cancel
        self.deletes = 0
        self.lookups = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            self.deletes += 1
            uid = request.url.params.get("uuid") or U
            if self.on_cancel is not None:
                self.on_cancel(uid)
            return httpx.Response(200, json=upbit_order(uid, "wait"))
        self.lookups += 1
        uuids = request.url.params.get_list("uuids[]") or [U]
        return httpx.Response(200, json=[upbit_order(u, self.looked_up) for u in uuids])


def run_upbit(exchange: Upbit, refs, conf, options=LONG):
    async def go():
        client = mock_client(exchange, retry=FAST)
        try:
            return await CancelEngine(client, options=options, confirmations=conf).run(refs)
        finally:
            await client.aclose()

    return asyncio.run(go())


def test_a_cancel_event_confirms_without_a_look_up():
    conf = StreamConfirmations()
    conf.feed(live())
    exchange = Upbit(on_cancel=lambda uid: conf.feed(event(uid, "cancel")))
    report = run_upbit(exchange, [OrderRef.uuid(U)], conf)
    result = report.results[f"uuid:{U}"]
    assert result.outcome is Outcome.CANCELLED and result.confirmed and result.by_stream
    assert result.row is not None and result.row.state == "cancel"
    assert exchange.deletes == 1 and exchange.lookups == 0
    assert report.stream_confirmed == 1 and report.lookups_saved == 1


def test_no_event_in_time_is_looked_up_as_before():
    conf = StreamConfirmations()
    conf.feed(live())
    exchange = Upbit(looked_up="cancel")
    report = run_upbit(exchange, [OrderRef.uuid(U)], conf, SHORT)
    assert report.results[f"uuid:{U}"].outcome is Outcome.CANCELLED
    assert exchange.lookups == 1 and report.stream_confirmed == 0 and report.lookups_saved == 0


def test_a_stream_not_live_is_not_waited_for_and_changes_nothing():
    conf = StreamConfirmations()  # never live
    exchange = Upbit(looked_up="cancel", on_cancel=lambda uid: conf.feed(event(uid, "cancel")))
    report = run_upbit(exchange, [OrderRef.uuid(U)], conf, EngineOptions(stream_wait=3600))
    assert exchange.lookups == 1 and report.stream_confirmed == 0


def test_done_before_the_cancel_fails_it_and_nothing_is_sent():
    conf = StreamConfirmations()
    conf.feed(live())
    conf.feed(event(U, "done"))  # it filled before we asked
    exchange = Upbit()
    report = run_upbit(exchange, [OrderRef.uuid(U), OrderRef.uuid(V)], conf, SHORT)
    filled = report.results[f"uuid:{U}"]
    assert filled.outcome is Outcome.FAILED and filled.error.name == "order_filled"
    assert exchange.deletes == 1  # only V went out
    assert report.stream_skipped == 1
    assert report.results[f"uuid:{V}"].outcome is Outcome.CANCELLED


def test_done_after_an_unanswered_cancel_is_a_failure_without_a_look_up():
    conf = StreamConfirmations()
    conf.feed(live())

    def handle(request: httpx.Request) -> httpx.Response:
        if request.method == "DELETE":
            conf.feed(event(U, "done"))  # the fill beat the cancel; the answer is lost
            raise httpx.ReadTimeout("timed out", request=request)
        raise AssertionError("no look-up expected")

    async def go():
        client = mock_client(handle, retry=RetryPolicy(max_attempts=1, base_delay=0.001))
        try:
            return await CancelEngine(client, options=LONG, confirmations=conf).run(
                [OrderRef.uuid(U)]
            )
        finally:
            await client.aclose()

    result = asyncio.run(go()).results[f"uuid:{U}"]
    assert result.outcome is Outcome.FAILED and result.error.name == "order_filled"


def test_the_stream_never_says_an_order_is_open():
    """A partial fill (trade) is no closing: the engine looks the order up, and the look-up's
    open answer makes it wait and look again, as without a stream."""
    conf = StreamConfirmations()
    conf.feed(live())
    exchange = Upbit(looked_up="wait", on_cancel=lambda uid: conf.feed(event(uid, "trade")))
    report = run_upbit(exchange, [OrderRef.uuid(U)], conf, SHORT)
    assert exchange.lookups >= 2 and report.stream_confirmed == 0


def b2_client(handle) -> B2TraderClient:
    return B2TraderClient(
        "https://b2.test", "token-123456", "acc", retry=FAST, transport=httpx.MockTransport(handle)
    )


B1, B2 = "01K2PF9XS29WN4JZRHMCTTQYJB", "01K2PF9XS29WN4JZRHMCTTQYJC"


def snapshot(*ids: str) -> OpenOrdersSnapshot:
    return OpenOrdersSnapshot.from_b2trader(
        "acc", [{"orderId": i, "status": "Working"} for i in ids]
    )


def test_b2trader_an_accepted_cancel_whose_order_left_the_open_set_is_settled():
    sends: list[str] = []
    stream: list[StreamConfirmations] = []

    def handle(request: httpx.Request) -> httpx.Response:
        oid = request.url.path.rsplit("/", 1)[-1]
        sends.append(oid)
        conf = stream[-1]
        if oid == B1:
            conf.feed(snapshot(B2))  # B1 left the set
            return httpx.Response(200, json={"order": {"orderId": B1, "status": "Working"}})
        conf.feed(snapshot())  # B2 left too, but its answer was lost
        raise httpx.ReadTimeout("timed out", request=request)

    def run(use_stream: bool):
        conf = StreamConfirmations()
        conf.feed(live(Exchange.B2TRADER))
        conf.feed(snapshot(B1, B2))
        stream.append(conf)
        sends.clear()

        async def go():
            client = b2_client(handle)
            try:
                engine = CancelEngine(
                    client, options=LONG, confirmations=conf if use_stream else None
                )
                return await engine.run([OrderRef.order_id(B1), OrderRef.order_id(B2)])
            finally:
                await client.aclose()

        return asyncio.run(go())

    run(use_stream=False)
    assert sends.count(B2) == 2  # without the stream, the unanswered cancel is sent again
    report = run(use_stream=True)
    assert sends.count(B2) == 1  # with it, the order is known gone: not sent again
    first = next(r for r in report.results.values() if r.ref.value == B1)
    assert first.outcome is Outcome.CANCELLED and first.confirmed
    second = next(r for r in report.results.values() if r.ref.value == B2)
    # Gone after an unanswered cancel: cancelled or filled, left for a manual check.
    assert second.outcome is Outcome.UNKNOWN and second.error.name == "needs_manual_check"
    assert report.stream_confirmed == 1


async def test_end_to_end_the_simulators_stream_saves_the_look_ups(make_sim):
    """Real HTTP and WebSockets on 127.0.0.1: 60 orders cancelled (3 batches) with the
    stream live are confirmed by its cancel events; the same run without it looks them up."""
    from tui.exchanges.upbit import UpbitClient
    from tui.exchanges.upbit_stream import UpbitOrderStream

    sim = make_sim(seed=7, orders=120)
    creds = sim.credentials["upbit"]
    ids = [o["uuid"] for o in sim.state.upbit_open_orders()]
    first, second = ids[:60], ids[60:]

    async def cancel(uuids, conf):
        client = UpbitClient(creds["access_key"], creds["secret_key"], base_url=sim.base_url)
        try:
            engine = CancelEngine(client, options=EngineOptions(stream_wait=10), confirmations=conf)
            return await engine.run([OrderRef.uuid(u) for u in uuids])
        finally:
            await client.aclose()

    stream = UpbitOrderStream(creds["access_key"], creds["secret_key"], base_url=sim.base_url)
    conf = StreamConfirmations()

    async def consume() -> None:
        async for e in stream.watch_orders():
            conf.feed(e)

    task = asyncio.ensure_future(consume())
    try:
        while not conf.live:
            await asyncio.sleep(0.01)
        with_stream = await cancel(first, conf)
    finally:
        await stream.aclose()
        await asyncio.wait_for(task, 10)
    without = await cancel(second, None)
    assert with_stream.counts["cancelled"] == 60 and without.counts["cancelled"] == 60
    assert with_stream.stream_confirmed == 60 and with_stream.lookups_saved == 1
    # 3 batch cancels each; the run without the stream adds its look-up (60 ids: 1 request).
    assert with_stream.requests == 3 and without.requests == 4
    truth = sim.state.truth()["upbit"]
    assert all(truth[u] == "cancel" for u in ids)
