"""Rate limits: 30/s sliding per account, Remaining-Req countdown, 429 plain text, 418 only after sustained abuse.

The simulator's clock is frozen (`sim_clock`) for the tests over HTTP: a burst arrives at one
instant however slow the machine is, and time moves only when a test advances it."""

from __future__ import annotations

import pytest

from tui.simulator.config import SimConfig
from tui.simulator.ratelimit import RateLimiter

from .helpers import Upbit

pytestmark = pytest.mark.rate_limited_expected


def burst(upbit, n, path="/v1/orders/open"):
    return [upbit.get(path) for _ in range(n)]


def sec_of(response):
    header = response.headers["Remaining-Req"]
    assert header.startswith("group=default; min=1800; sec=")
    return int(header.rsplit("=", 1)[1])


def test_burst_of_100_gets_429_past_30_and_countdown(sim_clock, sim, upbit):
    responses = burst(upbit, 100)
    statuses = [r.status_code for r in responses]
    assert statuses[:30] == [200] * 30
    assert statuses[30:] == [429] * 70
    assert [sec_of(r) for r in responses[:30]] == list(range(29, -1, -1))
    assert all(sec_of(r) == 0 for r in responses[30:])
    assert responses[30].text == "Too many API requests."
    assert responses[30].headers["content-type"].startswith("text/plain")
    assert 418 not in statuses
    assert sim.state.stats.rate_limited == 70 and sim.state.stats.banned == 0


def test_window_slides_and_budget_returns(sim_clock, make_server):
    sim = make_server(rps=5)
    upbit = Upbit(sim)
    first = burst(upbit, 5)
    assert [sec_of(r) for r in first] == [4, 3, 2, 1, 0]
    sim_clock.advance(0.99)
    assert upbit.get("/v1/orders/open").status_code == 429  # still inside the window
    sim_clock.advance(1.0)  # the first five and the refused one have left it
    again = upbit.get("/v1/orders/open")
    assert again.status_code == 200 and sec_of(again) == 4
    upbit.close()


def test_limit_is_per_account_shared_by_its_keys(sim_clock, sim, upbit):
    ro = Upbit(sim, "upbit_readonly")
    burst(upbit, 30)
    assert ro.get("/v1/orders/open").status_code == 429
    ro.close()


def test_unauthenticated_calls_do_not_spend_the_account_budget(sim_clock, sim, upbit):
    for _ in range(40):
        upbit.http.get("/v1/orders/open")  # no token: counted for the client address
    ok = upbit.get("/v1/orders/open")
    assert ok.status_code == 200 and sec_of(ok) == 29


def test_sustained_abuse_escalates_to_418_with_block_time(sim_clock, sim, upbit):
    cfg = SimConfig()
    responses = burst(upbit, cfg.rps + cfg.ban_after_429 + 5)
    statuses = [r.status_code for r in responses]
    first_418 = statuses.index(418)
    assert first_418 == cfg.rps + cfg.ban_after_429  # 30 OK, 100 x 429, then blocked
    assert statuses[first_418:] == [418] * (len(statuses) - first_418)
    blocked = responses[first_418]
    assert blocked.json()["error"]["name"] == "blocked"
    assert "10 seconds" in blocked.json()["error"]["message"]
    assert blocked.headers["Retry-After"] == "10"
    assert sim.state.stats.banned == len(statuses) - first_418


def test_block_expires_and_grows_on_repeat(sim_clock, make_server):
    sim = make_server(rps=3, ban_after_429=4, ban_seconds=0.3)
    upbit = Upbit(sim)
    statuses = [r.status_code for r in burst(upbit, 8)]
    assert statuses == [200] * 3 + [429] * 4 + [418]
    sim_clock.advance(0.29)
    assert upbit.get("/v1/orders/open").status_code == 418  # the first block is 0.3 s
    sim_clock.advance(0.02)
    assert upbit.get("/v1/orders/open").status_code == 200
    statuses = [r.status_code for r in burst(upbit, 7)]
    assert statuses == [200] * 2 + [429] * 4 + [418]
    sim_clock.advance(0.35)
    assert upbit.get("/v1/orders/open").status_code == 418  # the second block is 0.6 s
    sim_clock.advance(0.26)
    assert upbit.get("/v1/orders/open").status_code == 200
    upbit.close()


# ---- the limiter alone, on a fake clock ------------------------------------------


def test_limiter_counts_refused_calls_and_bans():
    rl = RateLimiter(
        {"g": (2, 1.0)}, ban_after_429=3, ban_window=10, ban_seconds=5, ban_max_seconds=12
    )
    assert [rl.admit("a", "g", t).status for t in (0.0, 0.1)] == [200, 200]
    assert [rl.admit("a", "g", t).status for t in (0.2, 0.3, 0.4)] == [429, 429, 429]
    assert rl.admit("b", "g", 0.4).status == 200  # other bucket unaffected
    ban = rl.admit("a", "g", 0.5)
    assert ban.status == 418 and ban.retry_after == pytest.approx(5)
    assert rl.admit("a", "g", 5.4).status == 418
    assert rl.admit("a", "g", 5.6).status == 200
    assert [rl.admit("a", "g", t).status for t in (5.7, 5.8, 5.9, 6.0)] == [200, 429, 429, 429]
    second = rl.admit("a", "g", 6.1)
    assert second.status == 418 and second.retry_after == pytest.approx(10)
    rl.admit("a", "g", 20)  # third block is capped
    for t in (20.1, 20.2, 20.3, 20.4, 20.5):
        last = rl.admit("a", "g", t)
    assert last.status == 418 and last.retry_after == pytest.approx(12)


def test_limiter_remaining_counts_down():
    rl = RateLimiter({"g": (3, 1.0)})
    assert [rl.admit("a", "g", t).remaining for t in (0.0, 0.1, 0.2)] == [2, 1, 0]
    assert (
        rl.admit("a", "g", 1.05).remaining == 0
    )  # 0.0 left the window, but 0.1/0.2 + this one = 3
    assert rl.admit("a", "g", 1.15).remaining == 0
    assert rl.admit("a", "g", 2.5).remaining == 2
