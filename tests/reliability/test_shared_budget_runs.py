"""Two `ordertui cancel` processes on one key, as two terminals would be: they share the
account's budget (a locked file in the user state directory), so together they keep to the
exchange's 30 requests/s instead of fighting for it, and one killed with SIGKILL in the middle
of its run leaves the other to finish."""

from __future__ import annotations

import json
import signal

import pytest

from .helpers import start_cli, stop, wait_for
from .test_rate_at_the_server import busiest_window

pytestmark = pytest.mark.rate_limited_expected  # at most 3 x 429 are allowed, and counted

ORDERS_EACH = 600  # 30 batch cancels + 6 look-ups each: two seconds of the whole budget together


def _split(sim, env, tmp_path):
    uuids = [o["uuid"] for o in sim.state.upbit_open_orders()]
    halves = uuids[: len(uuids) // 2], uuids[len(uuids) // 2 :]
    procs = []
    for n, half in enumerate(halves):
        path = tmp_path / f"half{n}.txt"
        path.write_text("\n".join(half) + "\n")
        procs.append(start_cli(["cancel", "--from-file", str(path), "--yes", "--json"], env))
    return halves, procs


def test_two_processes_share_one_budget(make_sim, env, tmp_path):
    sim = make_sim(orders=2 * ORDERS_EACH, b2_orders=0, seed=4)
    arrivals: list[float] = []
    sim.state.arrival_hook = lambda info: arrivals.append(info["arrived"])
    vars_ = env.with_sim(sim)
    halves, procs = _split(sim, vars_, tmp_path)
    try:
        outs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            stop(p)
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert len(json.loads(out)["cancelled"]) == ORDERS_EACH
    assert set(sim.state.truth()["upbit"].values()) == {"cancel"}
    assert sim.state.stats.rate_limited <= 3 and sim.state.stats.banned == 0
    assert busiest_window(arrivals) <= 30 + sim.state.stats.rate_limited
    budgets = list((env.root / "state").rglob("budgets/*.json"))
    assert len(budgets) == 1  # one account, one budget file


def test_one_killed_mid_run_leaves_the_other_to_finish(make_sim, env, tmp_path):
    sim = make_sim(orders=2 * ORDERS_EACH, b2_orders=0, seed=5)
    vars_ = env.with_sim(sim)
    halves, (victim, survivor) = _split(sim, vars_, tmp_path)
    try:
        wait_for(lambda: sim.state.stats.upbit_cancels >= 200, 60, what="both runs under way")
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=30)
        out, err = survivor.communicate(timeout=120)
    finally:
        stop(victim)
        stop(survivor)
    assert survivor.returncode == 0, err
    assert len(json.loads(out)["cancelled"]) == ORDERS_EACH
    truth = sim.state.truth()["upbit"]
    assert {truth[u] for u in halves[1]} == {"cancel"}
    assert sim.state.stats.rate_limited <= 3 and sim.state.stats.banned == 0
