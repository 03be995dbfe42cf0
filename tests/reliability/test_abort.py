"""Must show 3: Ctrl+C (SIGINT) of `ordertui cancel`: nothing is sent after it, the requests
in flight are waited for and recorded, exit code 1, and the run is recorded as aborted."""

from __future__ import annotations

import signal
from collections import Counter
from datetime import datetime, timedelta

import pytest

from tui.core.journal import read_run

from .helpers import journal_files, last_json_line, records, start_cli, stop, wait_for

pytestmark = pytest.mark.slow
LATENCY_MS = 300


def _first_answers(directory) -> bool:
    return any(
        '"outcome": "cancelled"' in p.read_text(errors="replace") for p in journal_files(directory)
    )


def test_sigint_stops_sending_records_in_flight_and_exits_1(make_sim, env):
    # 1,000 orders = 50 batches: ~30 go in the first second, the rest wait for the rate limit.
    sim = make_sim(seed=9, orders=1000, latency_ms=LATENCY_MS)
    uuids = [o["uuid"] for o in sim.state.upbit_open_orders()]
    proc = start_cli(
        ["cancel", "--from-file", "-", "--yes", "--json"], env.with_sim(sim), stdin="\n".join(uuids)
    )
    try:
        wait_for(
            lambda: _first_answers(env.journal_dir) or proc.poll() is not None,
            30,
            what="first answers",
        )
        assert proc.poll() is None, "the run ended before the abort"
        signalled = datetime.now()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        stop(proc)
    assert proc.returncode == 1, err
    assert "aborting" in err and "Traceback" not in err
    report = last_json_line(out)

    # no request reached the exchange after the signal (arrival = answer time - time spent)
    arrivals = [
        datetime.fromisoformat(e["time"]) - timedelta(milliseconds=e["latency_ms"])
        for e in list(sim.state.recent)
    ]
    late = [a for a in arrivals if a > signalled + timedelta(milliseconds=250)]
    assert late == []
    endpoints = sim.state.stats.by_endpoint
    assert set(endpoints) == {"DELETE /v1/orders/uuids"}, (
        "nothing but the cancels already under way"
    )
    assert endpoints["DELETE /v1/orders/uuids"] < 50

    (path,) = journal_files(env.journal_dir)
    recs = records(path)
    intents = [r for r in recs if r["type"] == "intent"]
    assert len(intents) == endpoints["DELETE /v1/orders/uuids"], (
        "a request went out without an intent"
    )

    run = read_run(path)
    assert run.finished and run.aborted and not run.halted
    truth = sim.state.truth()["upbit"]
    sent = {ref for r in intents for ref in r["refs"]}
    # every request in flight at the abort was waited for and its answer recorded
    for key in sent:
        order = run.orders[key]
        assert (
            order.outcome
            == {"cancel": "cancelled", "done": "failed"}[truth[key.removeprefix("uuid:")]]
        ), key
    # every order not sent is recorded as such, and the exchange still has it open
    unsent = set(run.orders) - sent
    assert unsent, "the abort came too late to leave anything unsent"
    for key in unsent:
        assert run.orders[key].outcome == "not_sent"
        assert truth[key.removeprefix("uuid:")] in ("wait", "watch")
        assert run.orders[key].error and "aborted" in run.orders[key].error["message"]
    # the --json report says the same
    assert Counter(i["uuid"] for i in report["not_sent"]) == Counter(
        k.removeprefix("uuid:") for k in unsent
    )
    assert len(report["cancelled"]) + len(report["failed"]) == len(sent)
