"""Listing open orders through injected faults, against the simulator over real HTTP.

A page GET is idempotent: a page that fails is tried again; one that still fails ends the
listing with the pages already read kept and the stop said (ListingIncomplete)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import pytest

from tui.core.errors import EXIT_AUTH, ListingIncomplete, ServerBusy
from tui.exchanges.http import RetryPolicy
from tui.exchanges.upbit import UpbitClient
from tui.simulator.config import SimConfig
from tui.simulator.server import SimulatorServer

# The real policies' attempt counts, with delays too short to slow the suite down.
FAST = RetryPolicy(base_delay=0.001, max_delay=0.005)
FAST_PAGES = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.005)


class Watch(httpx.AsyncBaseTransport):
    """Real HTTP, with a look at each request before it goes (to change the simulator's
    faults at a chosen page)."""

    def __init__(self, before: Callable[[httpx.Request], None]) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.before = before

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.before(request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def page_of(request: httpx.Request) -> int | None:
    if request.url.path != "/v1/orders/open":
        return None
    return int(request.url.params.get("page", "1"))


def client_of(server: SimulatorServer, **kw) -> UpbitClient:
    creds = server.credentials["upbit"]
    kw.setdefault("retry", FAST)
    kw.setdefault("page_retry", FAST_PAGES)
    return UpbitClient(creds["access_key"], creds["secret_key"], base_url=server.base_url, **kw)


def list_all(client: UpbitClient, pages: list | None = None):
    async def go():
        try:
            return await client.list_open(
                on_page=None if pages is None else lambda p, n: pages.append((p, n))
            )
        finally:
            await client.aclose()

    return asyncio.run(go())


def open_uuids(server: SimulatorServer) -> set[str]:
    return {o["uuid"] for o in server.state.upbit_open_orders()}


def listing_requests(server: SimulatorServer) -> int:
    return server.state.stats.by_endpoint["GET /v1/orders/open"]


@pytest.mark.parametrize("seed", [4, 5])
def test_the_whole_list_arrives_through_503s_and_dropped_connections(seed):
    # Seeds 4 and 5 are ones where some page fails all six attempts of one request (a single
    # request's retries alone lost the list: "page 10 · 1,000 orders", then an error). rps is
    # high so that no 429 reorders the seeded faults.
    config = SimConfig(orders=1000, seed=seed, fail_rate=0.5, drop_rate=0.3, rps=10_000)
    with SimulatorServer(config) as server:
        expected = open_uuids(server)
        pages: list[tuple[int, int]] = []
        orders = list_all(client_of(server), pages)
        stats = server.state.stats
        assert stats.injected_503 > 0 and stats.injected_drops > 0
        assert listing_requests(server) > 11  # 11 pages, and every fault tried again
    assert len(orders) == 1000
    assert {o.uuid for o in orders} == expected
    assert pages[-1] == (11, 1000)


@pytest.mark.parametrize(("fault", "reason"), [("fail_rate", "503"), ("drop_rate", "no answer")])
def test_faults_for_good_after_some_pages_keep_the_pages_read_and_say_so(fault, reason):
    with SimulatorServer(SimConfig(orders=350, seed=3, rps=10_000)) as server:
        expected = [o["uuid"] for o in server.state.upbit_open_orders()]

        def before(request: httpx.Request) -> None:
            if page_of(request) == 3:
                setattr(server.config, fault, 1.0)

        with pytest.raises(ListingIncomplete) as caught:
            list_all(client_of(server, transport=Watch(before)))
        # Pages 1 and 2 once each; page 3: 4 tries of 6 attempts, then no more.
        assert listing_requests(server) == 2 + 4 * 6
    stop = caught.value
    assert stop.page == 3 and stop.exit_code == 1
    assert reason in stop.reason
    assert len(stop.orders) == 200 == len({o.uuid for o in stop.orders})
    assert {o.uuid for o in stop.orders} <= set(expected)
    assert stop.message.startswith("partial list: 200 orders loaded, page 3 failed: ")


def test_a_refusal_mid_way_is_not_tried_again_and_keeps_the_pages_read():
    with SimulatorServer(SimConfig(orders=250, seed=3, rps=10_000)) as server:

        def before(request: httpx.Request) -> None:
            if page_of(request) == 2:
                request.headers["Authorization"] = "Bearer not-a-token"

        with pytest.raises(ListingIncomplete) as caught:
            list_all(client_of(server, transport=Watch(before)))
        assert listing_requests(server) == 2  # a 401 is the same answer the next time
    stop = caught.value
    assert stop.page == 2 and len(stop.orders) == 100
    assert stop.exit_code == EXIT_AUTH


def test_nothing_loaded_is_the_error_itself_not_a_partial_list():
    with SimulatorServer(SimConfig(orders=50, seed=3, fail_rate=1.0, rps=10_000)) as server:
        with pytest.raises(ServerBusy):
            list_all(client_of(server))
        assert listing_requests(server) == 4 * 6


def test_an_order_created_between_pages_does_not_come_twice():
    # Pages are by number, newest first: a new order pushes every later page down by one, so
    # the last order of page 1 is also the first of page 2.
    with SimulatorServer(SimConfig(orders=250, seed=3, rps=10_000)) as server:
        before_uuids = open_uuids(server)
        added: list[str] = []

        def before(request: httpx.Request) -> None:
            if page_of(request) == 2 and not added:
                order = server.state.add_upbit_order(created_ts=2_000_000_000)
                added.append(order["uuid"])

        orders = list_all(client_of(server, transport=Watch(before)))
    uuids = [o.uuid for o in orders]
    assert len(uuids) == len(set(uuids)) == 250
    assert set(uuids) == before_uuids
