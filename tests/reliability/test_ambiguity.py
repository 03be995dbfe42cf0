"""Retries and ambiguity: only what is safe is retried; an answer lost after the exchange may
have acted is settled by looking the order up, never guessed; a re-cancel answered "already
cancelled" / "not found" after such an attempt is resolved by look-up, not reported failed."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tui.core.engine import CancelEngine, EngineOptions
from tui.core.events import Outcome
from tui.core.journal import Journal, read_run
from tui.core.ratelimit import RateLimits
from tui.core.refs import OrderRef
from tui.exchanges.http import RetryPolicy

from .fake_upbit import FakeUpbit, mock_client
from .helpers import journal_files, records

QUICK = RetryPolicy(base_delay=0.001, max_delay=0.01, max_retry_after=0.01)


def run(fake: FakeUpbit, refs=None, journal_dir=None):
    recorder = Journal(journal_dir) if journal_dir else None

    async def go():
        client = mock_client(
            fake.transport(), retry=QUICK, limits=RateLimits({"default": (1000, 0.01)}, margin=0.0)
        )
        engine = CancelEngine(
            client, recorder=recorder, options=EngineOptions(settle_delays=(0.0, 0.0, 0.0))
        )
        try:
            return await engine.run(
                refs if refs is not None else [OrderRef.uuid(u) for u in fake.uuids]
            )
        finally:
            await client.aclose()

    return asyncio.run(asyncio.wait_for(go(), 30))


def sends(fake: FakeUpbit) -> list[httpx.Request]:
    return [r for r in fake.requests if r.method == "DELETE"]


def act_then(fake: FakeUpbit, failure: Exception, times: int = 1):
    """The exchange acts on the first `times` cancels, then the answer is lost."""
    left = {"n": times}

    def before(request: httpx.Request):
        if request.method == "DELETE" and left["n"] > 0:
            left["n"] -= 1
            fake.before = None
            fake.handle(request)  # the exchange acts ...
            fake.before = before
            fake.requests.pop()
            raise failure  # ... and the answer never arrives
        return None

    return before


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ReadError("connection reset"),
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("peer closed connection"),
    ],
    ids=["dropped", "timeout", "truncated"],
)
def test_a_lost_answer_is_settled_by_look_up_not_by_sending_again(failure, tmp_path):
    fake = FakeUpbit(1)
    fake.before = act_then(fake, failure)
    report = run(fake, journal_dir=tmp_path)
    (result,) = report.results.values()
    assert result.outcome is Outcome.CANCELLED and result.confirmed
    assert len(sends(fake)) == 1, "a cancel was sent again although the look-up showed it done"
    (path,) = journal_files(tmp_path)
    outcomes = [r["outcome"] for r in records(path) if r["type"] == "outcome"]
    assert (
        outcomes[0] == "unknown" and outcomes[-1] == "cancelled"
    )  # recorded honestly, then settled


def test_a_lost_batch_answer_is_settled_per_order(tmp_path):
    fake = FakeUpbit(20)
    for uid in fake.uuids[:3]:
        fake.states[uid] = "done"  # filled before the cancel
    fake.before = act_then(fake, httpx.ReadError("reset"))
    report = run(fake, journal_dir=tmp_path)
    counts = report.counts
    assert counts["cancelled"] == 17 and counts["failed"] == 3 and counts["unknown"] == 0
    for uid in fake.uuids[:3]:
        assert report.results[f"uuid:{uid}"].error.name in ("order_filled", "done_order")
    assert len(sends(fake)) == 1


@pytest.mark.parametrize("second_answer", ["canceled_order", "order_not_found"])
def test_a_re_cancel_refused_after_an_ambiguous_attempt_is_settled_by_look_up(second_answer):
    fake = FakeUpbit(1)
    (uid,) = fake.uuids
    calls = {"get": 0}

    def before(request: httpx.Request):
        if request.method == "DELETE" and len(sends(fake)) == 1:
            fake.states[uid] = "cancel"  # it acted ...
            raise httpx.ReadError("reset")  # ... the answer was lost
        if request.method == "DELETE":
            return FakeUpbit.error(
                400 if second_answer == "canceled_order" else 404, second_answer, "no"
            )
        calls["get"] += 1
        if calls["get"] == 1:  # a stale read: still open
            from .fake_upbit import order

            return httpx.Response(200, json=[order(uid, "wait")])
        return None

    fake.before = before
    report = run(fake)
    result = report.results[f"uuid:{uid}"]
    assert len(sends(fake)) == 2  # the re-cancel after the stale read
    assert result.outcome is Outcome.CANCELLED and result.confirmed and result.error is None


def test_503_before_acting_is_retried_with_backoff(tmp_path):
    fake = FakeUpbit(1)
    state = {"n": 0}

    def before(request: httpx.Request):
        if request.method == "DELETE" and state["n"] < 2:
            state["n"] += 1
            return FakeUpbit.error(503, "service_unavailable", "busy")
        return None

    fake.before = before
    report = run(fake, journal_dir=tmp_path)
    assert report.counts["cancelled"] == 1 and len(sends(fake)) == 3
    (path,) = journal_files(tmp_path)
    assert sum(r["type"] == "intent" for r in records(path)) == 3, "each send has its intent"


def test_a_connection_never_made_is_retried():
    fake = FakeUpbit(1)
    state = {"n": 0}

    def before(request: httpx.Request):
        if state["n"] < 2:
            state["n"] += 1
            raise httpx.ConnectError("refused")
        return None

    fake.before = before
    report = run(fake)
    assert report.counts["cancelled"] == 1


@pytest.mark.parametrize("status", [500, 504])
def test_a_5xx_that_may_have_acted_is_looked_up_not_resent(status):
    fake = FakeUpbit(2)
    acted, untouched = fake.uuids

    def before(request: httpx.Request):
        if request.method == "DELETE":
            if request.url.params.get("uuid") == acted or acted in request.url.params.get_list(
                "uuids[]"
            ):
                fake.states[acted] = "cancel"
            return FakeUpbit.error(status, "server_error", "oops")
        return None

    fake.before = before
    report = run(fake)
    # the one the gateway hid was cancelled; the other is still open after bounded re-cancels
    assert report.results[f"uuid:{acted}"].outcome is Outcome.CANCELLED
    assert report.results[f"uuid:{untouched}"].outcome is not Outcome.CANCELLED
    assert fake.states[untouched] == "wait"
    assert len(sends(fake)) <= 1 + EngineOptions().max_rounds


def test_429_waits_and_continues_within_budget():
    fake = FakeUpbit(40)
    state = {"n": 0}

    def before(request: httpx.Request):
        if request.method == "DELETE" and state["n"] < 3:
            state["n"] += 1
            return httpx.Response(429, text="Too many API requests.")  # plain text, not JSON
        return None

    fake.before = before
    report = run(fake)
    assert report.counts["cancelled"] == 40
    assert all(s == "cancel" for s in fake.states.values())


def test_journal_of_an_ambiguous_run_reads_as_settled(tmp_path):
    fake = FakeUpbit(45)
    fake.before = act_then(fake, httpx.ReadError("reset"), times=2)
    report = run(fake, journal_dir=tmp_path)
    run_record = read_run(journal_files(tmp_path)[0])
    assert run_record.unresolved() == []
    assert {k: o.outcome for k, o in run_record.orders.items()} == {
        k: r.outcome.value for k, r in report.results.items()
    }
