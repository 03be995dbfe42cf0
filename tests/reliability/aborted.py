"""What an aborted `ordertui cancel` run (a signal, a quit) must have left behind, checked
against the simulator's truth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from tui.core.journal import read_run

from .helpers import journal_files, records


def first_answers(directory: Path) -> bool:
    return any(
        '"outcome": "cancelled"' in p.read_text(errors="replace") for p in journal_files(directory)
    )


def now() -> datetime:
    """The time to compare with the journal's (which is UTC)."""
    return datetime.now(UTC)


def check_aborted_run(directory: Path, sim, signalled: datetime, *, margin_ms: float = 250) -> dict:
    """The run's end is journaled, aborted; what was sent is recorded as the exchange has it;
    what was not sent is `not_sent` and still open; nothing was sent after the signal."""
    (path,) = journal_files(directory)
    recs = records(path)
    intents = [r for r in recs if r["type"] == "intent"]
    # Nothing was sent after the signal: an intent is written right before each send (the
    # margin is for the signal's delivery). The exchange may see a request later than that,
    # after a wait for a free connection, but it got nothing the journal does not know of.
    late = [
        r["t"]
        for r in intents
        if datetime.fromisoformat(r["t"]) > signalled + timedelta(milliseconds=margin_ms)
    ]
    assert late == [], f"requests sent after the signal ({signalled.isoformat()}): {late}"
    cancels = sim.state.stats.by_endpoint["DELETE /v1/orders/uuids"]
    assert len(intents) == cancels, "a request went out without an intent"
    run = read_run(path)
    assert run.finished and run.aborted and not run.halted, "the run's end is not journaled"
    truth = sim.state.truth()["upbit"]
    sent = {ref for r in intents for ref in r["refs"]}
    assert sent, "nothing was sent before the signal"
    for key in sent:  # waited for and recorded as the exchange has it: none left unknown
        state = truth[key.removeprefix("uuid:")]
        # still open: its request was refused by the rate limit (429: the exchange did not
        # act) and the retry was not sent, the run being aborted
        want = {"cancel": "cancelled", "done": "failed"}.get(state, "not_sent")
        order = run.orders[key]
        assert order.outcome == want, (key, order.outcome, order.error, state)
    unsent = set(run.orders) - sent
    assert unsent, "the signal came too late to leave anything unsent"
    for key in unsent:
        assert run.orders[key].outcome == "not_sent"
        assert truth[key.removeprefix("uuid:")] in ("wait", "watch")
        assert "aborted" in (run.orders[key].error or {}).get("message", "")
    not_sent = {k for k, o in run.orders.items() if o.outcome == "not_sent"}
    settled = {k for k, o in run.orders.items() if o.outcome in ("cancelled", "failed")}
    assert not_sent | settled == set(run.orders), "an order was left without its outcome"
    finish = next(r for r in recs if r["type"] == "finish")
    assert finish["counts"]["not_sent"] == len(not_sent)
    return {"not_sent": not_sent, "settled": settled, "run": run}
