"""The main screen: header, filter, the order table, a progress panel during a run, counts."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input

from tui.core.events import Notice, OrderOutcome, Outcome, RequestSent, RunReport
from tui.core.models.row import OrderRow
from tui.ui.widgets.header_bar import HeaderBar
from tui.ui.widgets.order_table import OrderTable, row_key
from tui.ui.widgets.progress_panel import ProgressPanel
from tui.ui.widgets.status_bar import StatusBar

BIG_FILTER = 20_000  # above this many rows, keys typed quickly are coalesced into one filter
FILTER_PAUSE = 0.05  # seconds: a key this soon after the last key or filter waits for the next
DRAIN_EVERY = 0.05  # engine events reach the UI at most every 50 ms


class MainScreen(Screen):
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
    ]

    def __init__(self) -> None:
        super().__init__()
        self.running = False
        self.last_report: RunReport | None = None
        self.last_known: dict[str, OrderRow] = {}
        self.last_journal: Path | None = None
        self._engine = None
        self._abort_requested = False
        self._load_note = ""
        self._page: tuple[int, int] | None = None
        self._filter_timer = None
        self._filter_at = 0.0
        self._counts_timer = None

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

    @property
    def table(self) -> OrderTable:
        return self.query_one(OrderTable)

    def on_mount(self) -> None:
        self.table.focus()
        self._update_counts()

    # ---- counts ---------------------------------------------------------------------------------
    @on(OrderTable.SelectionChanged)
    @on(OrderTable.ViewChanged)
    def _table_changed(self, event) -> None:
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

    # ---- connection -----------------------------------------------------------------------------
    def show_connection(self) -> None:
        self.app.fill_header(self.query_one(HeaderBar))

    # ---- load, look up --------------------------------------------------------------------------
    def action_load(self) -> None:
        if self.running:
            self.notify("A cancel run is in progress.", severity="warning")
            return
        self.load_orders()

    @work(exclusive=True, group="load")
    async def load_orders(self) -> None:
        session = self.app.session
        if session.client is None:
            self.notify("Not connected yet.", severity="warning")
            return
        status = self.query_one(StatusBar)
        status.set_note("loading open orders…")
        self._page = None

        def on_page(page: int, total: int) -> None:  # on the exchange thread: just remember it
            self._page = (page, total)

        ticker = self.set_interval(0.1, self._show_page)
        started = time.monotonic()
        try:
            loaded = await session.runner.run(session.list_open(on_page=on_page))
        except Exception as exc:
            status.set_note("")
            self.app.report_error("Could not load open orders", exc)
            return
        finally:
            ticker.stop()
        rows = loaded.rows
        keep = [r for r in self.table.all_rows() if not r.known]  # ids added by hand stay
        self.table.set_rows(rows + keep)
        self.app.after_big_load(len(rows))
        if loaded.partial is not None:
            stop = loaded.partial
            # The rows read stay, and the note stays until the next load: the list is not whole.
            head = f"partial list: {len(stop.orders):,} orders loaded, page {stop.page} failed: "
            status.set_note(f"{head}{stop.short_reason} (r to retry)")
            self.notify(
                f"{head}{stop.reason} (r to retry)",
                title="Open orders: partial list",
                severity="warning",
                timeout=10,
            )
            return
        status.set_note(loaded.label or "")
        self.notify(
            f"Loaded {len(rows):,} open order{'s' if len(rows) != 1 else ''} "
            f"in {time.monotonic() - started:.1f} s."
            + (f" ({loaded.note})" if loaded.note else ""),
            timeout=3,
        )

    def _show_page(self) -> None:
        if self._page is not None:
            page, total = self._page
            self.query_one(StatusBar).set_note(
                f"loading open orders… page {page} · {total:,} orders"
            )

    def action_lookup(self) -> None:
        self.lookup_unknown()

    @work(exclusive=True, group="lookup")
    async def lookup_unknown(self) -> None:
        session = self.app.session
        client = session.client
        if client is None:
            self.notify("Not connected yet.", severity="warning")
            return
        table = self.table
        chosen = table.selected_rows() or table.all_rows()
        unknown = [r for r in chosen if not r.known]
        if not unknown:
            self.notify("Every order in the table is already known.")
            return
        if not client.lookup_max:
            self.notify(
                "This exchange has no order look-up: its orders stay known by id only.",
                severity="warning",
            )
            return
        self.query_one(StatusBar).set_note(f"looking up {len(unknown):,} orders…")
        try:
            found = await session.runner.run(session.lookup([r.ref for r in unknown]))
        except Exception as exc:
            self.query_one(StatusBar).set_note("")
            self.app.report_error("Look-up failed", exc)
            return
        self.query_one(StatusBar).set_note("")
        by_ident = {r.identifier: r for r in unknown if r.id_kind.value == "identifier"}
        direct: list[OrderRow] = []  # rows already in the table under their uuid: update
        added: list[OrderRow] = []  # rows new to the table (found by identifier)
        renamed: list[tuple[str, str]] = []  # identifier row key -> the uuid row that replaces it
        for row in found:
            old = by_ident.pop(row.identifier, None) if row.identifier else None
            present = table.get_row(row.key) is not None
            if old is not None:
                # The order was known by identifier: from now on it is its uuid row (one row
                # per order, so it can never be cancelled twice from two rows).
                renamed.append((old.key, row.key))
                (direct if present else added).append(row)
            else:
                direct.append(row)
        table.update_rows(direct)
        if renamed:
            was_selected = {new for old, new in renamed if table.is_selected(old)}
            table.remove_rows([old for old, _ in renamed])
            table.add_rows(added)
            table.select_keys([key for key in was_selected])
        missing = len(unknown) - len(found)
        text = f"Looked up {len(found):,} order{'s' if len(found) != 1 else ''}"
        if missing > 0:
            text += f"; {missing:,} not found on this account"
        self.notify(text + ".", timeout=5, severity="warning" if missing > 0 else "information")

    # ---- add, paste, import -----------------------------------------------------------------------
    def action_add(self) -> None:
        from tui.ui.screens.add_order import AddOrderScreen

        exchange = self.app.session.profile.exchange if self.app.session.profile else "upbit"
        self.app.push_screen(
            AddOrderScreen("order_id" if exchange == "b2trader" else "auto"), self._added
        )

    def _added(self, ref) -> None:
        if ref is None:
            return
        row = OrderRow.from_ref(ref)
        if self.table.add_rows([row]):
            self.table.move_cursor_to_key(row.key)
            self.notify(f"Added {ref.kind.value} {ref.value}. l looks it up.", timeout=4)
        else:
            self.notify("That order is already in the table.")

    async def on_paste(self, event: events.Paste) -> None:
        if isinstance(self.focused, Input):
            return
        event.stop()
        self.preview_text(event.text, "paste")

    @work(exclusive=True, group="parse")
    async def preview_text(self, text: str, source: str) -> None:
        from tui.core.parsing import parse_text

        if not text.strip():
            return
        try:
            result = await asyncio.to_thread(parse_text, text)
        except Exception as exc:
            self.app.report_error("Could not read the pasted text", exc)
            return
        self._show_preview(result, source)

    def _show_preview(self, result, source: str) -> None:
        from tui.ui.screens.paste_preview import PastePreviewScreen, preview_notes

        def add(ok: bool | None) -> None:
            if ok:
                self.add_parsed(result)

        profile = self.app.session.profile
        exchange = profile.exchange if profile is not None else "upbit"
        in_table = {r.key for r in self.table.all_rows()}
        notes = preview_notes(result, exchange=exchange, in_table=in_table)
        self.app.push_screen(PastePreviewScreen(result, source=source, notes=notes), add)

    def add_parsed(self, result) -> int:
        before = self.table.row_count
        self.table.add_rows(result.rows)
        self.app.after_big_load(len(result.rows))
        added = self.table.row_count - before
        already = len(result.rows) - added
        text = f"Added {added:,} order{'s' if added != 1 else ''}"
        if already:
            text += f" ({already:,} already in the table, updated)"
        unknown = sum(1 for r in result.rows if not r.known)
        if unknown:
            text += f"; {unknown:,} known by id only (l looks them up)"
        self.notify(text + ".", timeout=5)
        return added

    def action_import(self) -> None:
        from tui.ui.screens.prompt import PromptScreen

        self.app.push_screen(
            PromptScreen(
                "Import orders from a file (text, CSV/TSV or JSON):",
                str(Path.cwd()) + "/",
                help_text="enter: read it (a preview follows) · escape: cancel",
            ),
            self.import_file,
        )

    @work(exclusive=True, group="parse")
    async def import_file(self, path: str | None) -> None:
        if not path:
            return
        from tui.core.parsing import parse_file

        try:
            result = await asyncio.to_thread(parse_file, Path(path).expanduser())
        except Exception as exc:
            self.app.report_error(f"Could not import {path}", exc)
            return
        self._show_preview(result, Path(path).name)

    # ---- detail, results, profiles, settings -------------------------------------------------------
    def action_detail(self) -> None:
        from tui.ui.screens.detail import DetailScreen

        row = self.table.cursor_row
        if row is not None:
            self.app.push_screen(DetailScreen(row))

    def action_results(self) -> None:
        if self.last_report is None:
            self.notify("No run yet in this session.")
            return
        self.show_results(self.last_report)

    def action_profiles(self) -> None:
        self.app.action_switch_profile()

    def action_settings(self) -> None:
        self.app.action_settings()

    # ---- cancelling ---------------------------------------------------------------------------------
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
        from tui.core.planner import plan_cancels
        from tui.ui.screens.confirm import ConfirmScreen, summarize

        if self.running:  # every way in (keys, palette, retry from results) meets this check
            self.notify("A run is already in progress (escape aborts it).", severity="warning")
            return
        session = self.app.session
        client = session.client
        if client is None:
            self.notify("Not connected yet.", severity="warning")
            return
        plan = plan_cancels(
            [r.ref for r in rows],
            batch_max=client.batch_cancel_max,
            endpoints=client.endpoints,
            id_kinds=client.id_kinds,
        )
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
            if self.running:  # two confirms stacked (e.g. from the palette): only one run at a time
                self.notify("A run is already in progress (escape aborts it).", severity="warning")
                return
            self.run_cancel(rows, plan)

        self.app.push_screen(ConfirmScreen(summary), confirmed)

    @work(exclusive=False, group="cancel")  # never exclusive: a new worker would kill a live run
    async def run_cancel(self, rows: list[OrderRow], plan) -> None:
        from tui.ui.runner import EventBatch

        if self.running:
            return
        session = self.app.session
        runner = session.runner
        inbox = EventBatch()
        refs = [*plan.refs, *plan.unsupported]
        self.running = True
        progress = self.query_one(ProgressPanel)
        where = session.client.describe() if session.client else ""
        progress.begin(
            f"Cancelling {len(refs):,} order{'s' if len(refs) != 1 else ''} · {where} · "
            f"{plan.summary()} · escape aborts",
            len(refs),
        )
        self._outcomes: dict[str, Outcome] = {}
        self._abort_requested = False
        ticker = self.set_interval(DRAIN_EVERY, lambda: self._drain(inbox))
        report: RunReport | None = None
        try:
            engine, journal = await asyncio.wrap_future(
                runner.call_blocking(session.new_engine, inbox.push)
            )
            self._engine = engine
            if self._abort_requested:
                engine.abort("aborted by the user")
            report = await runner.run(engine.run(refs))
            self.last_journal = journal.path
        except Exception as exc:
            self.app.report_error("The run stopped with an error", exc)
        finally:
            ticker.stop()
            self._drain(inbox)
            self._engine = None
            self.running = False
            progress.end()
            self._close_abort_question()
        if report is None:
            return
        known = {r.key: r for r in rows}
        self.last_report = report
        self.last_known = known
        # The rows now show what the exchange said last (state, remaining, locked), under the
        # run's marks; cancelled rows leave the selection so they are not sent again.
        self.table.update_rows(
            [r.row for r in report.results.values() if r.row is not None and r.row.known]
        )
        done = [k for k, r in report.results.items() if r.outcome is Outcome.CANCELLED]
        self.table.select_keys(done, selected=False)
        self.table.mark_rows({k: r.outcome.value for k, r in report.results.items()})
        if not getattr(self.app, "quitting", False):
            self.show_results(report)

    def _drain(self, inbox) -> None:
        events_ = inbox.drain()
        if not events_:
            return
        progress = self.query_one(ProgressPanel)
        marks: dict[str, str] = {}
        for event in events_:
            if isinstance(event, RequestSent):
                progress.requests += 1
                for ref in event.refs:
                    key = ref.key
                    if key not in self._outcomes:
                        marks[key] = "sending"
            elif isinstance(event, OrderOutcome):
                result = event.result
                self._outcomes[result.ref.key] = result.outcome
                marks[result.ref.key] = result.outcome.value
            elif isinstance(event, Notice):
                self.notify(
                    event.text,
                    severity={"warning": "warning", "error": "error"}.get(
                        event.level, "information"
                    ),
                    timeout=6,
                )
        if marks:
            self.table.mark_rows(marks)
        counts = Counter(o.value for o in self._outcomes.values())
        progress.counts = {
            k: counts.get(k, 0) for k in ("cancelled", "failed", "unknown", "not_sent")
        }
        progress.refresh_counts()

    def ask_abort(self) -> None:
        from tui.ui.screens.ask import AskScreen

        def answer(yes: bool | None) -> None:
            engine = self._engine
            if yes and self.running:
                self._abort_requested = True
                if engine is not None:
                    self.app.session.runner.call_soon(engine.abort, "aborted by the user")
                progress = self.query_one(ProgressPanel)
                progress.note = "aborting: nothing more is sent"
                progress.refresh_counts()

        self._abort_question = AskScreen(
            "Abort the run?",
            "Requests already sent finish and are recorded; orders not sent yet stay open and are "
            "listed as not sent.",
            yes="abort",
            no="keep going",
        )
        self.app.push_screen(self._abort_question, answer)

    def _close_abort_question(self) -> None:
        """The run ended while its abort question was open: the question no longer applies."""
        question, self._abort_question = getattr(self, "_abort_question", None), None
        if question is not None and self.app.screen is question:
            question.dismiss(False)

    def show_results(self, report: RunReport) -> None:
        from tui.ui.screens.results import ResultsScreen

        client = self.app.session.client

        def after(choice: str | None) -> None:
            if choice == "retry":
                keys = [
                    k
                    for k, r in report.results.items()
                    if r.outcome in (Outcome.FAILED, Outcome.NOT_SENT)
                ]
                rows = [
                    self.table.get_row(k)
                    or self.last_known.get(k)
                    or OrderRow.from_ref(report.results[k].ref)
                    for k in keys
                ]
                self.confirm_cancel(rows)

        self.app.push_screen(
            ResultsScreen(
                report,
                self.last_known,
                journal_path=self.last_journal,
                can_reconcile=bool(client and client.lookup_max),
            ),
            after,
        )


__all__ = ["MainScreen", "row_key"]
