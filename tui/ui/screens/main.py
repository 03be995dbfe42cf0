"""The main screen: header, filter, the order table, a progress panel during a run, counts.

The orders come in through `OrderSourcesScreen` (main_sources.py); a cancel is planned and run
by the app's `CancelRun` (tui/ui/cancel_run.py), whose messages this screen shows.
"""

from __future__ import annotations

import time

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Footer, Input

from tui.core.events import Outcome, RunReport
from tui.core.models.row import OrderRow
from tui.ui.cancel_run import CancelRun
from tui.ui.screens.main_live import LiveOrdersScreen
from tui.ui.widgets.header_bar import HeaderBar
from tui.ui.widgets.order_table import OrderTable, row_key
from tui.ui.widgets.progress_panel import ProgressPanel
from tui.ui.widgets.status_bar import StatusBar

BIG_FILTER = 20_000  # above this many rows, keys typed quickly are coalesced into one filter
FILTER_PAUSE = 0.05  # seconds: a key this soon after the last key or filter waits for the next


class MainScreen(LiveOrdersScreen):
    BINDINGS = [
        Binding("c", "cancel", "Cancel", id="main.cancel"),
        Binding("r", "load", "Load", id="main.load"),
        Binding("slash", "filter", "Filter", id="main.filter"),
        Binding("n", "add", "Add", show=False, id="main.add"),
        Binding("i", "import", "Import", show=False, id="main.import"),
        Binding("l", "lookup", "Look up", show=False, id="main.lookup"),
        Binding("enter", "detail", "Detail", show=False, id="main.detail"),
        Binding("v", "results", "Last results", show=False, id="main.results"),
        Binding("p", "profiles", "Profile", show=False, id="main.profiles"),
        Binding("comma", "settings", "Settings", show=False, id="main.settings"),
        Binding("escape", "escape", "Clear filter / abort run", show=False, id="main.escape"),
        Binding("m", "select_by_rule", "Select by rule", show=False, id="main.rule_select"),
        Binding("X", "panic_cancel", "Panic cancel (server-side)", show=False, id="main.panic"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._filter_timer: Timer | None = None
        self._counts_timer: Timer | None = None
        self._filter_at = 0.0

    def compose(self) -> ComposeResult:
        yield HeaderBar()
        yield Input(
            placeholder="filter: market, side, id, identifier, state — enter keeps it, escape clears",
            id="filter",
        )
        yield OrderTable(
            empty_text="No orders yet: r loads open orders, n adds one, paste ids, i imports a file."
        )
        yield ProgressPanel()
        yield StatusBar()
        yield Footer()

    def on_mount(self) -> None:
        self.table.focus()
        self._update_counts()

    # ---- counts ---------------------------------------------------------------------------------
    @on(OrderTable.SelectionChanged)
    @on(OrderTable.ViewChanged)
    def _table_changed(self, event: Message) -> None:
        # Coalesce: a burst of changes (select all on 100k rows) recounts once.
        if self._counts_timer is None:
            self._counts_timer = self.set_timer(0.03, self._update_counts)

    def _update_counts(self) -> None:
        self._counts_timer = None
        table = self.table
        self.query_one(StatusBar).set_counts(
            total=table.row_count,
            visible=table.visible_count,
            selected=table.selected_count,
            hidden_selected=table.hidden_selected_count(),
            filter_text=table.filter_text,
            locked=table.locked_totals(),  # kept per change by the table, not re-summed
        )

    # ---- filter ---------------------------------------------------------------------------------
    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.add_class("shown")
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self.table.row_count > BIG_FILTER:
            # The first key after a pause filters at once; keys that come faster than
            # FILTER_PAUSE (after the last key or the last filter) wait for the last of them.
            if self._filter_timer is not None:
                self._filter_timer.stop()
                self._filter_timer = None
            if time.monotonic() - self._filter_at >= FILTER_PAUSE:
                self._filter_now(event.value)
            else:
                self._filter_at = time.monotonic()
                self._filter_timer = self.set_timer(
                    FILTER_PAUSE, lambda: self._filter_now(event.value)
                )
        else:
            self.table.set_filter(event.value)

    def _filter_now(self, text: str) -> None:
        self._filter_timer = None
        self.table.set_filter(text)
        self._filter_at = time.monotonic()  # keys queued behind this filter are coalesced

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self.table.set_filter(event.value)
        if not event.value.strip():
            event.input.remove_class("shown")
        self.table.focus()

    def _clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.remove_class("shown")
        self.table.set_filter("")
        self.table.focus()

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape" and self.focused is self.query_one("#filter", Input):
            event.stop()
            self._clear_filter()

    def action_escape(self) -> None:
        if self.running:
            self.ask_abort()
        elif self.table.filter_text or self.query_one("#filter").has_class("shown"):
            self._clear_filter()

    # ---- the run: state is the controller's (tui/ui/cancel_run.py) -------------------------------
    @property
    def cancel_run(self) -> CancelRun:
        return self.ordertui_app.cancel_run

    @property
    def running(self) -> bool:
        return self.cancel_run.running

    def action_load(self) -> None:
        if self.running:
            self.notify("A cancel run is in progress.", severity="warning")
            return
        self.load_orders()

    # ---- detail, results, profiles, settings -------------------------------------------------------
    def action_detail(self) -> None:
        from tui.ui.screens.detail import DetailScreen

        row = self.table.cursor_row
        if row is not None:
            self.app.push_screen(DetailScreen(row))

    def action_results(self) -> None:
        report = self.cancel_run.last_report
        if report is None:
            self.notify("No run yet in this session.")
            return
        self.show_results(report)

    def action_profiles(self) -> None:
        self.ordertui_app.action_switch_profile()

    def action_settings(self) -> None:
        self.ordertui_app.action_settings()

    # ---- cancelling ---------------------------------------------------------------------------------
    def action_select_by_rule(self) -> None:
        from tui.ui.screens.rule_select import open_rule_select

        open_rule_select(self)

    def action_panic_cancel(self) -> None:
        from tui.ui.screens.panic_cancel import start_panic

        start_panic(self)

    def action_cancel(self) -> None:
        if self.running:
            self.notify("A run is already in progress (escape aborts it).", severity="warning")
            return
        table = self.table
        rows = table.selected_rows()
        if not rows:
            row = table.cursor_row
            if row is None:
                self.notify(
                    "No orders to cancel: select some with space (or a for all shown).",
                    severity="warning",
                )
                return
            rows = [row]
        self.confirm_cancel(rows)

    def confirm_cancel(self, rows: list[OrderRow]) -> None:
        """Plan once, show the plan, and on yes run exactly that plan."""
        from tui.ui.screens.confirm import ConfirmScreen, summarize

        if self.running:  # every way in (keys, palette, retry from results) meets this check
            self.notify("A run is already in progress (escape aborts it).", severity="warning")
            return
        shown_closed = len(rows)
        rows = self.still_open(rows)  # the stream said these closed: never sent
        shown_closed -= len(rows)
        if not rows:
            self.notify("These orders have closed: nothing to cancel.", severity="warning")
            return
        session = self.ordertui_app.session
        client = session.client
        plan = self.cancel_run.plan(rows)
        if client is None or plan is None:
            self.notify("Not connected yet.", severity="warning")
            return
        info = session.info()
        summary = summarize(
            rows,
            plan,
            where=client.describe(),
            demo=bool(info and info.demo),
            batch_max=client.batch_cancel_max,
            lookup_max=client.lookup_max,
        )
        hidden = self.table.hidden_selected_count() if self.table.selected_count else 0
        if hidden:
            summary.notes.insert(
                0,
                f"{hidden:,} of these {'are' if hidden != 1 else 'is'} hidden by the filter "
                f"/{self.table.filter_text}.",
            )
        since = self.closed_since_selected.copy()
        if shown_closed:
            since["closed (shown muted)"] += shown_closed
        if since:
            ways = ", ".join(f"{n:,} {how}" for how, n in since.most_common())
            total = sum(since.values())
            summary.notes.insert(
                0,
                f"{total:,} order{'s' if total != 1 else ''} closed since selected ({ways}): "
                "not counted, nothing is sent for them.",
            )
        closed = sum(1 for r in rows if r.is_open is False)
        if closed:
            summary.notes.insert(
                0,
                f"{closed:,} of these {'are' if closed != 1 else 'is'} already closed "
                "(cancelled or filled): the exchange will refuse them.",
            )

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            # Orders the stream closed while the question was open are not sent.
            run_rows, run_plan = self.still_open(rows), plan
            if len(run_rows) != len(rows):
                gone = len(rows) - len(run_rows)
                self.notify(
                    f"{gone:,} order{'s' if gone != 1 else ''} closed while you confirmed: not sent."
                )
                if not run_rows:
                    return
                run_plan = self.cancel_run.plan(run_rows) or plan
            self.closed_since_selected.clear()
            # Two confirms stacked (e.g. from the palette): only one run at a time.
            if not self.cancel_run.start(run_rows, run_plan):
                self.notify("A run is already in progress (escape aborts it).", severity="warning")

        self.app.push_screen(ConfirmScreen(summary), confirmed)

    def ask_abort(self) -> None:
        self.cancel_run.ask_abort()

    @on(CancelRun.Started)
    def _run_started(self, message: CancelRun.Started) -> None:
        self.query_one(ProgressPanel).begin(message.title, message.total)

    @on(CancelRun.Progress)
    def _run_progress(self, message: CancelRun.Progress) -> None:
        if message.marks:
            self.table.mark_rows(message.marks)
        progress = self.query_one(ProgressPanel)
        progress.requests = message.requests
        progress.counts = message.counts
        if message.note is not None:
            progress.note = message.note
        progress.refresh_counts()

    @on(CancelRun.Finished)
    def _run_finished(self, message: CancelRun.Finished) -> None:
        self.query_one(ProgressPanel).end()
        self.run_ended()  # a re-sync the run held back
        report = message.report
        if report is None:
            return
        # The rows now show what the exchange said last (state, remaining, locked), under the
        # run's marks; cancelled rows leave the selection so they are not sent again.
        self.table.update_rows(
            [r.row for r in report.results.values() if r.row is not None and r.row.known]
        )
        done = [k for k, r in report.results.items() if r.outcome is Outcome.CANCELLED]
        self.table.select_keys(done, selected=False)
        self.table.mark_rows({k: r.outcome.value for k, r in report.results.items()})
        if not self.ordertui_app.quitting:
            self.show_results(report)

    def show_results(self, report: RunReport) -> None:
        from tui.ui.screens.results import ResultsScreen

        session = self.ordertui_app.session
        client = session.client
        known = self.cancel_run.last_known

        def after(choice: str | None) -> None:
            if choice == "retry":
                keys = [
                    k
                    for k, r in report.results.items()
                    if r.outcome in (Outcome.FAILED, Outcome.NOT_SENT)
                ]
                rows = [
                    self.table.get_row(k)
                    or known.get(k)
                    or OrderRow.from_ref(report.results[k].ref)
                    for k in keys
                ]
                self.confirm_cancel(rows)

        journal = self.cancel_run.last_journal
        self.app.push_screen(
            ResultsScreen(
                report,
                known,
                journal_path=journal,
                can_reconcile=bool(client and client.lookup_max),
                reconcile=session.reconcile,
            ),
            after,
        )


__all__ = ["MainScreen", "row_key"]
