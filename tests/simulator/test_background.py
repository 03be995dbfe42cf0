"""--background-rps: another client of the demo account's pocket spends part of its budget,
visible in Remaining-Req and in 429s; the 418 escalation is unchanged.

Over HTTP with the simulator's clock frozen (`sim_clock`): the bot's arrivals are replayed
at their own times, so they follow the test's clock, not the machine's speed."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tui.exchanges.upbit import UpbitClient
from tui.simulator.cli import build_parser
from tui.simulator.config import SimConfig

from .helpers import Upbit
from .test_upbit_ratelimit import burst, sec_of

pytestmark = pytest.mark.rate_limited_expected


@pytest.fixture
def busy(make_server):
    server = make_server(background_rps=8)  # 8/s: one every 0.125 s, exact in binary
    client = Upbit(server)
    yield server, client
    client.close()


def test_the_bot_s_requests_show_in_remaining_req(sim_clock, busy):
    server, upbit = busy
    # the bot was running before we came: its 8 of this second and ours
    assert sec_of(upbit.get("/v1/orders/open")) == 30 - 8 - 1
    spent = server.state.stats.background_requests
    sim_clock.advance(1.0)  # a second later: eight more of the bot's, ours expired
    assert sec_of(upbit.get("/v1/orders/open")) == 30 - 8 - 1
    assert server.state.stats.background_requests == spent + 8
    assert server.state.stats.rate_limited == server.state.stats.background_429 == 0


def test_what_the_bot_spends_is_refused_to_us(sim_clock, busy):
    server, upbit = busy
    upbit.get("/v1/orders/open")
    sim_clock.advance(1.0)
    statuses = [r.status_code for r in burst(upbit, 30)]
    assert statuses == [200] * 22 + [429] * 8  # 30 less the bot's 8 in this second
    assert server.state.stats.rate_limited == 8 and server.state.stats.banned == 0
    # and the bot, meeting a full budget, is refused as well (counted apart)
    sim_clock.advance(0.25)
    upbit.get("/v1/orders/open")
    assert server.state.stats.background_429 == 2
    assert server.state.stats.rate_limited == 9  # ours: the answers on the wire only


def test_escalation_to_418_is_unchanged(sim_clock, make_server):
    server = make_server(background_rps=8, ban_after_429=20)
    upbit = Upbit(server)
    try:
        statuses = [r.status_code for r in burst(upbit, 60)]
    finally:
        upbit.close()
    # 22 pass (the bot took 8), 20 are 429, then the 21st over the limit is the block
    assert statuses[:22] == [200] * 22
    assert statuses[22:42] == [429] * 20
    assert statuses[42:] == [418] * 18


def test_the_rate_can_be_changed_while_running(sim_clock, sim):
    http = httpx.Client(base_url=sim.base_url)
    upbit = Upbit(sim)
    try:
        assert http.get("/_sim/background").json() == {"rps": 0.0}
        assert http.post("/_sim/background", json={"rps": 16}).json() == {"rps": 16.0}
        # it has been running (at 16/s) when we come: 16 in this second, then ours
        assert sec_of(upbit.get("/v1/orders/open")) == 30 - 16 - 1
        for bad in ({"rps": -1}, {"rps": "lots"}, {"rps": 10_000}, {}, [1]):
            assert http.post("/_sim/background", json=bad).status_code == 400
        assert http.post("/_sim/background", json={"rps": 0}).json() == {"rps": 0.0}
        sim_clock.advance(1.0)
        assert sec_of(upbit.get("/v1/orders/open")) == 29  # the bot stopped
    finally:
        upbit.close()
        http.close()


def test_the_command_line_flag():
    assert build_parser().parse_args(["--background-rps", "10"]).background_rps == 10.0
    with pytest.raises(ValueError):
        SimConfig(background_rps=-1).validate()


def test_our_client_slows_to_what_the_bot_leaves(make_server):
    """Real time, real HTTP: the limiter reads what is left and keeps under it."""
    server = make_server(background_rps=10, orders=0)
    creds = server.credentials["upbit"]
    times: list[float] = []
    server.state.arrival_hook = lambda info: times.append(info["arrived"])

    async def go() -> UpbitClient:
        client = UpbitClient(creds["access_key"], creds["secret_key"], base_url=server.base_url)
        todo = iter(range(60))

        async def worker() -> None:
            for _ in todo:
                await client.request("GET", "/v1/orders/open", idempotent=True)

        try:
            await asyncio.gather(*(worker() for _ in range(16)))
        finally:
            await client.aclose()
        return client

    client = asyncio.run(go())
    assert client.rate_limited <= 3 and server.state.stats.banned == 0
    assert server.state.stats.background_429 <= 3  # and we did not crowd the bot out
    # from the second second on, at most the 20/s the bot leaves
    start = times[0] + 1.0
    later = [t for t in times if t >= start]
    assert len(later) / (times[-1] - start) <= 21
