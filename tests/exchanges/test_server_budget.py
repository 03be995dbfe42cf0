"""The server's count is the truth: a client sharing the account with somebody else slows to
what the server says is left (`Remaining-Req: ... sec=N`) instead of finding out by 429s.

A MockTransport plays an exchange that counts, in a sliding second, our requests and those of
another client of the same pocket (a bot whose rate changes during the run), answers each of
ours with what is left after it, and 429 when nothing is."""

from __future__ import annotations

import asyncio
import time
from collections import deque

import httpx

from tui.exchanges.upbit import UpbitClient

LIMIT = 30


class SharedPocket:
    """A sliding 1 s window over our arrivals and a foreign client's, which sends `rate(t)`
    requests per second (evenly spread) as time goes on."""

    def __init__(self, rate) -> None:
        self.rate = rate
        self.arrivals: deque[float] = deque()
        self.ours: list[float] = []
        self.foreign: list[float] = []
        self.refused = 0
        self.started = time.monotonic()
        self._next_foreign = self.started

    def _foreign_until(self, now: float) -> None:
        while self._next_foreign <= now:
            rate = self.rate(self._next_foreign - self.started)
            if rate <= 0:
                self._next_foreign += 0.05
            else:
                self.arrivals.append(self._next_foreign)  # the bot does not care about 429s
                self.foreign.append(self._next_foreign)
                self._next_foreign += 1.0 / rate

    async def handle(self, request: httpx.Request) -> httpx.Response:
        trace = request.extensions.get("trace")
        if trace is not None:  # as on the wire: the headers leave before the server counts them
            await trace("http11.send_request_headers.complete", {})
        return self.answer(time.monotonic())

    def answer(self, now: float) -> httpx.Response:
        self._foreign_until(now)
        while self.arrivals and self.arrivals[0] <= now - 1.0:
            self.arrivals.popleft()
        count = len(self.arrivals)
        self.arrivals.append(now)  # refused requests count too, as Upbit's do
        if count >= LIMIT:
            self.refused += 1
            return httpx.Response(
                429,
                text="Too many API requests.",
                headers={"Remaining-Req": "group=exchange.default; min=1800; sec=0"},
            )
        self.ours.append(now - self.started)
        left = LIMIT - count - 1
        return httpx.Response(
            200,
            json={"uuid": "x", "state": "wait"},
            headers={"Remaining-Req": f"group=exchange.default; min=1800; sec={left}"},
        )


def per_second(times: list[float], start: float, end: float) -> float:
    return sum(1 for t in times if start <= t < end) / (end - start)


async def drive(pocket: SharedPocket, requests: int, workers: int = 30) -> UpbitClient:
    client = UpbitClient("a" * 40, "b" * 40, transport=httpx.MockTransport(pocket.handle))
    todo = iter(range(requests))

    async def worker() -> None:
        for _ in todo:
            await client.request("GET", "/v1/order", [("uuid", "x")], idempotent=True)

    try:
        await asyncio.gather(*(worker() for _ in range(workers)))
    finally:
        await client.aclose()
    return client


def test_the_pace_follows_what_the_server_says_is_left():
    # alone for 1.5 s, then a bot takes 10/s, from 4 s 20/s
    def bot(t: float) -> float:
        return 0.0 if t < 1.5 else 10.0 if t < 4.0 else 20.0

    pocket = SharedPocket(bot)
    client = asyncio.run(drive(pocket, 40 + 45 + 22))
    end = pocket.ours[-1]
    assert end > 4.7, "the run should reach the third phase"
    assert client.rate_limited <= 2, f"{client.rate_limited} 429s: the limiter found out by 429s"
    alone = per_second(pocket.ours, 0.2, 1.5)
    beside_10 = per_second(pocket.ours, 3.0, 4.0)  # steady, also after a pause at the change
    beside_20 = per_second(pocket.ours, 4.7, end)
    # at most what is left (30 less the bot's share), and a fair part of it (the lower bounds
    # leave room for one 1 s pause after a 429 on a loaded machine)
    assert 22 <= alone <= 30, alone
    assert 13 <= beside_10 <= 20.5, beside_10
    assert 3.5 <= beside_20 <= 10.5, beside_20
    assert beside_10 > beside_20 + 3


def test_after_a_burst_of_others_it_backs_off_once_and_converges():
    """Somebody spends 25 requests at once while we run: the few 429s that meet it pause the
    group once (the 429s of requests already in flight do not lengthen the pause), and within
    two windows we are back at the whole budget, with no further 429s."""
    state = {"burst_done": False}

    class Burst(SharedPocket):
        def answer(self, now: float) -> httpx.Response:
            if not state["burst_done"] and now - self.started > 1.0:
                state["burst_done"] = True
                self.arrivals.extend([now] * 25)
                self.foreign.extend([now] * 25)
            return super().answer(now)

    pocket = Burst(lambda t: 0.0)
    client = asyncio.run(drive(pocket, 115))
    assert client.rate_limited <= 3, client.rate_limited
    refusals_at = pocket.refused
    assert refusals_at <= 3
    end = pocket.ours[-1]
    assert end > 3.5
    assert per_second(pocket.ours, 3.2, end) >= 24  # converged back to the whole budget
