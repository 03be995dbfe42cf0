"""The cancel-run controller (tui/ui/cancel_run.py): what it tells the main screen, in which
order; the plan made once; abort before and during the run. The real app, the simulator over
HTTP on loopback."""

from __future__ import annotations

import pytest

import tui.core.engine
import tui.ui.cancel_run
from tests.ui.conftest import loaded, results_shown, wait_for
from tui.core.planner import plan_cancels
from tui.ui.cancel_run import CancelRun
from tui.ui.screens.confirm import ConfirmScreen

pytestmark = pytest.mark.slow

RUN_MESSAGES = (CancelRun.Started, CancelRun.Progress, CancelRun.Finished)


def record_run_messages(app) -> list:
    """Every run message the main screen receives, in the order it gets them."""
    seen: list = []
    post = app.main.post_message

    def spy(message) -> bool:
        if isinstance(message, RUN_MESSAGES):
            seen.append(message)
        return post(message)

    app.main.post_message = spy
    return seen


def count_plans(monkeypatch) -> list:
    """Every call of the planner, wherever it is called from (the UI and the engine)."""
    calls: list = []

    def counting(*args, **kwargs):
        calls.append(args)
        return plan_cancels(*args, **kwargs)

    monkeypatch.setattr(tui.ui.cancel_run, "plan_cancels", counting)
    monkeypatch.setattr(tui.core.engine, "plan_cancels", counting)
    return calls


async def test_a_run_is_planned_once_and_told_started_progress_finished_in_order(
    make_app, monkeypatch
):
    plans = count_plans(monkeypatch)
    app = make_app(orders=60)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 60)
        seen = record_run_messages(app)
        await pilot.press("a", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        assert len(plans) == 1  # the confirm dialog's plan...
        await pilot.press("6", "0", "enter")  # more than a few: the count is typed
        await results_shown(pilot, app)
        assert len(plans) == 1  # ...is the one the engine ran
        assert not app.cancel_run.running
    kinds = [type(m) for m in seen]
    assert kinds[0] is CancelRun.Started and kinds[-1] is CancelRun.Finished
    assert kinds.count(CancelRun.Started) == 1 and kinds.count(CancelRun.Finished) == 1
    progress = [m for m in seen if isinstance(m, CancelRun.Progress)]
    assert progress, "no progress before the end"
    started, finished = seen[0], seen[-1]
    assert started.total == 60 and "Cancelling 60 orders" in started.title
    report = finished.report
    assert report is not None and report.counts["cancelled"] == 60
    assert app.cancel_run.last_report is report and len(finished.rows) == 60
    # Progress only grows, and its last word is the report's.
    requests = [m.requests for m in progress]
    assert requests == sorted(requests) and requests[-1] == 3  # 60 uuids in batches of 20
    done = [sum(m.counts.values()) for m in progress]
    assert done == sorted(done) and progress[-1].counts["cancelled"] == 60
    # Each order's latest mark is its outcome (one sent and answered within one drain is
    # marked with its outcome only: the marks are coalesced).
    last_mark: dict[str, str] = {}
    for message in progress:
        last_mark.update(message.marks)
    assert len(last_mark) == 60 and set(last_mark.values()) == {"cancelled"}


async def test_abort_before_the_engine_exists_sends_nothing(make_app):
    app = make_app(orders=30)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 30)
        seen = record_run_messages(app)
        rows = app.main.table.all_rows()
        run = app.cancel_run
        plan = run.plan(rows)
        assert plan is not None and run.start(rows, plan)
        assert not run.start(rows, plan)  # one run at a time
        run.abort("aborted by the test")  # the engine is made on the exchange thread later
        await wait_for(pilot, lambda: not run.running, what="the run to end")
        await results_shown(pilot, app)
    report = seen[-1].report
    assert report is not None and report.aborted and report.requests == 0
    assert report.counts["not_sent"] == 30
    assert all(
        r.error and r.error.message == "aborted by the test" for r in report.results.values()
    )


async def test_abort_during_the_run_stops_sending_and_the_rest_is_not_sent(make_app):
    app = make_app(orders=600, latency_ms=400)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 600)
        seen = record_run_messages(app)
        rows = app.main.table.all_rows()
        run = app.cancel_run
        plan = run.plan(rows)
        assert plan is not None and run.start(rows, plan)
        await wait_for(
            pilot,
            lambda: any(isinstance(m, CancelRun.Progress) and m.requests for m in seen),
            what="a request sent",
        )
        run.abort()
        await wait_for(pilot, lambda: not run.running, timeout=30, what="the run to end")
        await results_shown(pilot, app)
    finished = seen[-1]
    assert isinstance(finished, CancelRun.Finished)
    report = finished.report
    assert report is not None and report.aborted
    assert report.counts["not_sent"] > 0 and report.counts["cancelled"] > 0
