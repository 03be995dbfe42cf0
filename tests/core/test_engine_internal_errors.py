"""The engine's catch-all keeps a run alive when something of ours breaks, and the look-up
that follows usually repairs the result. So it must not be silent: the report counts it, the
user gets a notice, the log has the traceback, and the suite's process check
(tests/process_checks.py) fails any test whose run caught one."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from tests.reliability.fake_upbit import mock_client, order
from tui.core.engine import CancelEngine, EngineOptions
from tui.core.events import Notice, Outcome
from tui.core.refs import OrderRef
from tui.exchanges.http import RetryPolicy

U = "cdd92199-2897-4e14-9448-f923320408ad"
FAST = RetryPolicy(max_attempts=2, base_delay=0.001, max_delay=0.002)
QUICK = EngineOptions(settle_delays=(0.01, 0.01, 0.01))


def _exchange(request: httpx.Request) -> httpx.Response:
    if request.method == "DELETE":
        return httpx.Response(200, json=order(U))
    return httpx.Response(200, json=[order(U, "cancel")])


def _run(*, break_answer: bool, on_event=None):
    async def go():
        client = mock_client(_exchange, retry=FAST)
        if break_answer:
            real = client.cancel_one

            async def cancel_one(ref, control=None):
                await real(ref, control=control)  # the exchange acted...
                raise RuntimeError("a bug in reading the answer")  # ...and we broke

            client.cancel_one = cancel_one  # type: ignore[method-assign]
        engine = CancelEngine(client, options=QUICK, on_event=on_event)
        try:
            return await engine.run([OrderRef.uuid(U)])
        finally:
            await client.aclose()

    return asyncio.run(go())


@pytest.mark.internal_errors_expected
def test_a_caught_bug_is_counted_noticed_and_logged_though_the_look_up_repairs_the_result(
    caplog, _no_hidden_errors
):
    events: list = []
    with caplog.at_level(logging.ERROR, logger="tui.core.engine"):
        report = _run(break_answer=True, on_event=events.append)
    result = report.results[OrderRef.uuid(U).key]
    # the end state alone looks fine: the look-up found the order cancelled
    assert result.outcome is Outcome.CANCELLED and result.confirmed
    # the process does not
    assert report.internal_errors == 1
    notices = [e.text for e in events if isinstance(e, Notice) and e.level == "error"]
    assert notices == ["Internal error in DELETE /v1/order: RuntimeError"]
    (record,) = [r for r in caplog.records if r.name == "tui.core.engine"]
    assert record.exc_info is not None and "a bug in reading the answer" in str(record.exc_info[1])
    # and the suite's check (without this test's marker) would fail the test
    problems = _no_hidden_errors.problems(honour_markers=False)
    assert any("caught 1 internal error" in p for p in problems), problems
    assert any("unexpected error in DELETE /v1/order" in p for p in problems), problems


@pytest.mark.internal_errors_expected
def test_a_broken_event_listener_is_counted_too(_no_hidden_errors):
    def listener(event) -> None:
        raise ValueError("a broken display")

    report = _run(break_answer=False, on_event=listener)
    assert report.results[OrderRef.uuid(U).key].outcome is Outcome.CANCELLED
    assert report.internal_errors > 0
    assert any("event listener failed" in p for p in _no_hidden_errors.problems(False))


def test_a_healthy_run_counts_none(_no_hidden_errors):
    report = _run(break_answer=False)
    assert report.internal_errors == 0
    assert _no_hidden_errors.problems(honour_markers=False) == []
