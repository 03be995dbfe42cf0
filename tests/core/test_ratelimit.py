"""Remaining-Req parsing and the sliding-window limiter (on a fake clock)."""

from __future__ import annotations

import asyncio

import pytest

from tui.core.errors import Blocked
from tui.core.ratelimit import RateLimits, SlidingWindow, parse_remaining_req


@pytest.mark.parametrize(
    ("header", "group", "sec", "minute"),
    [
        ("group=default; min=1800; sec=29", "default", 29, 1800),
        ("group=order-cancel-all; min=59; sec=0", "order-cancel-all", 0, 59),
        ("group=status-wallet;sec=4", "status-wallet", 4, None),
        ("  group = default ;  min = 900 ; sec = 3  ", "default", 3, 900),
        ("group=default; min=abc; sec=7", "default", 7, None),
    ],
)
def test_parse_remaining_req(header, group, sec, minute):
    info = parse_remaining_req(header)
    assert info is not None
    assert (info.group, info.sec, info.min) == (group, sec, minute)


@pytest.mark.parametrize(
    "header", [None, "", "garbage", "group=default; min=1800", "sec=3", "group=x; sec=NaN"]
)
def test_unusable_headers_are_none(header):
    assert parse_remaining_req(header) is None


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def run_with_fake_sleep(clock: FakeClock, coro):
    """Run `coro` with asyncio.sleep advancing the fake clock instead of waiting."""
    real_sleep = asyncio.sleep

    async def fake_sleep(delay, result=None):
        clock.now += max(delay, 0)
        await real_sleep(0)
        return result

    asyncio.sleep = fake_sleep
    try:
        return asyncio.run(coro)
    finally:
        asyncio.sleep = real_sleep


def test_window_never_exceeds_limit_in_any_window():
    clock = FakeClock()
    window = SlidingWindow(30, 1.0, margin=0.05, clock=clock)
    starts: list[float] = []

    async def go():
        for _ in range(200):
            await window.acquire()
            starts.append(clock.now)

    run_with_fake_sleep(clock, go())
    for i, t in enumerate(starts):
        inside = [s for s in starts[i:] if s < t + 1.05]
        assert len(inside) <= 30
    # and it goes as fast as allowed, paced: a burst of `burst`, then one every window/limit;
    # when the first window is full, the 31st waits for the burst to expire, and after it the
    # pace holds (no second burst at the window's edge)
    pace = 1.05 / 30
    assert starts[window.burst - 1] == starts[0] < starts[window.burst]
    assert starts[29] - starts[0] == pytest.approx((30 - window.burst) * pace, abs=1e-6)
    assert starts[30] - starts[0] == pytest.approx(1.05, abs=1e-6)
    assert starts[-1] - starts[30] == pytest.approx((200 - 31 - 0.5) * pace, abs=1e-6)  # slack


def test_observe_lower_server_budget_slows_down():
    clock = FakeClock()
    window = SlidingWindow(30, 1.0, margin=0.0, clock=clock)

    async def go():
        for _ in range(5):
            await window.acquire()
        window.observe(2)  # the server says only 2 left: someone else uses the account
        assert window.remaining() == 1  # what is left, less one slot left to them for jitter
        await window.acquire()
        assert window.delay() > 0

    run_with_fake_sleep(clock, go())


def test_penalize_pauses_and_grows():
    clock = FakeClock()
    window = SlidingWindow(30, 1.0, clock=clock)
    first = window.penalize()
    clock.now += first
    second = window.penalize()
    assert second > first
    assert window.delay() == pytest.approx(second)
    assert window.penalize(retry_after=5) == 5


def test_halt_refuses_everyone():
    limits = RateLimits()
    limits.window("default")
    limits.halt(Blocked(418, "blocked", "blocked for 60 s", block_seconds=60))

    async def go():
        with pytest.raises(Blocked):
            await limits.acquire("default")
        with pytest.raises(Blocked):
            await limits.acquire("order-cancel-all")  # groups made after the halt too

    asyncio.run(go())


def test_cancel_all_group_is_one_per_two_seconds():
    clock = FakeClock()
    limits = RateLimits(margin=0.0, clock=clock)
    win = limits.window("order-cancel-all")
    assert (win.limit, win.period) == (1, 2.0)

    async def go():
        await limits.acquire("order-cancel-all")
        t0 = clock.now
        await limits.acquire("order-cancel-all")
        assert clock.now - t0 == pytest.approx(2.0)

    run_with_fake_sleep(clock, go())


def test_listeners_hear_remaining():
    limits = RateLimits()
    heard = []
    limits.listeners.append(lambda group, remaining, limit: heard.append((group, remaining, limit)))
    limits.observe(parse_remaining_req("group=default; min=1800; sec=12"))
    assert heard == [("default", 12, 30)]


@pytest.mark.parametrize("reported", ["exchange.default", "default", "Exchange.Default"])
def test_a_reading_under_the_prefixed_name_slows_the_default_group(reported):
    """Upbit's 2026 answers say `exchange.default`; requests are counted under `default`."""
    clock = FakeClock()
    limits = RateLimits(margin=0.0, clock=clock)
    limits.observe(parse_remaining_req(f"group={reported}; min=1800; sec=1"))
    assert limits.window("default").remaining() == 1
    assert limits.window("exchange.default") is limits.window("default")
    cancel_all = limits.window("exchange.order-cancel-all")
    assert (cancel_all.limit, cancel_all.period) == (1, 2.0)


def test_a_deferred_slot_counts_from_when_it_is_sent():
    """A slot granted with deferred=True is held until `sent()`, and its window starts then:
    requests that leave late (behind a burst's fsyncs) cannot crowd the next second."""
    clock = FakeClock()
    window = SlidingWindow(3, 1.0, margin=0.0, clock=clock, burst=3)  # unpaced
    gone: list[float] = []

    async def go():
        for _ in range(3):
            await window.acquire(deferred=True)
        assert window.remaining() == 0  # held, though none has left yet
        clock.now += 0.5  # they leave half a second after being granted
        for _ in range(3):
            window.sent()
        await window.acquire(deferred=True)
        gone.append(clock.now)
        window.sent()

    run_with_fake_sleep(clock, go())
    # the fourth waits a full window after the three left, not after they were granted
    assert gone == [pytest.approx(1000.0 + 0.5 + 1.0)]


def test_a_held_slot_never_expires_while_waiting_to_leave():
    clock = FakeClock()
    window = SlidingWindow(2, 1.0, margin=0.0, clock=clock, burst=2)  # unpaced

    async def go():
        await window.acquire(deferred=True)
        await window.acquire(deferred=True)
        clock.now += 5.0  # long after a window: still held, still counted
        assert window.remaining() == 0 and window.delay() > 0
        window.sent()
        assert window.remaining() == 0  # one sent just now, one still held
        window.sent()
        clock.now += 1.0
        assert window.remaining() == 2

    run_with_fake_sleep(clock, go())
