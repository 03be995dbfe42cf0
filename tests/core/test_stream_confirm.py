"""StreamConfirmations: closings from a live stream confirm cancels; nothing else is claimed."""

from __future__ import annotations

import asyncio

from tests.simulator.helpers import Upbit
from tui.core.models.row import Exchange
from tui.core.models.stream import (
    OpenOrdersSnapshot,
    OrderEvent,
    StreamState,
    StreamStatus,
)
from tui.core.stream_confirm import LEFT, StreamConfirmations
from tui.exchanges.stream_base import Backoff
from tui.exchanges.upbit_stream import UpbitOrderStream

LIVE = StreamStatus(exchange=Exchange.UPBIT, state=StreamState.LIVE)
LOST = StreamStatus(exchange=Exchange.UPBIT, state=StreamState.RECONNECTING, reason="x")


def event(uuid: str, state: str) -> OrderEvent:
    return OrderEvent.from_upbit(
        {"type": "myOrder", "uuid": uuid, "state": state, "code": "KRW-BTC"}
    )


def snapshot(*ids: str) -> OpenOrdersSnapshot:
    return OpenOrdersSnapshot.from_b2trader(
        "acc", [{"orderId": i, "status": "Working"} for i in ids]
    )


async def test_cancel_and_done_events_answer_waits_even_when_they_came_first():
    c = StreamConfirmations()
    c.feed(LIVE)
    c.feed(event("A", "cancel"))  # before the engine asks
    c.feed(event("B", "trade"))  # a partial fill closes nothing
    pending = asyncio.ensure_future(c.wait(["a", "c"], timeout=5))
    await asyncio.sleep(0)
    c.feed(event("C", "done"))
    assert await pending == {"a": "cancel", "c": "done"}
    assert c.outcome("B") is None


async def test_missing_ids_time_out_and_a_stream_not_live_answers_nothing():
    c = StreamConfirmations()
    c.feed(LIVE)
    assert await c.wait(["x"], timeout=0.01) == {}
    c.feed(LOST)
    c.feed(event("Y", "cancel"))
    assert await c.wait(["y"], timeout=5) == {"y": "cancel"}  # known facts still count
    # Not live: returns at once, it does not sit out its hour.
    assert await asyncio.wait_for(c.wait(["z"], timeout=3600), 10) == {}


async def test_losing_the_stream_wakes_a_waiter():
    c = StreamConfirmations()
    c.feed(LIVE)
    pending = asyncio.ensure_future(c.wait(["q"], timeout=30))
    await asyncio.sleep(0)
    c.feed(LOST)
    assert await asyncio.wait_for(pending, 5) == {}


async def test_b2trader_orders_leaving_the_open_set_are_reported_left():
    c = StreamConfirmations()
    c.feed(LIVE)
    c.feed(snapshot("A", "B", "C"))
    c.feed(snapshot("A", "C", "D"))
    assert c.outcome("b") == LEFT and c.outcome("a") is None
    c.feed(LOST)  # a gap: the next snapshot is a new baseline, not a diff
    c.feed(LIVE)
    c.feed(snapshot("D"))
    assert c.outcome("a") is None


async def test_memory_is_bounded():
    c = StreamConfirmations(memory=2)
    for uuid in "abc":
        c.feed(event(uuid, "cancel"))
    assert c.outcome("a") is None and c.outcome("c") == "cancel"


async def test_a_rest_cancel_is_confirmed_by_the_live_simulator_stream(sim):
    creds = sim.credentials["upbit"]
    stream = UpbitOrderStream(
        creds["access_key"], creds["secret_key"], base_url=sim.base_url, backoff=Backoff()
    )
    confirmations = StreamConfirmations()

    async def consume() -> None:
        async for e in stream.watch_orders():
            confirmations.feed(e)

    task = asyncio.ensure_future(consume())
    try:
        while not confirmations.live:
            await asyncio.sleep(0.01)
        uuid = sim.state.upbit_open_orders()[0]["uuid"]
        rest = Upbit(sim)
        await asyncio.to_thread(rest.call, "DELETE", "/v1/order", {"uuid": uuid})
        rest.close()
        assert await confirmations.wait([uuid], timeout=10) == {uuid: "cancel"}
    finally:
        await stream.aclose()
        await asyncio.wait_for(task, 10)
