"""Upbit's limit, measured where it counts: on the wire and at the exchange. Whatever the
client's limiter believes, a recording transport notes when each request's headers have been
written, and the simulator stamps each request as it arrives; no 1 s window may hold more than
30 of either. The simulator is made permissive here (it would accept 1,000/s), so a limiter
that runs too fast is neither stopped by 429s nor hidden by their silent retries. The run
journals as the product does: the intents' fsyncs sit between granting a slot and sending."""

from __future__ import annotations

import asyncio
import os
import time

import httpx
import pytest

from tui.core.engine import CancelEngine
from tui.core.journal import Journal
from tui.core.redact import Redactor
from tui.core.refs import OrderRef
from tui.exchanges.upbit import UpbitClient

from .helpers import wait_for

UPBIT_LIMIT = 30  # requests per second, per account (the `default` group)


class WireTimes(httpx.AsyncBaseTransport):
    """A real transport that notes when each request's headers are on the wire."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.times: list[float] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        theirs = request.extensions.get("trace")

        async def trace(name: str, info: dict) -> None:
            if name.endswith("send_request_headers.complete"):
                self.times.append(time.monotonic())
            if theirs is not None:
                await theirs(name, info)

        request.extensions = {**request.extensions, "trace": trace}
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


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


@pytest.mark.parametrize("disk", ["this disk", "a slow disk"])
def test_no_second_at_the_exchange_holds_more_than_30_requests(
    make_sim, tmp_path, monkeypatch, disk
):
    if disk == "a slow disk":  # 20 ms per fsync, as on a busy laptop disk or a network home
        real_fsync = os.fsync

        def slow_fsync(fd: int) -> None:
            real_fsync(fd)
            time.sleep(0.02)

        monkeypatch.setattr(os, "fsync", slow_fsync)
    sim = make_sim(seed=9, orders=1000, rps=1000)
    creds = sim.credentials["upbit"]
    refs = [OrderRef.uuid(o["uuid"]) for o in sim.state.upbit_open_orders()]

    wire = WireTimes()

    async def go():
        client = UpbitClient(
            creds["access_key"], creds["secret_key"], base_url=sim.base_url, transport=wire
        )
        # as the product runs: each intent written and fsynced before its request leaves
        journal = Journal(tmp_path / "journal", redactor=Redactor(creds.values()))
        try:
            return await CancelEngine(client, recorder=journal).run(refs)
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
    assert len(wire.times) == 60
    assert busiest_window(wire.times) <= UPBIT_LIMIT, (
        f"{busiest_window(wire.times)} requests went on the wire within one second"
    )
    assert busiest_window(arrivals) <= UPBIT_LIMIT, (
        f"{busiest_window(arrivals)} requests reached the exchange within one second"
    )
