"""The product's order streams against the simulator over real WebSockets on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

import httpx
import pytest

from tests.simulator.helpers import Upbit
from tui.core.models.stream import (
    OpenOrdersSnapshot,
    OrderEvent,
    ResyncNeeded,
    StreamState,
    StreamStatus,
)
from tui.exchanges.b2trader_stream import B2TraderOrderStream, SignalRFraming
from tui.exchanges.stream_base import Backoff
from tui.exchanges.upbit import UpbitClient
from tui.exchanges.upbit_stream import UpbitOrderStream

TIMEOUT = 10.0
FAST = Backoff(first=0.05, cap=0.2)


def upbit_stream(sim, key: str = "upbit", **kw) -> UpbitOrderStream:
    creds = sim.credentials[key]
    kw.setdefault("backoff", FAST)
    return UpbitOrderStream(creds["access_key"], creds["secret_key"], base_url=sim.base_url, **kw)


def b2_stream(sim, token: str | None = None, account: str | None = None, **kw):
    creds = sim.credentials["b2trader"]
    kw.setdefault("backoff", FAST)
    return B2TraderOrderStream(
        sim.base_url, token or creds["token"], account or creds["account_id"], **kw
    )


class Reader:
    """Pulls events one at a time: while the test holds, the stream does not move on."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.events = stream.watch_orders().__aiter__()
        self.seen: list = []

    async def next(self, want=lambda e: True):
        while True:
            event = await asyncio.wait_for(self.events.__anext__(), TIMEOUT)
            self.seen.append(event)
            if want(event):
                return event

    async def order(self, uuid: str | None = None) -> OrderEvent:
        return await self.next(
            lambda e: isinstance(e, OrderEvent) and (uuid is None or e.id == uuid)
        )

    async def close(self) -> None:
        await self.stream.aclose()
        await self.events.aclose()


def is_status(state: StreamState):
    return lambda e: isinstance(e, StreamStatus) and e.state is state


def post(sim, path: str, **kw) -> httpx.Response:
    return httpx.post(sim.base_url + path, timeout=TIMEOUT, **kw)


async def test_upbit_live_then_resync_then_events(sim):
    orders = sim.state.upbit_open_orders()
    reader = Reader(upbit_stream(sim))
    try:
        assert (await reader.next()).state is StreamState.LIVE
        assert isinstance(await reader.next(), ResyncNeeded)
        rest = Upbit(sim)
        rest.call("DELETE", "/v1/order", {"uuid": orders[0]["uuid"]}).raise_for_status()
        rest.close()
        event = await reader.order(orders[0]["uuid"])
        assert event.event_state == "cancel" and event.closed
        assert event.order.state == "cancel" and event.order.market == orders[0]["market"]
        assert isinstance(event.raw["volume"], Decimal)
        assert event.order.volume == Decimal(orders[0]["volume"])

        post(sim, f"/_sim/trade/{orders[1]['uuid']}").raise_for_status()
        event = await reader.order(orders[1]["uuid"])
        assert event.event_state == "trade" and not event.closed
        assert event.order.state == "wait"
        assert event.order.executed_volume > Decimal(orders[1]["executed_volume"])

        post(sim, f"/_sim/fill/{orders[2]['uuid']}").raise_for_status()
        assert (await reader.order(orders[2]["uuid"])).event_state == "trade"
        done = await reader.order(orders[2]["uuid"])
        assert done.event_state == "done" and done.closed and done.order.remaining_volume == 0

        added = post(sim, "/_sim/upbit/orders").json()["order"]
        event = await reader.order(added["uuid"])
        assert event.event_state == "wait" and event.order.created_at is not None
    finally:
        await reader.close()


async def test_upbit_markets_filter(sim):
    reader = Reader(upbit_stream(sim, codes=["krw-eth"]))
    try:
        await reader.next(lambda e: isinstance(e, ResyncNeeded))
        post(sim, "/_sim/upbit/orders", json={"market": "KRW-BTC"})
        eth = post(sim, "/_sim/upbit/orders", json={"market": "KRW-ETH"}).json()["order"]
        assert (await reader.order()).id == eth["uuid"]
    finally:
        await reader.close()


async def test_upbit_refused_credentials_turn_the_stream_off(sim):
    creds = sim.credentials["upbit"]
    stream = UpbitOrderStream(creds["access_key"], "x" * 40, base_url=sim.base_url)
    reader = Reader(stream)
    off = await reader.next()
    assert off.state is StreamState.OFF and "401" in off.reason
    with pytest.raises(StopAsyncIteration):
        await reader.events.__anext__()


async def test_upbit_keepalive_holds_an_idle_connection(make_sim):
    sim = make_sim(stream_idle_timeout=0.5)
    reader = Reader(upbit_stream(sim, ping_interval=0.05))
    try:
        await reader.next(lambda e: isinstance(e, ResyncNeeded))
        hub = sim.state.events
        # Many keep-alive rounds (each answered UP) longer than the idle timeout.
        while hub.counters["messages"] < 40:
            await asyncio.sleep(0.02)
        uuid = sim.state.upbit_open_orders()[0]["uuid"]
        post(sim, f"/_sim/fill/{uuid}").raise_for_status()
        await reader.order(uuid)
        assert reader.stream.connects == 1
        assert not any(isinstance(e, StreamStatus) and e.state != "live" for e in reader.seen)
    finally:
        await reader.close()


async def test_upbit_idle_close_without_keepalive_reconnects(make_sim):
    sim = make_sim(stream_idle_timeout=0.2)
    reader = Reader(upbit_stream(sim, ping_interval=3600))
    try:
        await reader.next(is_status(StreamState.LIVE))
        lost = await reader.next(is_status(StreamState.RECONNECTING))
        assert "code 1000" in lost.reason
        await reader.next(is_status(StreamState.LIVE))
    finally:
        await reader.close()


async def test_upbit_drop_reconnect_resync_misses_nothing(sim):
    """A consumer that re-lists over REST on every ResyncNeeded ends with the truth, even
    for a cancel made while the stream was down (its event is lost)."""
    creds = sim.credentials["upbit"]
    rest = UpbitClient(creds["access_key"], creds["secret_key"], base_url=sim.base_url)
    view: dict[str, str] = {}
    reader = Reader(upbit_stream(sim))

    async def apply(event) -> None:
        if isinstance(event, ResyncNeeded):
            view.clear()
            view.update({o.uuid: o.state or "" for o in await rest.list_open()})
        elif isinstance(event, OrderEvent):
            if event.closed:
                view.pop(event.id, None)
            else:
                view[event.id] = event.order.state or ""

    async def until(want):
        while True:
            event = await reader.next()
            await apply(event)
            if want(event):
                return event

    try:
        await until(lambda e: isinstance(e, ResyncNeeded))
        gone = next(iter(view))
        assert post(sim, "/_sim/drop-streams").json()["dropped"] == 1
        await until(is_status(StreamState.RECONNECTING))
        # The stream is down and waits for this reader: the cancel's event is lost.
        sync = Upbit(sim)
        sync.call("DELETE", "/v1/order", {"uuid": gone}).raise_for_status()
        sync.close()
        await until(lambda e: isinstance(e, ResyncNeeded))
        added = post(sim, "/_sim/upbit/orders").json()["order"]
        await until(lambda e: isinstance(e, OrderEvent) and e.id == added["uuid"])
        truth = {o["uuid"]: o["state"] for o in sim.state.upbit_open_orders()}
        assert view == truth and gone not in view
        assert not any(isinstance(e, OrderEvent) and e.id == gone for e in reader.seen)
        assert reader.stream.connects == 2
    finally:
        await reader.close()
        await rest.aclose()


async def test_upbit_stream_drop_rate_fault_reconnects(make_sim):
    sim = make_sim(stream_drop_rate=1.0)
    reader = Reader(upbit_stream(sim))
    try:
        await reader.next(is_status(StreamState.LIVE))
        post(sim, "/_sim/upbit/orders").raise_for_status()
        lost = await reader.next(is_status(StreamState.RECONNECTING))
        assert "1011" in lost.reason
        await reader.next(is_status(StreamState.LIVE))
    finally:
        await reader.close()


# ---- B2TRADER -------------------------------------------------------------------------------


def b2_open_ids(sim) -> list[str]:
    account = sim.credentials["b2trader"]["account_id"]
    return [o.order_id for o in sim.state.b2.ordered() if o.account_id == account and o.cancellable]


async def test_b2_snapshot_lists_open_orders_and_follows_changes(sim):
    reader = Reader(b2_stream(sim))
    try:
        assert (await reader.next()).state is StreamState.LIVE
        snap = await reader.next()
        assert isinstance(snap, OpenOrdersSnapshot)
        ids = b2_open_ids(sim)
        assert [o.orderId for o in snap.orders] == ids
        first = snap.orders[0]
        assert first.commission == Decimal(first.raw["commissionAmount"])
        assert isinstance(first.requestedAmount, Decimal)

        post(sim, f"/_sim/trade/{ids[1]}").raise_for_status()
        snap = await reader.next(lambda e: isinstance(e, OpenOrdersSnapshot))
        assert snap.orders[1].remainingAmount < snap.orders[1].requestedAmount

        post(sim, f"/_sim/fill/{ids[0]}").raise_for_status()
        snap = await reader.next(lambda e: isinstance(e, OpenOrdersSnapshot))
        assert [o.orderId for o in snap.orders] == ids[1:]

        post(sim, "/_sim/drop-streams").raise_for_status()
        await reader.next(is_status(StreamState.RECONNECTING))
        snap = await reader.next(lambda e: isinstance(e, OpenOrdersSnapshot))
        assert [o.orderId for o in snap.orders] == b2_open_ids(sim)
    finally:
        await reader.close()


async def test_b2_refusals_turn_the_stream_off(sim):
    off = await Reader(b2_stream(sim, token="not-the-token")).next()
    assert off.state is StreamState.OFF and "401" in off.reason
    off = await Reader(b2_stream(sim, account="someone-else")).next()
    assert off.state is StreamState.OFF and "OpenOrders refused" in off.reason


async def test_b2_server_silence_counts_as_lost(make_sim):
    sim = make_sim(signalr_ping_interval=3600)
    reader = Reader(b2_stream(sim, server_timeout=0.2))
    try:
        await reader.next(is_status(StreamState.LIVE))
        lost = await reader.next(is_status(StreamState.RECONNECTING))
        assert "no message" in lost.reason
    finally:
        await reader.close()


def test_signalr_framing_keeps_partial_records():
    framing = SignalRFraming()
    assert framing.feed('{"type":6}\x1e{"ty') == ['{"type":6}']
    assert framing.feed('pe":2}\x1e') == ['{"type":2}']


async def test_b2_token_never_in_logs_reasons_or_urls(sim, caplog):
    """The token travels in the query string; it must not show anywhere a person looks."""
    token = sim.credentials["b2trader"]["token"]
    caplog.set_level(logging.DEBUG)
    shown: list[str] = []
    for stream in (
        b2_stream(sim),  # connects (websockets logs the request line at DEBUG)
        b2_stream(sim, account="someone-else"),
        B2TraderOrderStream("http://127.0.0.1:9", token, "a", max_attempts=1, backoff=FAST),
    ):
        shown += [repr(stream), stream.shown_url]
        reader = Reader(stream)
        try:
            while True:
                event = await reader.next()
                if isinstance(event, StreamStatus):
                    shown.append(event.line())
                if isinstance(event, OpenOrdersSnapshot) or event.state is StreamState.OFF:
                    break
        finally:
            await reader.close()
    text = "\n".join(shown) + "\n" + caplog.text
    assert "access_token=[redacted]" in caplog.text  # the request line was logged, scrubbed
    assert token not in text
    assert token[-20:] not in text


async def test_aclose_ends_a_live_stream_at_once(sim):
    for stream in (upbit_stream(sim), b2_stream(sim)):
        events = stream.watch_orders().__aiter__()
        while True:
            event = await asyncio.wait_for(events.__anext__(), TIMEOUT)
            if isinstance(event, StreamStatus) and event.state is StreamState.LIVE:
                break
        pending = asyncio.ensure_future(events.__anext__())  # blocked on the connection
        await asyncio.sleep(0)
        await stream.aclose()
        while True:
            event = await asyncio.wait_for(pending, TIMEOUT)
            if isinstance(event, StreamStatus) and event.state is StreamState.OFF:
                break
            pending = asyncio.ensure_future(events.__anext__())
        assert event.cause == "stopped"
        with pytest.raises(StopAsyncIteration):
            await events.__anext__()


def test_stream_urls_use_the_region_host_and_refuse_plain_ws_off_loopback():
    from tui.core.errors import ConfigError
    from tui.exchanges.stream_base import ws_url

    assert UpbitOrderStream("a", "b").url == "wss://api.upbit.com/websocket/v1/private"
    for region in ("sg", "id", "th"):
        url = UpbitOrderStream("a", "b", region=region).url
        assert url == f"wss://{region}-api.upbit.com/websocket/v1/private"
    assert ws_url("http://127.0.0.1:8123", "/x") == "ws://127.0.0.1:8123/x"
    assert ws_url("https://broker.example.com/", "/x") == "wss://broker.example.com/x"
    with pytest.raises(ConfigError, match="plain http"):
        ws_url("http://broker.example.com", "/x")
    stream = B2TraderOrderStream("https://broker.example.com", "tok-secret-123", "acc")
    assert "tok-secret-123" not in repr(stream) + stream.shown_url
    assert stream.url == "wss://broker.example.com/frontoffice/ws/v4/account"
