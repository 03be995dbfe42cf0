"""Results of a run: cancelled and failed side by side (stacked below 100 columns), unknown /
not-sent orders in their own section with reconcile, and every field of the order under the
cursor (with the error name, message and hint for failures)."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from tui.ui.widgets.plain import Plain
from textual.widgets import Footer, Static

from tui.core.errors import ErrorInfo, hint_for
from tui.core.events import OrderResult, Outcome, RunReport
from tui.core.models.row import OrderRow
from tui.ui.widgets.header_bar import HeaderBar
from tui.ui.widgets.order_detail import OrderDetail
from tui.ui.widgets.order_table import OrderTable

NARROW = 100
PANELS = (
    ("ok", "Cancelled", (Outcome.CANCELLED,)),
    ("failed", "Failed", (Outcome.FAILED,)),
    ("unknown", "Unknown / not sent", (Outcome.UNKNOWN, Outcome.NOT_SENT)),
)


def result_row(result: OrderResult, known: dict[str, OrderRow]) -> OrderRow:
    """The fullest row we have for a result: the engine's (looked up) or the table's."""
    row = result.row
    if row is not None and row.known:
        return row
    return known.get(result.ref.key) or row or OrderRow.from_ref(result.ref)


def run_summary(report: RunReport) -> str:
    c = report.counts
    parts = [f"{report.requested:,} orders", f"{c['cancelled']:,} cancelled", f"{c['failed']:,} failed"]
    if c["unknown"]:
        parts.append(f"{c['unknown']:,} unknown")
    if c["not_sent"]:
        parts.append(f"{c['not_sent']:,} not sent")
    elapsed = f"{report.elapsed_s:.2f}" if report.elapsed_s < 10 else f"{report.elapsed_s:.1f}"
    parts.append(f"{report.requests:,} request{'s' if report.requests != 1 else ''} in {elapsed} s")
    if report.halted:
        parts.append(f"halted: {report.halted}")
    elif report.aborted:
        parts.append("aborted")
    return " · ".join(parts)


class ResultPanel(Vertical):
    """One titled list of results (styles in styles.tcss)."""


class ResultsScreen(Screen[str | None]):
    """Dismisses with "retry" when R is pressed, else None."""

    BINDINGS = [
        Binding("escape", "back", "Back to orders", id="results.back"),
        Binding("R", "retry", "Retry failed", id="results.retry"),
        Binding("e", "export", "Export", id="results.export"),
        Binding("y", "copy", "Copy JSON", id="results.copy"),
        Binding("u", "reconcile", "Reconcile unknown", id="results.reconcile"),
        Binding("enter", "detail", "Full detail", id="results.detail"),
        Binding("tab", "app.focus_next", "Next panel", show=False, id="results.next"),
    ]


    def __init__(self, report: RunReport, known: dict[str, OrderRow], *, journal_path: Path | None = None,
                 can_reconcile: bool = True) -> None:
        super().__init__()
        self.report = report
        self.known = known
        self.journal_path = journal_path
        self.can_reconcile = can_reconcile
        self._current: OrderResult | None = None
        self.ready = False  # set once the panels are filled

    def compose(self) -> ComposeResult:
        yield HeaderBar()
        yield Plain(run_summary(self.report), id="summary")
        with Horizontal(id="panels"):
            for key, title, _ in PANELS[:2]:
                with ResultPanel(id=f"panel-{key}"):
                    yield Plain(title, classes="panel-title", id=f"title-{key}")
                    yield OrderTable(id=f"table-{key}", empty_text="None.", selectable=False)
        with ResultPanel(id="panel-unknown"):
            yield Plain("", classes="panel-title", id="title-unknown")
            yield OrderTable(id="table-unknown", empty_text="None.", selectable=False)
        with Vertical(id="detail-box"):
            yield Plain("Order", classes="panel-title", id="detail-title")
            yield OrderDetail()
        yield Footer()

    def on_mount(self) -> None:
        app = self.app
        if hasattr(app, "fill_header"):
            app.fill_header(self.query_one(HeaderBar))
        self._fill()
        self.set_class(self.size.width < NARROW, "narrow")
        for key in ("failed", "ok", "unknown"):
            table = self.query_one(f"#table-{key}", OrderTable)
            if table.row_count:
                table.focus()
                break
        else:
            self.query_one("#table-ok", OrderTable).focus()
        self.ready = True

    def on_resize(self, event) -> None:
        self.set_class(event.size.width < NARROW, "narrow")

    def _fill(self) -> None:
        self._by_key: dict[str, OrderResult] = {}
        for key, title, outcomes in PANELS:
            results = [r for r in self.report.results.values() if r.outcome in outcomes]
            rows = []
            marks = {}
            for result in results:
                row = result_row(result, self.known)
                rows.append(row)
                self._by_key[row.key] = result
                marks[row.key] = result.outcome.value
            table = self.query_one(f"#table-{key}", OrderTable)
            table.set_rows(rows)
            table.mark_rows(marks)
            label = f"{title} ({len(results):,})"
            if key == "unknown" and results:
                label += "  ·  u: reconcile (look them up)" if self.can_reconcile else "  ·  check them in the trading terminal"
            self.query_one(f"#title-{key}", Static).update(label)
            if key == "unknown":
                self.query_one("#panel-unknown").set_class(bool(results), "shown")

    def refresh_summary(self) -> None:
        self.query_one("#summary", Static).update(run_summary(self.report))

    def _focused_table(self) -> OrderTable | None:
        focused = self.focused
        return focused if isinstance(focused, OrderTable) else None

    @on(OrderTable.CursorMoved)
    def cursor_moved(self, event: OrderTable.CursorMoved) -> None:
        if event.table is not self._focused_table() and self._current is not None:
            return
        self._show(event.row)

    def on_descendant_focus(self, event) -> None:
        table = self._focused_table()
        if table is not None:
            self._show(table.cursor_row)

    def _show(self, row: OrderRow | None) -> None:
        result = self._by_key.get(row.key) if row is not None else None
        self._current = result
        title = "Order" if row is None else f"Order {row.id}"
        if result is not None and result.error is not None:
            title += f"  ·  {result.error.name}"
        self.query_one("#detail-title", Static).update(title)
        self.query_one(OrderDetail).show(row, result)

    # ---- actions ------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.dismiss(None)

    def action_retry(self) -> None:
        failed = [r for r in self.report.results.values() if r.outcome in (Outcome.FAILED, Outcome.NOT_SENT)]
        if not failed:
            self.notify("Nothing failed: nothing to retry.")
            return
        self.dismiss("retry")

    def action_copy(self) -> None:
        from tui.ui.clipboard import copy_order_json

        table = self._focused_table()
        row = table.cursor_row if table else None
        copy_order_json(self.app, row, self._by_key.get(row.key) if row else None)

    def action_detail(self) -> None:
        from tui.ui.screens.detail import DetailScreen

        table = self._focused_table()
        row = table.cursor_row if table else None
        if row is not None:
            self.app.push_screen(DetailScreen(row, self._by_key.get(row.key)))

    def action_export(self) -> None:
        from tui.core.export import default_export_dir
        from tui.ui.screens.prompt import PromptScreen

        default = default_export_dir() / f"ordertui-{self.report.run_id}.csv"
        self.app.push_screen(
            PromptScreen("Export the results to (ending .csv or .json):", str(default),
                         help_text="enter: write the file · escape: cancel"),
            self._export_to,
        )

    def _export_to(self, path: str | None) -> None:
        if not path:
            return
        from tui.core.errors import OrderTuiError
        from tui.core.export import export_results

        try:
            written = export_results(self.report, path)
        except OrderTuiError as exc:
            self.notify(exc.message, severity="error", timeout=8)
            return
        self.notify(f"Exported {len(self.report.results):,} results to {written}", timeout=8)

    def action_reconcile(self) -> None:
        unknown = [r for r in self.report.results.values() if r.outcome is Outcome.UNKNOWN]
        if not unknown:
            self.notify("No unknown outcomes to reconcile.")
            return
        if not self.can_reconcile:
            self.notify("This exchange has no order look-up: check these orders in the trading terminal.",
                        severity="warning", timeout=8)
            return
        self._reconcile()

    @work(exclusive=True, group="reconcile")
    async def _reconcile(self) -> None:
        app = self.app
        if self.journal_path is None or not hasattr(app, "session"):
            self.notify("No journal for this run: nothing to reconcile against.", severity="warning")
            return
        self.notify("Looking up the unknown orders…", timeout=3)
        try:
            settled = await app.session.runner.run(app.session.reconcile(self.journal_path))
        except Exception as exc:  # shown, never raised into the UI
            self.notify(f"Reconcile failed: {getattr(exc, 'message', exc)}", severity="error", timeout=8)
            return
        changed = 0
        for item in settled.settled:
            result = self.report.results.get(item.ref.key)
            if result is None:
                continue
            if item.outcome in ("cancelled", "failed", "open"):
                result.outcome = Outcome.CANCELLED if item.outcome == "cancelled" else Outcome.FAILED
                if item.outcome == "open":
                    result.error = ErrorInfo(None, "still_open", "the order is still open: the cancel did not "
                                             "take effect", "Cancel it again (R retries failed orders).")
                elif item.outcome == "failed" and item.note:
                    result.error = ErrorInfo(None, item.note, item.state or item.note, hint_for(item.note))
                if item.row is not None:
                    result.row = item.row
                result.confirmed = True
                changed += 1
        self._fill()
        self.refresh_summary()
        left = sum(1 for r in self.report.results.values() if r.outcome is Outcome.UNKNOWN)
        self.notify(f"Reconciled {changed:,} order{'s' if changed != 1 else ''}; {left:,} still unknown.", timeout=6)
