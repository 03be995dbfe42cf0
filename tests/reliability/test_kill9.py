"""Must show 2: kill -9 of `ordertui cancel` mid-run, then `ordertui reconcile --yes --json`
settles every order of the run to the simulator's truth (never-sent orders are `open`)."""

from __future__ import annotations

import json
import signal
import time

import pytest

from tui.core.journal import read_run

from .helpers import (
    expected_outcome,
    journal_files,
    last_json_line,
    run_cli,
    start_cli,
    stop,
    wait_for,
)

pytestmark = pytest.mark.slow
LATENCY_MS = 400
ORDERS = 1000


def answered(directory) -> bool:
    """Some cancels were answered, and some were acted on but their connection dropped."""
    text = "".join(p.read_text(errors="replace") for p in journal_files(directory))
    return '"outcome": "cancelled"' in text and '"outcome": "unknown"' in text


def _unresolved(env_vars) -> list[dict]:
    proc = run_cli(["journal", "--unresolved", "--json"], env_vars)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)["unresolved"]


def _quiet(sim, settle: float) -> None:
    """Wait until the simulator has finished every request the killed process left behind."""
    last = -1
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        now = sim.state.stats.requests
        if now == last:
            return
        last = now
        time.sleep(settle)
    raise AssertionError("the simulator never went quiet")


def test_kill_9_mid_run_then_reconcile_matches_truth(make_sim, env):
    # 1,000 orders = 50 batch cancels: about 30 go in the first second (the rate limit), the
    # rest wait for the next one; with 400 ms latency the first answers arrive meanwhile.
    # Many drops (act, then cut the connection) so that the kill lands while the journal
    # holds orders the exchange cancelled but whose answer never arrived.
    sim = make_sim(seed=5, orders=ORDERS, latency_ms=LATENCY_MS, drop_rate=0.3, fill_rate=0.05)
    uuids = [o["uuid"] for o in sim.state.upbit_open_orders()]
    env_vars = env.with_sim(sim)
    proc = start_cli(
        ["cancel", "--from-file", "-", "--yes", "--json"], env_vars, stdin="\n".join(uuids)
    )
    try:
        wait_for(
            lambda: answered(env.journal_dir) or proc.poll() is not None, 30, what="first answers"
        )
        assert proc.poll() is None, "the run ended before it could be killed: " + proc.stderr.read()
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        stop(proc)
    assert proc.returncode == -signal.SIGKILL
    _quiet(sim, settle=LATENCY_MS * 1.6 / 1000)
    # the look-ups need no slowness; a few dropped look-ups are retried (they are idempotent)
    sim.config.latency_ms = 10
    sim.config.drop_rate = 0.1

    (path,) = journal_files(env.journal_dir)
    killed = read_run(path)
    assert not killed.finished
    assert len(killed.orders) == ORDERS
    sent = {k for k, o in killed.orders.items() if o.sent}
    assert 0 < len(sent) < ORDERS, "the kill did not land mid-run"
    truth = sim.state.truth()["upbit"]
    # the journal never under-records: every order the exchange cancelled was in a written intent
    touched = {f"uuid:{u}" for u, s in truth.items() if s == "cancel"}
    assert touched <= sent

    before = _unresolved(env_vars)
    assert {item["ref"] for item in before} == {
        k for k, o in killed.orders.items() if o.outcome not in ("cancelled", "failed")
    }
    assert all(item["run_id"] == killed.run_id and not item["run_finished"] for item in before)
    assert any(item["sent"] and item["outcome"] == "unknown" for item in before)

    rec = run_cli(["reconcile", "--yes", "--json"], env_vars)
    assert rec.returncode == 0, rec.stderr
    assert "Traceback" not in rec.stderr
    answer = last_json_line(rec.stdout)
    assert answer["error"] is None
    assert answer["looked_up"] == len(before)
    assert answer["requests"] == -(-len(before) // 100)  # GET /v1/orders/uuids, 100 a call
    assert len(answer["settled"]) == len(before)

    after = read_run(path)
    assert after.unresolved() == []
    assert _unresolved(env_vars) == []
    truth = sim.state.truth()["upbit"]
    wrong = []
    for key, order in after.orders.items():
        uuid = key.removeprefix("uuid:")
        state = truth[uuid]
        want = "open" if state in ("wait", "watch") else expected_outcome(state)
        if order.outcome != want:
            wrong.append((uuid, order.outcome, state, order.sent))
    assert wrong == []
    never_sent = [o for o in after.orders.values() if not o.sent]
    # the case that matters was there: orders the exchange cancelled while the journal could
    # only say "unknown" (their answer was lost, then the process died) are now cancelled
    was = {k: o.outcome for k, o in killed.orders.items()}
    now = {k: o.outcome for k, o in after.orders.items()}
    assert any(was[k] == "unknown" and now[k] == "cancelled" for k in was), (
        "no acted-but-unanswered order"
    )
    assert never_sent and all(o.outcome == "open" for o in never_sent)

    # a second reconcile has nothing left to do
    again = run_cli(["reconcile", "--yes", "--json"], env_vars)
    assert again.returncode == 0 and last_json_line(again.stdout)["settled"] == []
