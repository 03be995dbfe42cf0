"""Results of a run: cancelled and failed side by side (stacked below 100 columns), unknown /
not-sent orders in their own section with reconcile, and every field of the order under the
cursor (with the error name, message and hint for failures).

Layout (`_relayout`, redone on resize and whenever the lists change): an empty section is one
title line; below 160 columns the lists take the rows they need, up to what leaves the detail
enough room for a failure's error, message and hint; from 160 columns the detail sits beside
the lists and they take the whole height.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.core.events import OrderResult, Outcome, RunReport
from tui.core.models.row import OrderRow
from tui.core.reconcile import ReconcileReport, apply_to_report
from tui.ui.app_access import ordertui_app_or_none
from tui.ui.formatting import safe_text
from tui.ui.screens.results_layout import (
    DETAIL_MIN,
    NARROW,
    PANEL_CHROME,
    PANEL_MIN,
    SIDE_BY_SIDE_MIN,
    WIDE,
    detail_width,
    result_row,
    run_summary,
    share_rows,
    unknown_hint,
)
from tui.ui.widgets.header_bar import HeaderBar
from tui.ui.widgets.order_detail import OrderDetail
from tui.ui.widgets.order_table import OrderTable
from tui.ui.widgets.plain import Plain

Reconcile = Callable[[Path], Coroutine[Any, Any, ReconcileReport]]

PANELS = (
    ("ok", "Cancelled", (Outcome.CANCELLED,)),
    ("failed", "Failed", (Outcome.FAILED,)),
    ("unknown", "Unknown / not sent", (Outcome.UNKNOWN, Outcome.NOT_SENT)),
)


class ResultPanel(Vertical):
    """One titled list of results (styles in styles.tcss)."""


class ResultsScreen(Screen[str | None]):
    """Dismisses with "retry" when R is pressed, else None."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="results.back"),
        Binding("R", "retry", "Retry failed", id="results.retry"),
        Binding("e", "export", "Export", id="results.export"),
        Binding("y", "copy", "Copy JSON", id="results.copy"),
        Binding("u", "reconcile", "Reconcile", id="results.reconcile"),
        Binding("enter", "detail", "Detail", id="results.detail"),
        Binding("tab", "app.focus_next", "Next panel", show=False, id="results.next"),
    ]

    def __init__(
        self,
        report: RunReport,
        known: dict[str, OrderRow],
        *,
        journal_path: Path | None = None,
        can_reconcile: bool = True,
        reconcile: Reconcile | None = None,
    ) -> None:
        """`reconcile(journal_path)` looks the run's unknown orders up (a coroutine for the
        exchange loop: `Session.reconcile`); without it, u says there is nothing to do."""
        super().__init__()
        self.report = report
        self.known = known
        self.journal_path = journal_path
        self.can_reconcile = can_reconcile
        self._reconcile_with = reconcile
        self._current: OrderResult | None = None
        self._current_row: OrderRow | None = None  # what the detail shows
        self.ready = False  # set once the panels are filled

    def compose(self) -> ComposeResult:
        yield HeaderBar()
        yield Plain(run_summary(self.report), id="summary")
        with Container(id="body"):
            with Vertical(id="lists"):
                with Horizontal(id="panels"):
                    for key, title, _ in PANELS[:2]:
                        with ResultPanel(id=f"panel-{key}"):
                            yield Plain(title, classes="panel-title", id=f"title-{key}")
                            yield OrderTable(
                                id=f"table-{key}", empty_text="None.", selectable=False
                            )
                with ResultPanel(id="panel-unknown"):
                    yield Plain("", classes="panel-title", id="title-unknown")
                    yield OrderTable(id="table-unknown", empty_text="None.", selectable=False)
            with Vertical(id="detail-box"):
                yield OrderDetail()
        yield Footer()

    def on_mount(self) -> None:
        self._fill()
        for key in ("failed", "ok", "unknown"):
            table = self.query_one(f"#table-{key}", OrderTable)
            if table.row_count:
                table.focus()
                break
        else:
            self.query_one("#table-ok", OrderTable).focus()
        self.ready = True

    def on_resize(self, event) -> None:
        self._relayout()

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
                label += unknown_hint(results, self.can_reconcile)
            self.query_one(f"#title-{key}", Static).update(label)
            panel = self.query_one(f"#panel-{key}", ResultPanel)
            panel.border_title = Text(label)
            panel.set_class(not results, "empty")
            if key == "unknown":
                panel.set_class(bool(results), "shown")
        self._relayout()

    def _relayout(self) -> None:
        """Size the sections for the screen (see the module docstring)."""
        width, height = self.size
        if not width or not height:
            return
        narrow, wide = width < NARROW, width >= WIDE
        self.set_class(narrow, "narrow")
        self.set_class(wide, "wide")
        counts = {
            key: self.query_one(f"#table-{key}", OrderTable).row_count for key, _, _ in PANELS
        }
        lists_width = width - detail_width(width) if wide else width
        # Side by side from 100 columns; beside the detail only when each list keeps its columns.
        side_by_side = (
            not narrow
            and counts["ok"] > 0
            and counts["failed"] > 0
            and (not wide or lists_width // 2 >= SIDE_BY_SIDE_MIN)
        )
        self.query_one("#panels").set_class(not side_by_side, "stacked")
        self.query_one("#detail-box").styles.width = detail_width(width) if wide else None
        panels = {key: self.query_one(f"#panel-{key}", ResultPanel) for key, _, _ in PANELS}
        summary_lines = max(1, -(-len(run_summary(self.report)) // max(1, width - 2)))
        avail = height - 2 - summary_lines  # header and footer
        # The stack of list rows: (panels in that row, rows they want, rows they need at least).
        stack: list[tuple[list[ResultPanel], int, int]] = []
        want = {key: (counts[key] + PANEL_CHROME if counts[key] else 1) for key in counts}
        if side_by_side:
            stack.append(
                ([panels["ok"], panels["failed"]], max(want["ok"], want["failed"]), PANEL_MIN)
            )
        else:
            for key in ("ok", "failed"):
                stack.append(([panels[key]], want[key], PANEL_MIN if counts[key] else 1))
        if counts["unknown"]:
            stack.append(([panels["unknown"]], want["unknown"], PANEL_MIN))
        least = sum(m for _, _, m in stack)
        # Beside the detail the lists have the whole height; above it, what leaves the detail
        # room for a failure's error, message and hint.
        budget = max(least, avail if wide else avail - max(DETAIL_MIN, avail // 2))
        sizes = share_rows(budget, [(wanted, least_) for _, wanted, least_ in stack], fill=wide)
        for (members, _, _), size in zip(stack, sizes, strict=True):
            for panel in members:
                panel.styles.height = size

    def refresh_summary(self) -> None:
        self.query_one("#summary", Static).update(run_summary(self.report))

    def _focused_table(self) -> OrderTable | None:
        focused = self.focused
        return focused if isinstance(focused, OrderTable) else None

    @on(OrderTable.CursorMoved)
    def cursor_moved(self, event: OrderTable.CursorMoved) -> None:
        if event.table is not self._focused_table() and self._current is not None:
            return
        if event.row is not None:
            self._show(event.row)

    def on_descendant_focus(self, event) -> None:
        table = self._focused_table()
        if table is not None and table.cursor_row is not None:  # an empty list keeps what is shown
            self._show(table.cursor_row)

    def _show(self, row: OrderRow | None) -> None:
        result = self._by_key.get(row.key) if row is not None else None
        self._current = result
        self._current_row = row
        title = "Order" if row is None else f"Order {row.id}"
        if result is not None and result.error is not None:
            title += f"  ·  {result.error.name}"
        self.query_one("#detail-box").border_title = safe_text(title)
        self.query_one(OrderDetail).show(row, result)

    def _target_row(self) -> OrderRow | None:
        """The order an action is about: the cursor's in the focused list, else the one the
        detail shows (the detail itself may have focus, for scrolling)."""
        table = self._focused_table()
        if table is not None and table.cursor_row is not None:
            return table.cursor_row
        return self._current_row

    # ---- actions ------------------------------------------------------------------------------
    def action_back(self) -> None:
        self.dismiss(None)

    def action_retry(self) -> None:
        failed = [
            r
            for r in self.report.results.values()
            if r.outcome in (Outcome.FAILED, Outcome.NOT_SENT)
        ]
        if not failed:
            self.notify("Nothing failed: nothing to retry.")
            return
        self.dismiss("retry")

    def action_copy(self) -> None:
        from tui.ui.clipboard import copy_order_json

        row = self._target_row()
        copy_order_json(self.app, row, self._by_key.get(row.key) if row else None)

    def action_detail(self) -> None:
        from tui.ui.screens.detail import DetailScreen

        row = self._target_row()
        if row is not None:
            self.app.push_screen(DetailScreen(row, self._by_key.get(row.key)))

    def action_export(self) -> None:
        from tui.core.export import default_export_dir
        from tui.ui.screens.prompt import PromptScreen

        default = default_export_dir() / f"ordertui-{self.report.run_id}.csv"
        self.app.push_screen(
            PromptScreen(
                "Export the results to (ending .csv or .json):",
                str(default),
                help_text="enter: write the file · escape: cancel",
            ),
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
            self.notify(
                "This exchange has no order look-up: check these orders in the trading terminal.",
                severity="warning",
                timeout=8,
            )
            return
        self._reconcile()

    @work(exclusive=True, group="reconcile")
    async def _reconcile(self) -> None:
        app = ordertui_app_or_none(self)
        if self.journal_path is None or self._reconcile_with is None or app is None:
            self.notify(
                "No journal for this run: nothing to reconcile against.", severity="warning"
            )
            return
        self.notify("Looking up the unknown orders…", timeout=3)
        try:
            settled = await app.session.runner.run(self._reconcile_with(self.journal_path))
        except Exception as exc:  # shown, never raised into the UI
            app.report_error("Reconcile failed", exc)
            return
        changed = apply_to_report(self.report, settled)
        self._fill()
        self.refresh_summary()
        left = sum(1 for r in self.report.results.values() if r.outcome is Outcome.UNKNOWN)
        self.notify(
            f"Reconciled {changed:,} order{'s' if changed != 1 else ''}; {left:,} still unknown.",
            timeout=6,
        )
