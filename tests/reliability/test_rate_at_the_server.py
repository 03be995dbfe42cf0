"""Upbit's limit, measured where it counts: at the exchange. Whatever the client's limiter
believes, the simulator stamps each request as it arrives; no 1 s window may hold more than
30 of them. The simulator is made permissive here (it would accept 1,000/s), so a limiter
that runs too fast is neither stopped by 429s nor hidden by their silent retries."""

from __future__ import annotations

import asyncio

from tui.core.engine import CancelEngine
from tui.core.refs import OrderRef
from tui.exchanges.upbit import UpbitClient

from .helpers import wait_for

UPBIT_LIMIT = 30  # requests per second, per account (the `default` group)


def busiest_window(times: list[float], window: float = 1.0) -> int:
    """The most arrivals inside any `window` seconds (a sliding window, as the exchange counts)."""
    times = sorted(times)
    best, first = 0, 0
    for last, t in enumerate(times):
        while t - times[first] >= window:
            first += 1
        best = max(best, last - first + 1)
    return best


def test_busiest_window_counts_a_sliding_second():
    assert busiest_window([0.0, 0.5, 0.99, 1.0, 1.2]) == 4  # 0.5 .. 1.2
    assert busiest_window([0.0, 1.0, 2.0]) == 1  # 1 s apart: never in the same window
    assert busiest_window([0.0] * 31) == 31
    assert busiest_window([]) == 0


def test_no_second_at_the_exchange_holds_more_than_30_requests(make_sim):
    sim = make_sim(seed=9, orders=1000, rps=1000)
    creds = sim.credentials["upbit"]
    refs = [OrderRef.uuid(o["uuid"]) for o in sim.state.upbit_open_orders()]

    async def go():
        client = UpbitClient(creds["access_key"], creds["secret_key"], base_url=sim.base_url)
        try:
            return await CancelEngine(client).run(refs)
        finally:
            await client.aclose()

    report = asyncio.run(go())

    def recorded() -> list[float]:
        return [e["arrived"] for e in list(sim.state.recent) if e["path"].startswith("/v1/")]

    # a request is recorded once its answer has gone out: the last record may follow it
    wait_for(lambda: len(recorded()) >= report.requests, 10, what="every request recorded")
    arrivals = recorded()
    # 50 batch cancels and 10 look-ups: more than two seconds' worth at the limit
    assert len(arrivals) == report.requests == 60
    assert report.counts["cancelled"] == 1000
    assert busiest_window(arrivals) <= UPBIT_LIMIT, (
        f"{busiest_window(arrivals)} requests reached the exchange within one second"
    )
