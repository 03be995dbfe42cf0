"""Live orders in the TUI (issue 11): the app follows the demo simulator's order stream over
real WebSockets on 127.0.0.1 and changes the table in place, with no keypress."""

from __future__ import annotations

import asyncio

import httpx

from tests.ui.conftest import loaded, results_shown, screen_text, sim_fill, sim_truth, wait_for
from tui.core.models.stream import StreamState
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.widgets.header_bar import HeaderBar
from tui.ui.widgets.status_bar import StatusBar


def sim_post(app, path: str, **kwargs) -> dict:
    base = app.session.demo_session.base_url
    response = httpx.post(f"{base}{path}", timeout=5, **kwargs)
    response.raise_for_status()
    return response.json()


def live(app) -> bool:
    status = app.stream_status
    return status is not None and status.state is StreamState.LIVE


async def test_a_fill_behind_the_apps_back_shows_on_screen_with_no_keypress(make_app):
    app = make_app(orders=6)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot, app, 6)
        await wait_for(pilot, lambda: live(app), what="the stream to be live")
        table = app.main.table
        victim = next(r for r in table.visible_rows() if r.state == "wait")
        assert not table.is_closed(victim.key)
        sim_fill(app, victim.id)
        await wait_for(pilot, lambda: table.is_closed(victim.key), what="the row closed")
        row = table.get_row(victim.key)
        assert row.state == "done" and row.remaining == 0 and row.executed == row.volume
        assert table.row_count == 6  # shown closed, not removed
        await wait_for(
            pilot,
            lambda: any(
                victim.id[:8] in line and "done" in line for line in screen_text(app).splitlines()
            ),
            timeout=10,
            what="the row shown done",
        )
        line = next(line for line in screen_text(app).splitlines() if victim.id[:8] in line)
        assert "done" in line  # on screen, not only in the model


async def test_a_partial_fill_and_a_new_order_change_the_table_in_place(make_app):
    app = make_app(orders=4)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot, app, 4)
        await wait_for(pilot, lambda: live(app), what="the stream to be live")
        table = app.main.table
        table.sort_by("market")
        part = table.visible_rows()[0]
        sim_post(app, f"/_sim/trade/{part.id}")  # half the remaining
        await wait_for(
            pilot,
            lambda: (table.get_row(part.key).executed or 0) > (part.executed or 0),
            what="the partial fill",
        )
        row = table.get_row(part.key)
        assert row.state == "wait" and not table.is_closed(part.key)
        assert row.remaining == part.remaining - (row.executed - (part.executed or 0))
        new = sim_post(app, "/_sim/upbit/orders", json={"market": "KRW-AAA"})["order"]
        key = f"uuid:{new['uuid'].lower()}"
        await wait_for(pilot, lambda: table.get_row(key) is not None, what="the new order")
        assert table.row_count == 5
        # It came in at its sorted place (KRW-AAA sorts first by market).
        assert table.visible_rows()[0].key == key
        table.set_filter("KRW-BTC")  # filtered out: it stays in the table, not in the view
        other = sim_post(app, "/_sim/upbit/orders", json={"market": "KRW-ZZZ"})["order"]
        other_key = f"uuid:{other['uuid'].lower()}"
        await wait_for(pilot, lambda: table.get_row(other_key) is not None, what="another order")
        assert other_key not in {r.key for r in table.visible_rows()}


async def test_a_selected_order_that_fills_leaves_the_selection_and_the_modal_says_so(make_app):
    app = make_app(orders=6)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 6)
        await wait_for(pilot, lambda: live(app), what="the stream to be live")
        table = app.main.table
        await pilot.press("space", "down", "space", "down", "space")  # three selected
        first, second, third = table.visible_rows()[:3]
        assert table.selected_count == 3
        sim_fill(app, second.id)
        await wait_for(pilot, lambda: table.selected_count == 2, what="the selection to drop it")
        assert not table.is_selected(second.key) and table.is_closed(second.key)
        note = "1 selected order closed: 1 filled"
        status = app.main.query_one(StatusBar)
        assert status.note == note
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        text = screen_text(app)
        assert "Cancel 2 orders?" in text
        assert "1 order closed since selected (1 filled)" in text
        await pilot.press("y")
        await wait_for(pilot, lambda: not app.main.running and app.cancel_run.last_report)
        report = app.cancel_run.last_report
        assert set(report.results) == {first.key, third.key}  # nothing sent for the filled one
        # The app's controller gave the engine the stream: its cancel events confirmed both.
        assert report.stream_confirmed == 2 and report.lookups_saved == 1
        assert sim_truth(app)["upbit"][second.id] == "done"


async def test_dropped_streams_reconnect_and_the_table_is_resynced(make_app):
    app = make_app(orders=5)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot, app, 5)
        await wait_for(pilot, lambda: live(app), what="the stream to be live")
        header = app.main.query_one(HeaderBar)
        assert header.stream_shown == "● live"
        seen: list[tuple[str, str]] = []  # (state, what the header shows), in order
        app.watch(
            app,
            "stream_status",
            lambda s: seen.append((s.state.value, header.stream_shown)) if s else None,
            init=False,
        )
        resyncs = app.main.resyncs
        table = app.main.table
        victim = table.visible_rows()[0]
        sim_post(app, "/_sim/drop-streams")
        sim_fill(app, victim.id)  # most likely while the stream is down: its event is lost
        await wait_for(
            pilot, lambda: any(s == "reconnecting" for s, _ in seen), what="reconnecting"
        )
        await wait_for(pilot, lambda: seen[-1][0] == "live", what="live again")
        shown = dict(seen)
        assert shown["reconnecting"].startswith("reconnecting (")  # with the reason
        assert shown["live"] == "● live"
        # The re-sync lists again, so the table equals the book: nothing missed in the gap.
        await wait_for(pilot, lambda: app.main.resyncs > resyncs, what="the re-sync")

        def open_rows() -> set[str]:
            return {r.id for r in table.all_rows() if not table.is_closed(r.key)}

        def book() -> set[str]:
            return {u for u, state in sim_truth(app)["upbit"].items() if state in ("wait", "watch")}

        await wait_for(pilot, lambda: open_rows() == book(), what="the table to equal the book")
        assert victim.id not in open_rows()


async def test_the_palette_reconnects_a_stream_that_is_off(make_app):
    app = make_app(orders=3)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot, app, 3)
        await wait_for(pilot, lambda: live(app), what="the stream to be live")

        def titles() -> set[str]:
            return {c.title for c in app.get_system_commands(app.screen)}

        assert "Reconnect the order stream" not in titles()  # only offered while off
        session = app.session
        session.runner.submit(session.live.aclose()).result(timeout=10)
        await wait_for(
            pilot,
            lambda: app.stream_status is not None and app.stream_status.state is StreamState.OFF,
            what="the stream off",
        )
        header = app.main.query_one(HeaderBar)
        assert header.stream_shown == "stream off (stopped)"
        command = next(
            c
            for c in app.get_system_commands(app.screen)
            if c.title == "Reconnect the order stream"
        )
        command.callback()
        await wait_for(pilot, lambda: live(app), what="live again")
        assert header.stream_shown == "● live"


async def test_b2trader_lists_from_the_stream_and_a_fill_shows_the_order_closed(make_app):
    app = make_app(exchange="b2trader")
    async with app.run_test(size=(140, 30)) as pilot:
        await loaded(pilot, app, 12)
        table = app.main.table
        victim = table.visible_rows()[0]
        sim_fill(app, victim.id)
        await wait_for(pilot, lambda: table.is_closed(victim.key), what="the row closed")
        assert table.row_count == 12  # shown closed (it left the open set), not removed
        new = sim_post(app, "/_sim/b2trader/orders")["order"]
        await wait_for(
            pilot,
            lambda: any(r.id.lower() == new["orderId"].lower() for r in table.all_rows()),
            what="the new order",
        )


async def test_cancels_whose_answers_were_lost_are_settled_by_the_stream(make_app):
    """Every cancel acts but its answer is lost (drop_rate 1): without the stream they are
    unknown (tests/ui/test_flows.py); with it, its cancel events settle them."""

    app = make_app(orders=6)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 6)
        await wait_for(pilot, lambda: live(app), what="the stream to be live")
        server = app.session.demo_session.server
        server.state.config.drop_rate = 1.0
        await pilot.press("space", "down", "space", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await results_shown(pilot, app, timeout=60)
        server.state.config.drop_rate = 0.0
        report = app.screen.report
        assert report.counts["cancelled"] == 2 and report.counts["unknown"] == 0
        assert report.stream_confirmed == 2
        assert "2 confirmed by the order stream" in screen_text(app)


async def test_stream_events_drained_after_the_table_was_torn_down_are_dropped(make_app):
    """The app drains the stream's inbox on a timer, which can fire while the app quits and the
    main screen's widgets are already gone (seen failing a CI run with NoMatches)."""
    from tui.ui.widgets.order_table import OrderTable

    app = make_app(orders=3)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot, app, 3)
        await app.main.query_one(OrderTable).remove()  # as the app's shutdown removes it
        out = app.main.apply_live([])  # any batch: the table is what it reaches for first
        assert out.changed == out.closed == 0 and out.resync is None


async def test_a_listing_that_ends_after_its_screen_was_torn_down_returns_quietly(make_app):
    """A stream's resync can start a listing just before the app quits; when the listing's
    answer comes, the screen's widgets may be gone. The worker must not fail on them."""
    import threading

    from tui.ui.session import Loaded
    from tui.ui.widgets.order_table import OrderTable

    app = make_app(orders=3)
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot, app, 3)
        release, asked = threading.Event(), threading.Event()

        async def slow_listing(on_page=None):
            asked.set()
            await asyncio.to_thread(release.wait, 10)
            return Loaded([])

        app.session.list_open = slow_listing
        worker = app.main.load_orders(resync=True)
        await wait_for(pilot, asked.is_set, what="the listing to start")
        await app.main.query_one(OrderTable).remove()  # as the app's shutdown removes it
        release.set()
        await wait_for(pilot, lambda: worker.is_finished, what="the listing's worker")
        assert worker.error is None, worker.error
