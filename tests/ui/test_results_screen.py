"""The results screen on its own, from a made-up run: layout at 80x24, 140x40 and 200x60,
actions with the detail focused, and its wording."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from textual.app import App

import tui.ui
from tests.ui.conftest import screen_text, wait_for
from tests.ui.factory import b2_row, upbit_row
from tui.core.errors import ErrorInfo
from tui.core.events import OrderResult, Outcome, RunReport
from tui.ui.screens.detail import DetailScreen
from tui.ui.screens.results import ResultPanel, ResultsScreen, run_summary, share_rows
from tui.ui.widgets.order_detail import OrderDetail
from tui.ui.widgets.order_table import OrderTable

HINT = "The order filled before the cancel reached it: nothing left to cancel. Check the fills."


class Host(App):
    CSS_PATH = str(Path(tui.ui.__file__).parent / "styles.tcss")

    def __init__(self, screen: ResultsScreen) -> None:
        super().__init__()
        self.results = screen

    def on_mount(self) -> None:
        self.push_screen(self.results)


def report_of(outcomes: dict[Outcome, int], *, start: int = 0) -> RunReport:
    results = {}
    i = start
    for outcome, n in outcomes.items():
        for _ in range(n):
            row = upbit_row(i)
            error = None
            if outcome is Outcome.FAILED:
                error = ErrorInfo(
                    400, "order_filled", "the order filled before the cancel reached it", HINT
                )
            results[row.key] = OrderResult(
                row.ref,
                outcome,
                row=row,
                error=error,
                attempts=1,
                confirmed=outcome is not Outcome.UNKNOWN,
            )
            i += 1
    return RunReport("run-1", "upbit", len(results), results, requests=3, elapsed_s=0.5)


async def show(pilot, screen: ResultsScreen) -> None:
    for _ in range(50):
        await pilot.pause(0.02)
        if screen.ready and screen.is_current:
            break
    await pilot.pause(0.1)


def table_rows_visible(screen: ResultsScreen, key: str) -> int:
    table = screen.query_one(f"#table-{key}", OrderTable)
    return max(0, table.content_region.height - 1)  # minus the column header


# ---- layout -------------------------------------------------------------------------------------
async def test_80x24_three_sections_each_list_shows_rows_and_the_hint_is_visible():
    screen = ResultsScreen(
        report_of({Outcome.CANCELLED: 6, Outcome.FAILED: 3, Outcome.UNKNOWN: 2}), {}
    )
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await show(pilot, screen)
        assert screen.has_class("narrow")
        for key in ("ok", "failed", "unknown"):
            assert table_rows_visible(screen, key) >= 1, key
        # The failure under the cursor (failed is focused first): its hint shows without scrolling.
        assert isinstance(screen.focused, OrderTable) and screen.focused.id == "table-failed"
        text = screen_text(app)
        assert "order_filled" in text
        assert "hint              The order filled before the cancel reached it" in text
        assert "Check the fills." in text  # the hint's end: all of it is on screen
        detail = screen.query_one("#detail-box")
        assert detail.region.height >= 9


async def test_80x24_two_sections_give_the_lists_their_rows_and_the_detail_the_rest():
    screen = ResultsScreen(report_of({Outcome.CANCELLED: 2, Outcome.FAILED: 1}), {})
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await show(pilot, screen)
        assert table_rows_visible(screen, "ok") == 2
        assert table_rows_visible(screen, "failed") == 1
        assert screen.query_one("#detail-box").region.height >= 12
        assert "Check the fills." in screen_text(app)


async def test_an_empty_section_is_one_title_line():
    screen = ResultsScreen(report_of({Outcome.CANCELLED: 2}), {})
    app = Host(screen)
    async with app.run_test(size=(80, 24)) as pilot:
        await show(pilot, screen)
        failed = screen.query_one("#panel-failed", ResultPanel)
        assert failed.has_class("empty") and failed.region.height == 1
        assert "Failed (0)" in screen_text(app)
        assert not screen.query_one("#panel-unknown").display
        # Tab goes through the lists with rows, then the detail: none of it blanks the detail.
        for _ in range(3):
            await pilot.press("tab")
            await pilot.pause(0.05)
            assert screen.query_one(OrderDetail).row is not None
            assert not isinstance(screen.focused, OrderTable) or screen.focused.row_count


async def test_140x40_cancelled_and_failed_side_by_side():
    screen = ResultsScreen(report_of({Outcome.CANCELLED: 3, Outcome.FAILED: 2}), {})
    app = Host(screen)
    async with app.run_test(size=(140, 40)) as pilot:
        await show(pilot, screen)
        ok, failed = screen.query_one("#panel-ok"), screen.query_one("#panel-failed")
        assert ok.region.y == failed.region.y and ok.region.x < failed.region.x
        detail = screen.query_one("#detail-box")
        assert detail.region.y > ok.region.bottom - 1  # the detail below the lists


async def test_200x60_detail_beside_the_lists_which_use_the_height():
    screen = ResultsScreen(
        report_of({Outcome.CANCELLED: 3, Outcome.FAILED: 2, Outcome.UNKNOWN: 1}), {}
    )
    app = Host(screen)
    async with app.run_test(size=(200, 60)) as pilot:
        await show(pilot, screen)
        assert screen.has_class("wide")
        detail = screen.query_one("#detail-box")
        lists = screen.query_one("#lists")
        assert detail.region.x >= lists.region.right and detail.region.y == lists.region.y
        assert detail.region.height >= 50
        panels = [screen.query_one(f"#panel-{k}") for k in ("ok", "failed", "unknown")]
        assert sum(p.region.height for p in panels) >= 50  # the lists fill the column
        assert all(p.region.width >= 100 for p in panels)  # wide enough for every column
        assert "Check the fills." in screen_text(app)


def test_share_rows_is_fair_and_respects_minimums():
    assert share_rows(11, [(5, 4), (4, 4)]) == [5, 4]
    assert share_rows(10, [(20, 4), (20, 4)]) == [5, 5]
    assert share_rows(8, [(9, 4), (5, 4), (6, 4)]) == [4, 4, 4]  # never below a list's minimum
    assert share_rows(30, [(5, 4), (1, 1)], fill=True) == [29, 1]


# ---- actions with the detail focused ----------------------------------------------------------------
async def test_copy_and_enter_use_the_order_shown_when_the_detail_has_focus():
    report = report_of({Outcome.CANCELLED: 2, Outcome.FAILED: 1})
    screen = ResultsScreen(report, {})
    app = Host(screen)
    async with app.run_test(size=(100, 30)) as pilot:
        await show(pilot, screen)
        shown = screen.query_one(OrderDetail).row
        assert shown is not None
        await pilot.press("shift+tab")
        await pilot.pause(0.05)
        while not isinstance(screen.focused, OrderDetail):
            await pilot.press("shift+tab")
            await pilot.pause(0.05)
        assert screen.query_one(OrderDetail).row is not None
        shown = screen.query_one(OrderDetail).row
        await pilot.press("y")
        await pilot.pause(0.05)
        copied = json.loads(app.clipboard)
        assert copied["order"]["uuid"] == shown.id
        assert not any("No order to copy" in str(n.message) for n in app._notifications)
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: isinstance(app.screen, DetailScreen),
            timeout=10,
            what="the detail screen",
        )
        assert isinstance(app.screen, DetailScreen) and app.screen.row.key == shown.key


# ---- wording -------------------------------------------------------------------------------------
def test_summary_says_one_order():
    report = report_of({Outcome.CANCELLED: 1})
    report.requests = 1
    assert run_summary(report).startswith("1 order · 1 cancelled")
    assert "1 request in" in run_summary(report)


async def test_reconcile_is_offered_only_for_unknown_outcomes():
    only_not_sent = ResultsScreen(report_of({Outcome.CANCELLED: 1, Outcome.NOT_SENT: 2}), {})
    app = Host(only_not_sent)
    async with app.run_test(size=(120, 30)) as pilot:
        await show(pilot, only_not_sent)
        text = screen_text(app)
        assert "Unknown / not sent (2)" in text and "R retries the ones not sent" in text
        assert "u: reconcile" not in text
    mixed = ResultsScreen(report_of({Outcome.UNKNOWN: 1, Outcome.NOT_SENT: 1}), {})
    app = Host(mixed)
    async with app.run_test(size=(120, 30)) as pilot:
        await show(pilot, mixed)
        text = screen_text(app)
        assert "u: reconcile (look them up)" in text and "R retries the ones not sent" in text


def test_b2trader_confirmation_says_where_it_came_from():
    from tui.ui.widgets.order_detail import confirmed_text

    b2 = b2_row(1, status="Cancelled")
    result = OrderResult(b2.ref, Outcome.CANCELLED, row=b2, attempts=1, confirmed=True)
    assert confirmed_text(b2, result) == "yes (the exchange's answer showed it Cancelled)"
    up = upbit_row(1)
    assert (
        confirmed_text(up, OrderResult(up.ref, Outcome.CANCELLED, row=up, confirmed=True))
        == "yes (looked up)"
    )
    assert confirmed_text(up, OrderResult(up.ref, Outcome.UNKNOWN, row=up)) == "no"
    gone = dataclasses.replace(up, state="cancel")
    by_stream = OrderResult(up.ref, Outcome.CANCELLED, row=gone, confirmed=True, by_stream=True)
    assert confirmed_text(gone, by_stream) == "yes (the order stream said cancel)"
