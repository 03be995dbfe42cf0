"""One cancel run in the TUI: plan, engine, abort, and the run's events as Textual messages.

`CancelRun` is the app's only holder of run state. The main screen asks it for a plan
(`plan`, made once: the confirm dialog shows it and the engine runs exactly it), starts the
run (`start`), and shows what the messages it posts to the screen say:

- `CancelRun.Started`: the run began (the progress panel's title and total);
- `CancelRun.Progress`: requests sent and outcome counts so far, and the rows to mark
  (`sending…`, or the outcome an order got);
- `CancelRun.Finished`: the run's report (None when it stopped with an error).

The engine runs on the exchange thread and pushes its events into an `EventBatch`; they are
drained every DRAIN_EVERY seconds into one `Progress` (a 1,000-order run costs the UI a few
dozen updates, not thousands: keypress-to-repaint stays low, tests/bench/ui_latency.py).

Abort (`ask_abort`, `abort`) works before the engine exists too: the flag is kept and the
engine is aborted as soon as it is made. Quitting and the stop signals (tui/ui/quitting.py)
use `abort` and `wait_finished`.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from textual.message import Message
from textual.message_pump import MessagePump
from textual.notifications import SeverityLevel
from textual.timer import Timer

from tui.core.events import Notice, OrderOutcome, Outcome, RequestSent, RunReport
from tui.core.models.row import OrderRow
from tui.core.planner import Plan, plan_cancels
from tui.ui.runner import EventBatch

if TYPE_CHECKING:
    from tui.core.engine import CancelEngine
    from tui.ui.app import OrderTuiApp
    from tui.ui.screens.ask import AskScreen

T = TypeVar("T")
DRAIN_EVERY = 0.05  # engine events reach the UI at most every 50 ms
COUNTED = ("cancelled", "failed", "unknown", "not_sent")
SEVERITY: dict[str, SeverityLevel] = {"warning": "warning", "error": "error"}


class CancelRun:
    """The TUI's cancel run: at most one at a time."""

    class Started(Message):
        def __init__(self, title: str, total: int) -> None:
            super().__init__()
            self.title = title
            self.total = total

    class Progress(Message):
        def __init__(
            self,
            requests: int,
            counts: dict[str, int],
            marks: dict[str, str],
            note: str | None = None,
        ) -> None:
            super().__init__()
            self.requests = requests  # sent so far in this run
            self.counts = counts  # outcome value -> orders, for COUNTED
            self.marks = marks  # row key -> "sending" or an outcome value, changed since last
            self.note = note  # e.g. "aborting: nothing more is sent"

    class Finished(Message):
        def __init__(self, report: RunReport | None, rows: dict[str, OrderRow]) -> None:
            super().__init__()
            self.report = report  # None: the run stopped with an error (already notified)
            self.rows = rows  # the table's rows of the orders the run was given, by key

    def __init__(self, app: OrderTuiApp, target: MessagePump) -> None:
        self.app = app
        self.target = target  # who gets the messages (the main screen)
        self.running = False
        self.keys: frozenset[str] = frozenset()  # the orders of the run going (or the last)
        self.last_report: RunReport | None = None
        self.last_known: dict[str, OrderRow] = {}
        self.last_journal: Path | None = None
        self._engine: CancelEngine | Any = None  # anything with abort(reason)
        self._abort_reason: str | None = None
        self._question: AskScreen | None = None
        self._inbox = EventBatch()
        self._ticker: Timer | None = None
        self._outcomes: dict[str, Outcome] = {}
        self._requests = 0
        self._finished = asyncio.Event()
        self._finished.set()

    # ---- planning and starting ------------------------------------------------------------------
    def plan(self, rows: list[OrderRow]) -> Plan | None:
        """The plan for cancelling `rows` on the current connection (None: not connected)."""
        client = self.app.session.client
        if client is None:
            return None
        return plan_cancels(
            [r.ref for r in rows],
            batch_max=client.batch_cancel_max,
            endpoints=client.endpoints,
            id_kinds=client.id_kinds,
        )

    def start(self, rows: list[OrderRow], plan: Plan) -> bool:
        """Run `plan` (made by `plan` from `rows`). False if a run is already going."""
        if self.running:
            return False
        self._begin(frozenset(r.key for r in rows))
        # Never exclusive: a new worker would kill a live run.
        self.app.run_worker(self._run(rows, plan), group="cancel", exclusive=False)
        return True

    def _begin(self, keys: frozenset[str]) -> None:
        self.running = True
        self.keys = keys
        self._finished.clear()
        self._abort_reason = None
        self._outcomes = {}
        self._requests = 0
        self._inbox = EventBatch()

    def _started(self, title: str, total: int) -> None:
        self.target.post_message(self.Started(title, total))
        self._ticker = self.app.set_interval(DRAIN_EVERY, self._drain)

    def _engine_made(self, engine: Any) -> None:
        """The run's engine (anything with `abort(reason)`): an abort asked before applies now."""
        self._engine = engine
        if self._abort_reason is not None:
            engine.abort(self._abort_reason)

    def _ended(self, report: RunReport | None, known: dict[str, OrderRow]) -> None:
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        self._drain()
        self._engine = None
        self.running = False
        self._close_question()
        if report is not None:
            self.last_report = report
            self.last_known = known
        self._finished.set()
        self.target.post_message(self.Finished(report, known))

    async def _run(self, rows: list[OrderRow], plan: Plan) -> None:
        session = self.app.session
        runner = session.runner
        refs = [*plan.refs, *plan.unsupported]
        where = session.client.describe() if session.client else ""
        self._started(
            f"Cancelling {len(refs):,} order{'s' if len(refs) != 1 else ''} · {where} · "
            f"{plan.summary()} · escape aborts",
            len(refs),
        )
        report: RunReport | None = None
        try:
            engine, journal = await asyncio.wrap_future(
                runner.call_blocking(session.new_engine, self._inbox.push)
            )
            self._engine_made(engine)
            report = await runner.run(engine.run(plan))
            self.last_journal = journal.path
        except Exception as exc:
            self.app.report_error("The run stopped with an error", exc)
        finally:
            self._ended(report, {r.key: r for r in rows})

    async def run_other(
        self,
        title: str,
        total: int,
        work: Callable[[Callable[[object], None], Callable[[Any], None]], Coroutine[Any, Any, T]],
        report_of: Callable[[T], RunReport],
        known: Callable[[RunReport], dict[str, OrderRow]],
        keys: frozenset[str] = frozenset(),
    ) -> T | None:
        """A run the controller did not plan (the panic cancel: two paths, engines of its own):
        `work(push, engine_made)` runs on the exchange thread, pushing engine events and naming
        each engine it makes, so progress, abort and the messages are the same as a planned
        run's. None if a run is already going or this one stopped with an error."""
        if self.running:
            return None
        self._begin(keys)  # the row keys the run may touch (live updates leave them alone)
        self._started(title, total)
        result: T | None = None
        report: RunReport | None = None
        try:
            done: T = await self.app.session.runner.run(work(self._inbox.push, self._engine_made))
            result, report = done, report_of(done)
        except Exception as exc:
            self.app.report_error("The run stopped with an error", exc)
        finally:
            self._ended(report, known(report) if report is not None else {})
        return result if report is not None else None

    # ---- events ---------------------------------------------------------------------------------
    def _drain(self) -> None:
        """The engine's events since the last drain, as one Progress message."""
        events = self._inbox.drain()
        if not events:
            return
        marks: dict[str, str] = {}
        for event in events:
            if isinstance(event, RequestSent):
                self._requests += 1
                for ref in event.refs:
                    if ref.key not in self._outcomes:
                        marks[ref.key] = "sending"
            elif isinstance(event, OrderOutcome):
                result = event.result
                self._outcomes[result.ref.key] = result.outcome
                marks[result.ref.key] = result.outcome.value
            elif isinstance(event, Notice):
                self.app.notify(
                    event.text, severity=SEVERITY.get(event.level, "information"), timeout=6
                )
        self.target.post_message(self.Progress(self._requests, self._counts(), marks))

    def _counts(self) -> dict[str, int]:
        counts = Counter(o.value for o in self._outcomes.values())
        return {k: counts.get(k, 0) for k in COUNTED}

    # ---- abort ----------------------------------------------------------------------------------
    def abort(self, reason: str = "aborted by the user") -> None:
        """Send nothing more; requests on the wire finish and are recorded. Safe from a signal
        handler (it only sets a flag and schedules the engine's abort on its own loop)."""
        if not self.running:
            return
        self._abort_reason = reason  # the engine may not exist yet: aborted when it does
        engine = self._engine
        if engine is not None:
            self.app.session.runner.call_soon(engine.abort, reason)

    def ask_abort(self) -> None:
        """Ask, then abort (the question closes by itself if the run ends first)."""
        from tui.ui.screens.ask import AskScreen

        def answer(yes: bool | None) -> None:
            if yes and self.running:
                self.abort()
                self.target.post_message(
                    self.Progress(
                        self._requests, self._counts(), {}, note="aborting: nothing more is sent"
                    )
                )

        self._question = AskScreen(
            "Abort the run?",
            "Requests already sent finish and are recorded; orders not sent yet stay open and are "
            "listed as not sent.",
            yes="abort",
            no="keep going",
        )
        self.app.push_screen(self._question, answer)

    def _close_question(self) -> None:
        """The run ended while its abort question was open: the question no longer applies."""
        question, self._question = self._question, None
        if question is not None and self.app.screen is question:
            question.dismiss(False)

    async def wait_finished(self, timeout: float) -> bool:
        """Wait for the run to end (at most `timeout` s). True once no run is going."""
        try:
            await asyncio.wait_for(self._finished.wait(), timeout)
        except TimeoutError:
            return False
        return True
