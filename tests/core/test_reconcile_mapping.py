"""What a reconcile found, written into a run's report (`reconcile.apply_to_report`), and the
exchange states in one place (`models.states`). No Textual, no network."""

from __future__ import annotations

from tui.core.errors import ErrorInfo
from tui.core.events import OrderResult, Outcome, RunReport
from tui.core.models import states
from tui.core.models.row import OrderRow
from tui.core.models.upbit import UpbitOrder
from tui.core.reconcile import ReconcileReport, Settled, apply_to_report, state_outcome
from tui.core.refs import OrderRef

UUIDS = [f"{i:08x}-aaaa-4bbb-8ccc-{i:012x}" for i in range(6)]


def looked_up(uuid: str, state: str) -> OrderRow:
    return OrderRow.from_upbit(
        UpbitOrder.from_wire(
            {"uuid": uuid, "side": "bid", "ord_type": "limit", "state": state, "market": "KRW-BTC"}
        )
    )


def unknown_report() -> RunReport:
    sent = ErrorInfo(None, "timeout", "no answer", "")
    results = {}
    for uuid in UUIDS:
        ref = OrderRef.uuid(uuid)
        results[ref.key] = OrderResult(ref, Outcome.UNKNOWN, OrderRow.from_ref(ref), sent, 1)
    return RunReport("run-1", "upbit", len(results), results)


def test_each_finding_sets_the_outcome_the_error_and_the_looked_up_row():
    report = unknown_report()
    refs = [OrderRef.uuid(u) for u in UUIDS]
    found = ReconcileReport(
        settled=[
            Settled("run-1", refs[0], "cancelled", "cancel", looked_up(UUIDS[0], "cancel")),
            Settled(
                "run-1", refs[1], "failed", "done", looked_up(UUIDS[1], "done"), "order_filled"
            ),
            Settled("run-1", refs[2], "failed", note="order_not_found"),
            Settled("run-1", refs[3], "open", "wait", looked_up(UUIDS[3], "wait")),
            Settled("run-1", refs[4], "unknown", note="the look-up failed; try again"),
            Settled("run-1", OrderRef.uuid("ffffffff-aaaa-4bbb-8ccc-000000000000"), "cancelled"),
        ]
    )
    assert apply_to_report(report, found) == 4  # the unknown one and the stranger change nothing
    r = [report.results[ref.key] for ref in refs]
    assert r[0].outcome is Outcome.CANCELLED and r[0].confirmed and r[0].row.state == "cancel"
    assert r[0].error is not None and r[0].error.name == "timeout"  # kept: what happened on send
    assert r[1].outcome is Outcome.FAILED and r[1].error.name == "order_filled"
    assert r[1].error.message == "done" and r[1].row.state == "done"
    assert r[2].outcome is Outcome.FAILED and r[2].error.name == "order_not_found"
    assert r[2].error.message == "order_not_found" and not r[2].row.known  # nothing looked up
    assert r[3].outcome is Outcome.FAILED and r[3].error.name == "still_open"
    assert "R retries" in r[3].error.hint
    for untouched in (r[4], r[5]):
        assert untouched.outcome is Outcome.UNKNOWN and not untouched.confirmed
    assert report.counts == {"cancelled": 1, "failed": 3, "unknown": 2, "not_sent": 0}


def test_every_exchange_state_has_one_meaning_and_one_style():
    groups = [states.OPEN, states.CLOSED_CANCELLED, states.CLOSED_FILLED, states.CLOSED_OTHER]
    every = set().union(*groups)
    assert sum(len(g) for g in groups) == len(every)  # no state in two groups
    assert set(states.STATE_CLASS) == every
    assert {state_outcome(s) for s in states.OPEN} == {"open"}
    assert {state_outcome(s) for s in states.CLOSED_CANCELLED} == {"cancelled"}
    assert {state_outcome(s) for s in states.CLOSED_FILLED | states.CLOSED_OTHER} == {"failed"}
    assert states.state_class("Expired") == "cancelled" and states.state_class(None) == "open"
