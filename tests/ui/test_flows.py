"""The whole flow, driven by keys, against the simulator over real HTTP on loopback."""

from __future__ import annotations

import pytest
from textual import events

from tests.ui.conftest import loaded, results_shown, screen_text, sim_fill, sim_truth, wait_for
from tui.core.events import Outcome
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.detail import DetailScreen
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.paste_preview import PastePreviewScreen
from tui.ui.screens.results import ResultsScreen
from tui.ui.widgets.order_detail import OrderDetail
from tui.ui.widgets.order_table import OrderTable

pytestmark = pytest.mark.slow


async def test_load_select_cancel_and_see_them_cancelled_with_full_fields(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 40)
        table = app.main.table
        assert "DEMO" in screen_text(app)
        first, second = table.visible_rows()[:2]
        await pilot.press("space", "down", "space")
        assert "2 selected" in screen_text(app)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm modal")
        text = screen_text(app)
        assert "Cancel 2 orders?" in text
        assert "DELETE /v1/orders/uuids" in text and "batch" in text
        assert "DEMO" in text
        await pilot.press("y")
        await results_shown(pilot, app)
        results = app.screen
        ok = results.query_one("#table-ok", OrderTable)
        assert {r.id for r in ok.all_rows()} == {first.id, second.id}
        assert results.report.counts["cancelled"] == 2
        truth = sim_truth(app)["upbit"]
        assert truth[first.id] == "cancel" and truth[second.id] == "cancel"
        # Every field of the order under the cursor, as the exchange sent it.
        ok.focus()
        fields = (
            "uuid",
            "market",
            "remaining_volume",
            "reserved_fee",
            "paid_fee",
            "locked",
            "trades_count",
            "time_in_force",
            "smp_type",
            "prevented_volume",
            "prevented_locked",
            "identifier",
        )
        await wait_for(
            pilot,
            lambda: all(f in results.query_one(OrderDetail).plain_text() for f in fields),
            timeout=10,
            what="the order's fields in the detail",
        )
        detail = results.query_one(OrderDetail).plain_text()
        for field in fields:
            assert field in detail, field
        assert "outcome" in detail and "cancelled" in detail
        # Back on the main screen the rows show their new state and are no longer selected.
        await pilot.press("escape")
        await wait_for(
            pilot,
            lambda: table.mark_of(first.key) == "cancelled" and table.selected_count == 0,
            timeout=10,
            what="the row marked cancelled and unselected",
        )
        assert table.mark_of(first.key) == "cancelled"
        assert table.selected_count == 0


async def test_a_filled_order_fails_with_the_hint_in_the_failure_panel(make_app):
    app = make_app(live=False)  # no stream to say it filled: the exchange refuses the cancel
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        table = app.main.table
        victim = table.visible_rows()[0]
        sim_fill(app, victim.id)
        await pilot.press("c")  # nothing selected: the row under the cursor
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "Cancel 1 order?" in screen_text(app)
        assert "DELETE /v1/order " in screen_text(app)  # a single order uses the single endpoint
        await pilot.press("enter")
        await results_shown(pilot, app)
        results = app.screen
        failed = results.query_one("#table-failed", OrderTable)
        assert [r.id for r in failed.all_rows()] == [victim.id]
        result = results.report.results[victim.key]
        assert result.outcome is Outcome.FAILED and result.error is not None
        await wait_for(
            pilot,
            lambda: all(
                part in results.query_one(OrderDetail).plain_text(width=200)
                for part in (result.error.name, "hint", result.error.hint)
            ),
            timeout=10,
            what="the error and its hint in the failure panel",
        )
        text = results.query_one(OrderDetail).plain_text(width=200)
        assert result.error.name in text
        assert "hint" in text
        assert result.error.hint in text
        assert result.error.name in screen_text(app)  # the panel title names the error


async def test_abort_mid_run_then_retry_the_ones_not_sent(make_app):
    app = make_app(orders=3000, latency_ms=100)  # 150 batch requests at 30/s: ~5 s to abort in
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 3000)
        table = app.main.table
        await pilot.press("s", "s", "s", "s", "s", "s")  # sort by price: selection must not care
        table.sort_by(None)
        await pilot.press("a")
        assert table.selected_count == 3000
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        # More than 50: the count must be typed; y alone does nothing.
        await pilot.press("y")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("3", "0", "0", "0", "enter")
        await wait_for(pilot, lambda: app.main.running, what="the run to start")
        await wait_for(
            pilot, lambda: app.main.query_one("ProgressPanel").requests >= 1, what="first request"
        )
        await pilot.press("escape")
        await wait_for(pilot, lambda: "Abort the run?" in screen_text(app), what="abort question")
        await pilot.press("y")
        await results_shown(pilot, app, timeout=30)
        report = app.screen.report
        counts = report.counts
        assert report.aborted
        assert counts["not_sent"] > 0
        assert (
            counts["cancelled"] + counts["failed"] + counts["unknown"] + counts["not_sent"] == 3000
        )
        truth = sim_truth(app)["upbit"]
        still_open = [k for k, r in report.results.items() if r.outcome is Outcome.NOT_SENT]
        assert all(truth[k.split(":", 1)[1]] in ("wait", "watch") for k in still_open)
        await wait_for(
            pilot,
            lambda: "not sent" in screen_text(app).lower(),
            timeout=10,
            what="the not-sent section",
        )
        assert "not sent" in screen_text(app).lower()
        # R retries the failed and not-sent ones.
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="retry confirm")
        again = counts["not_sent"] + counts["failed"]
        await wait_for(
            pilot,
            lambda: f"Cancel {again:,} order" in screen_text(app),
            timeout=10,
            what="the retry confirm's count",
        )
        assert f"Cancel {again:,} order" in screen_text(app)
        if again > 50:
            await pilot.press(*str(again), "enter")
        else:
            await pilot.press("y")
        await wait_for(
            pilot,
            lambda: (
                (isinstance(app.screen, ResultsScreen) and app.screen.ready)
                and app.screen.report is not report
            ),
            timeout=60,
            what="retry results",
        )
        retry = app.screen.report
        assert retry.counts["cancelled"] == counts["not_sent"]
        truth = sim_truth(app)["upbit"]
        assert all(truth[k.split(":", 1)[1]] == "cancel" for k in still_open)


async def test_paste_preview_lists_bad_lines_and_adds_the_good_ones(make_app):
    app = make_app(orders=3)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 3)
        pasted = "\n".join(
            [
                "2f1a5b3c-1111-4222-8333-444455556666",
                "this line is rubbish",
                "identifier:bot-77",
                "",
                "not-a-uuid-1234",
                "2f1a5b3c-1111-4222-8333-444455556666",
            ]
        )
        app.main.post_message(events.Paste(pasted))
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, PastePreviewScreen) and "orders found" in screen_text(app)
            ),  # up and painted
            what="paste preview",
        )
        # The screen is pushed before its first frame is composed: wait for that frame.
        await wait_for(pilot, lambda: "orders found" in screen_text(app), what="preview painted")
        text = screen_text(app)
        assert "2 orders found" in text
        assert "2 lines ignored" in text
        assert "line 2" in text and "line 5" in text
        assert "1 duplicate" in text
        await pilot.press("enter")
        table = app.main.table
        await wait_for(pilot, lambda: table.row_count == 5, what="the two added rows")
        added = table.get_row("uuid:2f1a5b3c-1111-4222-8333-444455556666")
        assert added is not None and not added.known
        assert table.get_row("identifier:bot-77") is not None
        # Unknown rows say so until looked up.
        table.move_cursor_to_key(added.key)
        await wait_for(
            pilot, lambda: "unknown" in screen_text(app), timeout=10, what="the row's unknown state"
        )
        assert "unknown" in screen_text(app)


async def test_paste_preview_escape_adds_nothing(make_app):
    app = make_app(orders=2)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 2)
        app.main.post_message(events.Paste("2f1a5b3c-1111-4222-8333-444455556666\n"))
        await wait_for(pilot, lambda: isinstance(app.screen, PastePreviewScreen))
        await pilot.press("escape")
        assert app.main.table.row_count == 2


async def test_add_by_identifier_then_look_it_up(make_app):
    app = make_app(orders=12)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot, app, 12)
        table = app.main.table
        target = next(r for r in table.all_rows() if r.identifier)
        table.set_rows([r for r in table.all_rows() if r.key != target.key])
        await pilot.press("n")
        await pilot.press(*target.identifier, "enter")
        added = table.get_row(f"identifier:{target.identifier}")
        assert added is not None and not added.known
        await pilot.press("l")
        await wait_for(pilot, lambda: table.get_row(target.key) is not None, what="look-up")
        found = table.get_row(target.key)
        assert found.known and found.market == target.market
        assert table.get_row(f"identifier:{target.identifier}") is None


async def test_filter_detail_and_help_by_keyboard(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app)
        table = app.main.table
        await pilot.press("slash", *"krw-btc")
        await wait_for(pilot, lambda: table.filter_text == "krw-btc")
        assert table.visible_count < table.row_count
        assert all(r.market == "KRW-BTC" for r in table.visible_rows())
        await pilot.press("enter")
        assert app.focused is table
        assert "shown (/krw-btc)" in screen_text(app)
        await pilot.press("escape")
        assert table.filter_text == "" and table.visible_count == table.row_count
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        assert "remaining_volume" in app.screen.query_one(OrderDetail).plain_text()
        app.clear_notifications()
        await pilot.press("escape", "question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await wait_for(
            pilot, lambda: "main.cancel" in screen_text(app), timeout=10, what="the help's text"
        )
        assert "main.cancel" in screen_text(app)
        for _ in range(5):  # the help scrolls by keyboard, a page a key
            await pilot.press("pagedown")
            await pilot.pause(0.1)
            if "table.toggle" in screen_text(app):
                break
        await wait_for(
            pilot,
            lambda: "table.toggle" in screen_text(app),
            timeout=10,
            what="the help scrolled to table.toggle",
        )
        assert "table.toggle" in screen_text(app)
        await pilot.press("escape")
        assert app.screen is app.main


async def test_b2trader_demo_cancels_one_by_one(make_app):
    app = make_app(exchange="b2trader")
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot, app)
        table = app.main.table
        assert "B2TRADER" in screen_text(app)
        await pilot.press("space", "down", "space", "down", "space", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        text = screen_text(app)
        assert "3 × DELETE /frontoffice/api/v3/orders/{orderId} (one order each)" in text
        await pilot.press("y")
        await results_shown(pilot, app)
        assert app.screen.report.counts["cancelled"] == 3
        fields = ("orderId", "marketId", "requestedAmount", "remainingAmount", "timeInForce")
        await wait_for(
            pilot,
            lambda: all(f in app.screen.query_one(OrderDetail).plain_text() for f in fields),
            timeout=10,
            what="the order's fields in the detail",
        )
        text = app.screen.query_one(OrderDetail).plain_text()
        for field in fields:
            assert field in text, field
        assert table.row_count > 0


async def test_unknown_outcomes_get_their_section_and_reconcile_settles_them(make_app):
    # No stream: its cancel events would settle the dropped answers (tests/ui/test_live.py)
    app = make_app(orders=6, live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 6)
        server = app.session.demo_session.server
        server.state.config.drop_rate = 1.0  # every request acts, then the connection drops
        await pilot.press("space", "down", "space", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await results_shown(pilot, app, timeout=60)
        results = app.screen
        unknown = results.query_one("#table-unknown", OrderTable)
        assert unknown.row_count == 2
        await wait_for(
            pilot, lambda: "u: reconcile" in screen_text(app), timeout=10, what="the reconcile key"
        )
        assert "u: reconcile" in screen_text(app)
        server.state.config.drop_rate = 0.0
        await pilot.press("u")
        await wait_for(pilot, lambda: unknown.row_count == 0, timeout=30, what="reconcile")
        assert results.report.counts["cancelled"] == 2
        assert results.query_one("#table-ok", OrderTable).row_count == 2


async def test_quit_during_a_run_asks_then_aborts_and_records(make_app):
    import json
    import os
    from pathlib import Path

    app = make_app(orders=1500, latency_ms=100)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 1500)
        exchange = app.session.demo_session.server.config
        exchange.latency_ms = 1500  # answers take 0.75-2.25 s: the run outlasts the question
        await pilot.press("a", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("1", "5", "0", "0", "enter")
        await wait_for(
            pilot, lambda: app.main.query_one("ProgressPanel").requests >= 1, what="first request"
        )
        await pilot.press("q")
        await wait_for(
            pilot, lambda: "Abort it and quit?" in screen_text(app), what="quit question"
        )
        assert app.main.running  # asking stopped nothing
        exchange.latency_ms = 0  # what is sent from now on is answered at once
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.is_running, timeout=30, what="exit")
    journal = sorted(Path(os.environ["ORDERTUI_JOURNAL_DIR"]).glob("*.jsonl"))[-1]
    records = [json.loads(line) for line in journal.read_text().splitlines()]
    finish = [r for r in records if r.get("type") == "finish"]
    assert finish and finish[0]["aborted"] and finish[0]["counts"]["not_sent"] > 0


async def test_paste_preview_notes_ids_already_shown_and_of_the_other_exchange(make_app):
    app = make_app(orders=3)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 3)
        shown = app.main.table.all_rows()[0].id
        app.main.post_message(events.Paste(f"{shown}\n01K2PF9XS29WN4JZRHMCTTQYJB\n"))
        await wait_for(
            pilot, lambda: isinstance(app.screen, PastePreviewScreen), what="paste preview"
        )
        await wait_for(
            pilot, lambda: "already in the table" in screen_text(app), what="preview notes"
        )
        text = screen_text(app)
        assert "1 already in the table" in text
        assert "1 B2TRADER order id" in text and "cannot cancel" in text


async def test_a_second_run_cannot_start_while_one_is_in_flight(make_app):
    # No stream: its cancel events spare the look-ups, and the run could end before it is seen
    app = make_app(orders=200, latency_ms=150, live=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 200)
        table = app.main.table
        await pilot.press("a", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("2", "0", "0", "enter")
        await wait_for(pilot, lambda: app.main.running, what="the run to start")
        # Every other way in (a retry from results, the palette) ends in confirm_cancel.
        app.main.confirm_cancel(table.all_rows()[:1])
        await pilot.pause(0.05)
        assert not isinstance(app.screen, ConfirmScreen)
        await results_shown(pilot, app, timeout=60)
        report = app.screen.report
        assert report.requested == 200 and report.counts["cancelled"] == 200 and not report.aborted


async def test_abort_question_closes_when_the_run_ends_first(make_app):
    app = make_app(orders=900, latency_ms=100)  # 45 batches at 30/s: about 1.5 s of run
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 900)
        exchange = app.session.demo_session.server.config
        exchange.latency_ms = 1500  # answers take 0.75-2.25 s: the run outlasts the question
        await pilot.press("a", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("9", "0", "0", "enter")
        await wait_for(pilot, lambda: app.main.running, what="the run to start")
        await pilot.press("escape")
        await wait_for(pilot, lambda: "Abort the run?" in screen_text(app), what="abort question")
        exchange.latency_ms = 0  # now let it finish on its own
        # Unanswered: the run finishes, the results come up, and the question is gone.
        await results_shown(pilot, app, timeout=60)
        await pilot.press("escape")
        await wait_for(
            pilot,
            lambda: app.screen is app.main and "Abort the run?" not in screen_text(app),
            timeout=10,
            what="the main screen without the abort question",
        )
        assert app.screen is app.main and "Abort the run?" not in screen_text(app)


async def test_rows_show_the_exchange_state_after_a_run_and_closed_ones_are_flagged(make_app):
    app = make_app(orders=5, live=False)  # with a stream the row is closed: tests/ui/test_live.py
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 5)
        table = app.main.table
        first = table.visible_rows()[0]
        table.move_cursor_to_key(first.key)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await results_shown(pilot, app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main)
        assert table.get_row(first.key).state == "cancel"
        table.move_cursor_to_key(first.key)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await wait_for(pilot, lambda: "already closed" in screen_text(app), what="closed note")


async def test_look_up_mixes_uuids_and_identifiers_and_merges_identifier_rows(make_app):
    app = make_app(orders=12)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot, app, 12)
        table = app.main.table
        rows = table.all_rows()
        by_ident = next(r for r in rows if r.identifier)
        by_uuid = next(r for r in rows if r.key != by_ident.key)
        shown = next(r for r in rows if r.identifier and r.key != by_ident.key)
        table.set_rows([r for r in rows if r.key not in (by_ident.key, by_uuid.key)])
        app.main.post_message(
            events.Paste(
                f"identifier:{by_ident.identifier}\n{by_uuid.id}\nidentifier:{shown.identifier}\n"
            )
        )
        await wait_for(
            pilot, lambda: isinstance(app.screen, PastePreviewScreen), what="paste preview"
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is app.main)
        table.select_keys(
            [f"identifier:{by_ident.identifier}", by_uuid.key, f"identifier:{shown.identifier}"]
        )
        await pilot.press("l")
        await wait_for(
            pilot,
            lambda: table.get_row(by_ident.key) is not None and table.get_row(by_uuid.key).known,
            what="look-up of mixed kinds",
        )
        # one row per order: identifier rows became (or merged into) their uuid rows
        assert table.get_row(f"identifier:{by_ident.identifier}") is None
        assert table.get_row(f"identifier:{shown.identifier}") is None
        assert table.row_count == 12
        assert all(
            table.is_selected(r.key) for r in (by_ident, by_uuid, shown)
        )  # selection carried over
