"""Loading open orders in the TUI: a list cut short by faults keeps what was read and says so;
the demo's B2TRADER book is listed and labelled (as `ordertui orders --demo` does)."""

from __future__ import annotations

import gc

import httpx
import pytest

from tests.ui.conftest import loaded, screen_text, wait_for
from tui.exchanges.http import RetryPolicy
from tui.ui.widgets.status_bar import StatusBar

pytestmark = pytest.mark.slow


def fail_from_page(app, page: int):
    """From `page` on, the simulator answers every request with a 503; the returned function
    takes the faults away again."""
    client = app.session.client
    config = app.session.demo_session.server.config
    client.retry = RetryPolicy(base_delay=0.001, max_delay=0.005)
    client.page_retry = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.005)
    real = client._open_page

    async def open_page(params, *parse):
        if int(dict(params)["page"]) >= page:
            config.fail_rate = 1.0
        return await real(params, *parse)

    client._open_page = open_page

    def heal() -> None:
        client._open_page = real
        config.fail_rate = 0.0

    return heal


async def test_a_page_that_keeps_failing_keeps_the_rows_read_and_says_the_list_is_partial(
    make_app,
):
    app = make_app(orders=350)
    async with app.run_test(size=(140, 30)) as pilot:
        await loaded(pilot, app, 350)
        status = app.main.query_one(StatusBar)
        heal = fail_from_page(app, 3)
        await pilot.press("r")
        await wait_for(pilot, lambda: "partial list" in status.note, what="the partial note")
        assert app.main.table.row_count == 200
        assert status.note == (
            "partial list: 200 orders loaded, page 3 failed: 503 service_unavailable (r to retry)"
        )
        assert "partial list: 200 orders loaded" in screen_text(app)
        assert gc.get_freeze_count() == 0  # the listing settled its rows, then let them go
        # The note stays until the next load, which (faults gone) reads the whole list.
        heal()
        await pilot.press("r")
        await wait_for(pilot, lambda: app.main.table.row_count == 350, what="the full reload")
        await wait_for(pilot, lambda: status.note == "", what="the note to clear")
        assert gc.get_freeze_count() == 0


async def test_the_demo_b2trader_book_is_listed_labelled_and_only_its_open_orders(make_app):
    app = make_app(exchange="b2trader")
    async with app.run_test(size=(140, 30)) as pilot:
        await loaded(pilot, app, 12)
        status = app.main.query_one(StatusBar)
        await wait_for(pilot, lambda: status.note != "", what="the demo label")
        assert status.note == "from the OpenOrders stream"
        base = app.session.demo_session.base_url
        book = httpx.get(f"{base}/_sim/b2trader/orders", timeout=5).json()["orders"]
        first = book[0]["orderId"]
        httpx.post(f"{base}/_sim/fill/{first}", timeout=5).raise_for_status()
        # The stream shows it closed first (r lists the stream's newest open set)
        key = next(r.key for r in app.main.table.all_rows() if r.id.lower() == first.lower())
        await wait_for(pilot, lambda: app.main.table.is_closed(key), what="the row closed")
        await pilot.press("r")
        await wait_for(pilot, lambda: app.main.table.row_count == 11, what="the reload")
        assert first.upper() not in {r.id for r in app.main.table.all_rows()}
