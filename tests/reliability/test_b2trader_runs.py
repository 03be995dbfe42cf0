"""B2TRADER has no look-up: an unanswered cancel (a dropped connection, a timeout, 5xx after the
client's own retries) is sent once more, a clear answer then settles it, and what stays
ambiguous is recorded unknown, "needs manual check", for reconcile and the user. A refused
token halts the run; the CLI exits 3. All against the simulator over HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tui.core.engine import CancelEngine
from tui.core.events import Notice, Outcome
from tui.core.journal import Journal, read_run
from tui.core.redact import Redactor
from tui.core.refs import OrderRef
from tui.exchanges.b2trader import B2TraderClient
from tui.exchanges.http import RetryPolicy

from .helpers import journal_files, last_json_line, run_cli, wait_for

DELETE = "DELETE /frontoffice/api/v3/orders/{orderId}"
QUICK_RETRY = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02)


def _run(sim, journal_dir: Path, *, token: str | None = None, timeout=10.0, on_resend=None):
    """Cancel every B2TRADER order of `sim`; `on_resend()` runs when the engine says it
    re-sends (before those requests go out)."""
    creds = sim.credentials["b2trader"]
    ids = [o["orderId"] for o in sim.state.b2_orders()]

    def on_event(event) -> None:
        if isinstance(event, Notice) and event.text.startswith("Re-sending") and on_resend:
            on_resend()

    async def go():
        client = B2TraderClient(
            sim.base_url,
            token or creds["token"],
            creds["account_id"],
            timeout=timeout,
            retry=QUICK_RETRY,
        )
        journal = Journal(journal_dir, redactor=Redactor([creds["token"]]))
        engine = CancelEngine(client, recorder=journal, on_event=on_event)
        try:
            return await engine.run([OrderRef.order_id(i) for i in ids])
        finally:
            await client.aclose()

    return asyncio.run(go()), ids


def _deletes(sim) -> int:
    return sim.state.stats.by_endpoint[DELETE]


def _assert_manual_check(report, ids, journal_dir: Path, *, attempts: int) -> None:
    for result in report.results.values():
        assert result.outcome is Outcome.UNKNOWN, result
        assert result.error is not None and result.error.name == "needs_manual_check"
        assert result.attempts == attempts  # sent, then sent once more; no guessing after
    (path,) = journal_files(journal_dir)
    run = read_run(path)
    assert run.finished and {o.ref for o in run.unresolved()} == {f"order_id:{i}" for i in ids}


def test_dropped_answers_are_sent_once_more_then_left_for_a_manual_check(make_sim, tmp_path):
    sim = make_sim(seed=3, b2_orders=3, drop_rate=1.0)  # the exchange acts, the answer is lost
    report, ids = _run(sim, tmp_path)
    _assert_manual_check(report, ids, tmp_path, attempts=2)
    assert _deletes(sim) == 2 * len(ids) and sim.state.stats.injected_drops == 2 * len(ids)
    # which is why it is not "failed": the exchange did cancel them
    assert set(sim.state.truth()["b2trader"].values()) == {"Cancelled"}


def test_timeouts_are_sent_once_more_then_left_for_a_manual_check(make_sim, tmp_path):
    # every answer takes 200-600 ms; the client waits 100 ms
    sim = make_sim(seed=3, b2_orders=3, latency_ms=400)
    report, ids = _run(sim, tmp_path, timeout=0.1)
    _assert_manual_check(report, ids, tmp_path, attempts=2)
    # the exchange still works through what it received, as a real one would
    wait_for(lambda: _deletes(sim) == 2 * len(ids), 15, what="the late requests to be handled")
    assert set(sim.state.truth()["b2trader"].values()) == {"Cancelled"}


def test_5xx_after_retries_is_sent_once_more_then_left_for_a_manual_check(make_sim, tmp_path):
    sim = make_sim(seed=3, b2_orders=3, fail_rate=1.0)  # 503 before acting, every time
    report, ids = _run(sim, tmp_path)
    # each engine attempt is two requests (the client retries a 503 once)
    _assert_manual_check(report, ids, tmp_path, attempts=4)
    assert _deletes(sim) == 4 * len(ids) == sim.state.stats.injected_503
    assert set(sim.state.truth()["b2trader"].values()) == {"Working"}


def test_a_clear_answer_to_the_second_send_settles_the_order(make_sim, tmp_path):
    sim = make_sim(seed=3, b2_orders=3, fail_rate=1.0)

    def exchange_recovers() -> None:
        sim.config.fail_rate = 0.0

    report, ids = _run(sim, tmp_path, on_resend=exchange_recovers)
    assert report.counts == {"cancelled": 3, "failed": 0, "unknown": 0, "not_sent": 0}
    assert all(r.confirmed and r.error is None for r in report.results.values())
    assert set(sim.state.truth()["b2trader"].values()) == {"Cancelled"}
    (path,) = journal_files(tmp_path)
    assert read_run(path).unresolved() == []


def test_a_refused_token_halts_the_run(make_sim, tmp_path):
    # 15 orders at the client's 10/s, paced (one every 0.1 s): the first is refused, and the
    # halt keeps the others from being sent at all (a loaded machine may let one more leave)
    sim = make_sim(seed=3, b2_orders=15)
    before = sim.state.truth()["b2trader"]
    report, ids = _run(sim, tmp_path, token="not-the-token")
    assert report.halted is not None and "credentials refused" in report.halted
    failed = report.counts["failed"]
    assert 1 <= failed <= 2
    assert report.counts == {
        "cancelled": 0,
        "failed": failed,
        "unknown": 0,
        "not_sent": 15 - failed,
    }
    assert all(r.error.status == 401 for r in report.by_outcome(Outcome.FAILED))
    assert _deletes(sim) == failed == sim.state.stats.auth_failures
    assert sim.state.truth()["b2trader"] == before  # nothing was cancelled
    (path,) = journal_files(tmp_path)
    run = read_run(path)
    assert run.finished and run.halted == report.halted and run.unresolved() == []


def test_cli_exits_3_when_the_b2trader_token_is_refused(make_sim, env):
    sim = make_sim(seed=3, b2_orders=4)
    creds = sim.credentials["b2trader"]
    ids = [o["orderId"] for o in sim.state.b2_orders()]
    proc = run_cli(
        ["cancel", "--exchange", "b2trader", *sum((["--order-id", i] for i in ids), [])]
        + ["--yes", "--json"],
        {
            **env.vars,
            "B2TRADER_TOKEN": "not-the-token-at-all",
            "B2TRADER_ACCOUNT_ID": creds["account_id"],
            "B2TRADER_BASE_URL": sim.base_url,
        },
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    out = last_json_line(proc.stdout)
    assert out["halted"] and "credentials refused" in out["halted"]
    assert out["cancelled"] == [] and out["unknown"] == []
    assert {item["order_id"] for item in out["failed"] + out["not_sent"]} == set(ids)
    assert all(item["error"]["status"] == 401 for item in out["failed"])
    assert set(sim.state.truth()["b2trader"].values()) == {"Working"}
    assert "not-the-token-at-all" not in proc.stdout + proc.stderr


def _expire_after(sim, deletes: int) -> None:
    """The token expires once `deletes` cancels have arrived (checked as each arrives)."""

    def hook(info: dict) -> None:
        if info["method"] == "DELETE" and _deletes(sim) >= deletes:
            sim.state.expire_b2_token()
            sim.state.arrival_hook = None

    sim.state.arrival_hook = hook


def test_a_token_expiring_mid_run_stops_sending(make_sim, tmp_path):
    sim = make_sim(seed=3, b2_orders=15)
    _expire_after(sim, 5)  # five cancels land, then every request is refused
    report, ids = _run(sim, tmp_path)
    assert report.halted is not None and "credentials refused" in report.halted
    counts = report.counts
    failed = counts["failed"]
    assert counts["cancelled"] == 5 and 1 <= failed <= 2  # one refused (two on a busy machine)
    assert counts["not_sent"] == 15 - 5 - failed and counts["unknown"] == 0
    (refused,) = {r.error.hint for r in report.by_outcome(Outcome.FAILED)}
    assert "expire" in refused and "new one" in refused  # what happened, and what to do
    assert _deletes(sim) == 5 + failed  # nothing sent after the refusal
    truth = sim.state.truth()["b2trader"]
    assert sorted(truth.values()).count("Cancelled") == 5
    (path,) = journal_files(tmp_path)
    run = read_run(path)
    assert run.finished and run.halted == report.halted and run.unresolved() == []


def test_cli_exits_3_when_the_token_expires_mid_run(make_sim, env):
    """What a person at the terminal reads: what was done, that the token was refused and
    probably expired, what to do, and which orders were not sent."""
    sim = make_sim(seed=3, b2_orders=12)
    creds = sim.credentials["b2trader"]
    ids = [o["orderId"] for o in sim.state.b2_orders()]
    _expire_after(sim, 4)
    proc = run_cli(
        ["cancel", "--exchange", "b2trader", *sum((["--order-id", i] for i in ids), []), "--yes"],
        {
            **env.vars,
            "B2TRADER_TOKEN": creds["token"],
            "B2TRADER_ACCOUNT_ID": creds["account_id"],
            "B2TRADER_BASE_URL": sim.base_url,
        },
    )
    assert proc.returncode == 3, proc.stdout + proc.stderr
    out = proc.stdout
    assert "4 cancelled" in out and "Run halted: credentials refused" in out
    assert "B2TRADER tokens expire" in out and "Generate a new one" in out
    assert out.count("not sent ") >= 12 - 4 - 2
    assert creds["token"] not in out + proc.stderr
    assert sorted(sim.state.truth()["b2trader"].values()).count("Cancelled") == 4
