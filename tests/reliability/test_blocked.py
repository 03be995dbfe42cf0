"""Must show 4: a 418 mid-run halts everything, what was not sent is `not_sent`, the user is
told how long the block lasts, and the CLI exits 3."""

from __future__ import annotations

import asyncio
import re
import uuid as uuidlib
from datetime import datetime, timedelta

import httpx
import pytest

from tui.core.engine import CancelEngine, EngineOptions
from tui.core.journal import Journal, read_run
from tui.core.refs import OrderRef

from .fake_upbit import mock_client
from .helpers import journal_files, last_json_line, run_cli

BAN_SECONDS = 30


@pytest.mark.rate_limited_expected
def test_cli_halts_on_418_with_how_long_and_exit_3(make_sim, env):
    # Mid-run the account's pocket is blocked, as when a bot on the same pocket ran into 429s:
    # the 11th cancel request and every one after it gets a 418. (A limiter that follows the
    # server's count never earns the block itself, so the test does not wait for it to.)
    sim = make_sim(seed=4, orders=1000, ban_seconds=BAN_SECONDS, latency_ms=30)
    uuids = [o["uuid"] for o in sim.state.upbit_open_orders()]
    seen = [0]

    def block_mid_run(record: dict) -> None:
        seen[0] += 1
        if seen[0] == 11:
            sim.state.block_account()

    sim.state.arrival_hook = block_mid_run
    proc = run_cli(
        ["cancel", "--from-file", "-", "--yes", "--json"], env.with_sim(sim), stdin="\n".join(uuids)
    )
    assert proc.returncode == 3, proc.stderr
    assert "Traceback" not in proc.stderr
    out = last_json_line(proc.stdout)
    stats = sim.state.stats
    assert stats.banned >= 1, "the run never met a 418"

    halted = out["halted"] or ""
    seconds = re.search(r"about (\d+) s", halted)
    assert seconds and BAN_SECONDS - 3 <= int(seconds.group(1)) <= BAN_SECONDS, halted
    assert out["cancelled"], "the block should land mid-run, after some cancels"
    assert len(out["not_sent"]) >= 400
    assert not out["unknown"]
    truth = sim.state.truth()["upbit"]
    assert all(truth[o["uuid"]] == "cancel" for o in out["cancelled"])
    assert all(truth[o["uuid"]] in ("wait", "watch") for o in out["not_sent"])
    assert sum(len(out[k]) for k in ("cancelled", "failed", "not_sent")) == 1000
    # after the block nothing more was tried: every request the server saw is one we counted,
    # no look-ups, far fewer requests than the 50 batches the run needed, and none arrived
    # after the first 418 was answered (arrival = answer time - time spent on it)
    assert stats.requests == out["requests"] < 50
    assert set(stats.by_endpoint) == {"DELETE /v1/orders/uuids"}
    log = list(sim.state.recent)
    first_418 = min(datetime.fromisoformat(e["time"]) for e in log if e["status"] == 418)
    late = [
        e
        for e in log
        if datetime.fromisoformat(e["time"]) - timedelta(milliseconds=e["latency_ms"])
        > first_418 + timedelta(milliseconds=150)
    ]
    assert late == []

    (path,) = journal_files(env.journal_dir)
    run = read_run(path)
    assert run.finished and run.halted == halted
    assert run.counts.get("not_sent") == len(out["not_sent"])

    # the human form says it too
    again = run_cli(["cancel", "--uuid", uuids[-1], "--yes"], env.with_sim(sim))
    assert again.returncode == 3
    assert re.search(r"Run halted: .*blocked.*about \d+ s", again.stdout), again.stdout


@pytest.mark.parametrize("how", ["header", "body"])
def test_engine_sends_nothing_after_418(env, how):
    uuids = [str(uuidlib.uuid4()) for _ in range(200)]  # 10 batches
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 3:
            if how == "header":
                return httpx.Response(
                    418,
                    headers={"Retry-After": "120"},
                    json={"error": {"name": "blocked", "message": "blocked"}},
                )
            return httpx.Response(418, text="You are blocked for 120 seconds.")
        if request.method == "GET":
            return httpx.Response(
                200,
                json=[
                    {"uuid": u, "state": "cancel"} for u in request.url.params.get_list("uuids[]")
                ],
            )
        ids = request.url.params.get_list("uuids[]")
        return httpx.Response(
            200,
            json={
                "success": {"count": len(ids), "orders": [{"uuid": u} for u in ids]},
                "failed": {"count": 0, "orders": []},
            },
        )

    async def go():
        client = mock_client(handler)
        engine = CancelEngine(
            client, recorder=Journal(env.journal_dir), options=EngineOptions(max_in_flight=1)
        )
        try:
            return await engine.run([OrderRef.uuid(u) for u in uuids])
        finally:
            await client.aclose()

    report = asyncio.run(go())
    assert len(seen) == 3, "a request went out after the 418"
    assert report.halted and "about 120 s" in report.halted
    counts = report.counts
    assert counts["cancelled"] == 40 and counts["not_sent"] == 160 and counts["unknown"] == 0
    blocked = [r for r in report.results.values() if r.error and r.error.name == "blocked"]
    assert len(blocked) == 20 and all(r.outcome.value == "not_sent" for r in blocked)
    (path,) = journal_files(env.journal_dir)
    run = read_run(path)
    assert run.halted == report.halted and run.counts == {k: v for k, v in counts.items() if v}
