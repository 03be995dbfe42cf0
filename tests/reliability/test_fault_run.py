"""Must show 1: 1,000 orders against a faulty simulator; afterwards every recorded outcome
equals the simulator's truth, no order is reported twice, no 429 and no 418, and the journal
agrees. The simulator runs in its own process, so its rate judgement is the exchange's own."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import pytest

from tui.core.engine import CancelEngine
from tui.core.events import OrderOutcome, Outcome, RequestSent, RunFinished
from tui.core.journal import Journal, read_run
from tui.core.redact import Redactor
from tui.core.refs import OrderRef
from tui.exchanges.upbit import UpbitClient

from .helpers import expected_outcome, journal_files, last_json_line, records, run_cli

FAULTS = dict(orders=1000, fail_rate=0.1, drop_rate=0.05, fill_rate=0.02, latency_ms=20)

pytestmark = pytest.mark.slow


def _assert_within_the_limit(sim) -> None:
    stats = sim.stats()
    assert stats["rate_limited"] == 0, f"{stats['rate_limited']} x 429"
    assert stats["banned"] == 0 and "418" not in stats["by_status"], stats["by_status"]
    # the faults really happened, or the test proves nothing
    assert stats["injected_503"] > 0 and stats["injected_drops"] > 0 and stats["fills"] > 0


def test_cli_run_of_1000_orders_with_faults_matches_truth(make_sim_process, env):
    sim = make_sim_process(seed=3, **FAULTS)
    uuids = sim.open_upbit_uuids()
    assert len(uuids) == 1000
    proc = run_cli(
        ["cancel", "--from-file", "-", "--yes", "--json"], env.with_sim(sim), stdin="\n".join(uuids)
    )
    assert "Traceback" not in proc.stderr
    out = last_json_line(proc.stdout)
    truth = sim.truth()["upbit"]

    # every order exactly once across the lists
    listed: list[tuple[str, str]] = []
    for outcome in ("cancelled", "failed", "unknown", "not_sent"):
        for item in out[outcome]:
            listed.append((item["uuid"], outcome))
    ids = Counter(u for u, _ in listed)
    assert ids == Counter(uuids), "an order is missing or reported twice"
    assert not out["unknown"] and not out["not_sent"]

    mismatches = [(u, got, truth[u]) for u, got in listed if got != expected_outcome(truth[u])]
    assert mismatches == []
    assert proc.returncode == (1 if out["failed"] else 0)
    _assert_within_the_limit(sim)

    # the run's journal says the same
    files = journal_files(env.journal_dir)
    assert len(files) == 1
    run = read_run(files[0])
    assert run.run_id == out["run_id"] and run.finished and not run.halted and not run.aborted
    assert run.bad_lines == 0
    assert run.unresolved() == []
    assert {k.removeprefix("uuid:"): o.outcome for k, o in run.orders.items()} == dict(listed)
    finish = [r for r in records(files[0]) if r["type"] == "finish"]
    assert len(finish) == 1 and finish[0]["requests"] == out["requests"]
    # every order that was sent has an intent written before its outcome
    seen_intent: set[str] = set()
    for record in records(files[0]):
        if record["type"] == "intent":
            seen_intent.update(record["refs"])
        elif record["type"] == "outcome" and record["outcome"] != "not_sent":
            assert record["ref"] in seen_intent, f"outcome of {record['ref']} before any intent"
    assert seen_intent == {f"uuid:{u}" for u in uuids}


def test_engine_run_with_journal_and_events_matches_truth(make_sim_process, env):
    sim = make_sim_process(seed=11, **FAULTS)
    creds = sim.credentials["upbit"]
    uuids = sim.open_upbit_uuids()
    events = []

    async def go():
        client = UpbitClient(creds["access_key"], creds["secret_key"], base_url=sim.base_url)
        journal = Journal(env.journal_dir, profile=None, redactor=Redactor(creds.values()))
        engine = CancelEngine(client, recorder=journal, on_event=events.append)
        try:
            return await engine.run([OrderRef.uuid(u) for u in uuids]), client
        finally:
            await client.aclose()

    report, _client = asyncio.run(go())
    truth = sim.truth()["upbit"]
    assert len(report.results) == 1000
    wrong = [
        (r.ref.value, r.outcome.value, truth[r.ref.value])
        for r in report.results.values()
        if r.outcome.value != expected_outcome(truth[r.ref.value])
    ]
    assert wrong == []
    # the look-up confirmed every order's final state
    assert all(r.confirmed for r in report.results.values())
    # failures carry the reason the exchange (or the look-up) gave
    for r in report.by_outcome(Outcome.FAILED):
        assert r.error is not None and r.error.name in ("order_filled", "done_order"), r.error
    # the last event for each order is its final outcome; exactly one RunFinished
    last = {}
    for event in events:
        if isinstance(event, OrderOutcome):
            last[event.result.ref.key] = event.result.outcome
    assert last == {k: r.outcome for k, r in report.results.items()}
    assert sum(isinstance(e, RunFinished) for e in events) == 1
    sends = sum(1 for e in events if isinstance(e, RequestSent))
    assert sends <= report.requests
    _assert_within_the_limit(sim)

    (path,) = journal_files(env.journal_dir)
    run = read_run(path)
    assert run.finished and run.unresolved() == []
    assert {k: o.outcome for k, o in run.orders.items()} == {
        k: r.outcome.value for k, r in report.results.items()
    }
    text = path.read_text()
    assert creds["secret_key"] not in text and creds["access_key"] not in text
    assert json.loads(text.splitlines()[-1])["counts"] == report.counts
