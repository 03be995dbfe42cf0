"""The header and the status bar keep to one line at 80 columns and say what matters first."""

from __future__ import annotations

import pytest

from tests.ui.conftest import loaded, results_shown, screen_text, wait_for
from tui.ui.widgets.header_bar import HeaderBar, HeaderState, fit_target, shorten_id

pytestmark = pytest.mark.slow


def test_fit_target_drops_the_host_then_shortens_the_account_id():
    account = "a8aa99c7-97f8-4282-90cc-38fa7187c1ea"
    state = HeaderState(
        "profile x", f"B2TRADER · account {account}", "built-in simulator", True, account
    )
    assert fit_target(state, 200) == f"B2TRADER · account {account} · built-in simulator"
    assert fit_target(state, 60) == f"B2TRADER · account {account}"
    short = fit_target(state, 33)
    assert (
        short.startswith("B2TRADER · account a8aa99c7") and short.endswith("c1ea") and "…" in short
    )
    assert len(short) <= 33
    assert shorten_id(account, 13) == "a8aa99c7…c1ea"
    assert fit_target(HeaderState("p", "Upbit · kr", "api.upbit.com"), 12) == "Upbit · kr"


async def test_header_shows_the_b2trader_account_at_80_columns_and_refits_on_resize(make_app):
    app = make_app(exchange="b2trader")
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app)
        account = app.session.profile.account_id
        assert len(account) > 20
        await wait_for(
            pilot,
            lambda: all(
                s in screen_text(app).splitlines()[0]
                for s in (f"account {account[:8]}", "●", "rate", "DEMO")
            ),
            timeout=10,
            what="the header's account, dot and meter",
        )
        lines = screen_text(app).splitlines()
        header = lines[0]
        # One line: the account id (shortened in the middle), the stream's dot and the rate
        # meter all show.
        assert f"account {account[:8]}" in header and account[-3:] in header and "…" in header
        assert "●" in header
        assert "rate" in header and "DEMO" in header
        assert account[:8] not in lines[1]  # nothing wrapped onto a second line
        await pilot.resize_terminal(200, 40)
        await wait_for(
            pilot,
            lambda: f"account {account} · built-in simulator" in screen_text(app).splitlines()[0],
            timeout=10,
            what="the whole account id",
        )
        header = screen_text(app).splitlines()[0]
        assert f"account {account} · built-in simulator" in header
        await pilot.resize_terminal(80, 24)
        bar = app.main.query_one(HeaderBar)
        await wait_for(
            pilot,
            lambda: bar.target_text.endswith(account[-3:]) and "…" in bar.target_text,
            timeout=10,
            what="the account id shortened again",
        )
        assert bar.target_text.endswith(account[-3:]) and "…" in bar.target_text


# ---- the rate meter -----------------------------------------------------------------------------
def meter_text(screen) -> str:
    from tui.ui.widgets.rate_meter import RateMeter

    return str(screen.query_one(RateMeter).render())


async def meter_shows(pilot, app, text: str) -> None:
    """Wait for the main screen's meter to show `text` (the app looks at the reading every
    0.25 s; on a loaded machine a fixed pause can end before the next look)."""
    await wait_for(pilot, lambda: text in meter_text(app.main), timeout=5, what=repr(text))


async def test_rate_meter_follows_readings_under_a_modal_decays_and_resets_on_switch(make_app):
    from tui.ui.screens.help import HelpScreen
    from tui.ui.screens.profiles import ProfilesScreen

    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot, app)
        await pilot.pause(1.2)  # the load's own readings have gone stale
        now = [1000.0]
        app._clock = lambda: now[0]
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        # A reading while a screen without a meter is on top still reaches the main screen.
        app.session.rate.update("default", 3, 30)
        await meter_shows(pilot, app, "3/30/s")
        await pilot.press("escape")
        await meter_shows(pilot, app, "3/30/s")
        assert "3/30/s" in meter_text(app.main)
        # No reading for a second: Upbit's per-second budget is full again.
        now[0] += 1.1
        await meter_shows(pilot, app, "30/30/s")
        app.session.rate.update("default", 0, 30)
        await meter_shows(pilot, app, " 0/30/s")
        # Switching to B2TRADER (no Remaining-Req) does not keep Upbit's reading.
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen))
        await pilot.press("down", "enter")  # demo Upbit, then demo B2TRADER
        await wait_for(
            pilot,
            lambda: app.session.profile is not None and app.session.profile.exchange == "b2trader",
            what="the B2TRADER demo",
        )
        await meter_shows(pilot, app, "rate –/s")


# ---- connect errors -------------------------------------------------------------------------------
async def test_a_connect_error_is_scrubbed_and_shown_on_every_header(make_app):
    from tui.core.errors import OrderTuiError
    from tui.ui.screens.confirm import ConfirmScreen

    secret = "tok-9f8e7d6c5b4a"
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await loaded(pilot, app)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await results_shown(pilot, app)
        results = app.screen
        app.session.redactor.add(secret)

        def refuse(*args, **kwargs):
            raise OrderTuiError(f"401 from https://sim.example: bad token {secret}")

        app.session.connect = refuse
        app.connect(demo=True, exchange="upbit")  # as the palette's "Switch profile" does from here
        await wait_for(pilot, lambda: app.connect_error is not None, what="the connect failure")
        await wait_for(
            pilot,
            lambda: (
                all("bad token" in s.query_one(HeaderBar).target_text for s in (results, app.main))
                and "not connected" in screen_text(app).splitlines()[0]
            ),
            timeout=10,
            what="the error on every header",
        )
        for screen in (results, app.main):
            bar = screen.query_one(HeaderBar)
            assert "bad token" in bar.target_text and secret not in bar.target_text, screen
        assert "not connected" in screen_text(app).splitlines()[0]
        assert all(secret not in str(n.message) for n in app._notifications)
        await pilot.press("escape")
        await wait_for(
            pilot,
            lambda: "not connected" in screen_text(app).splitlines()[0],
            timeout=10,
            what="not connected on the main screen",
        )
        assert "not connected" in screen_text(app).splitlines()[0]
        assert secret not in screen_text(app)


# ---- the status bar -------------------------------------------------------------------------------
def test_locked_text_fits_the_width_with_a_count_of_the_rest():
    from decimal import Decimal

    from tui.ui.widgets.status_bar import locked_text

    totals = {
        "BTC": Decimal("0.14789774"),
        "DOGE": Decimal("12156.32944676"),
        "ETH": Decimal("1.5"),
        "KRW": Decimal("1000000"),
    }
    assert (
        locked_text(totals)
        == "locked BTC 0.14789774 · DOGE 12,156.32944676 · ETH 1.5 · KRW 1,000,000"
    )
    assert locked_text(totals, width=50) == "locked BTC 0.14789774 · +3 more"
    assert locked_text(totals, width=20) == ""  # never "locked +4 more" without an amount


@pytest.mark.parametrize("width", [78, 118])  # 80 and 120 columns, less the padding
def test_status_line_shows_a_locked_amount_for_two_currencies_at_80_and_120(width):
    from decimal import Decimal

    from tui.ui.widgets.status_bar import status_line

    locked = {"ETH": Decimal("0.98999213"), "KRW": Decimal("17123.14513392")}
    line = status_line(
        width,
        total=100_000,
        shown=24_931,
        selected=2,
        hidden_selected=1,
        filter_text="krw-btc ask",
        locked=locked,
    )
    assert len(line) <= width
    assert "locked ETH 0.98999213" in line and "1 hidden" in line and "24,931" in line
    if width > 100:  # room for everything, the filter's text included
        assert "(/krw-btc ask)" in line and "KRW 17,123.14513392" in line
    plain = status_line(width, total=40, shown=40, selected=2, locked=locked)
    assert plain == "40 orders · 2 selected · locked ETH 0.98999213 · KRW 17,123.14513392"
    squeezed = status_line(30, total=40, shown=40, selected=2, locked=locked)
    assert squeezed == "40 orders · 2 selected · locked in 2 currencies"


async def test_status_bar_at_80_columns_fits_the_selection_and_shows_a_note_first(make_app):
    from tui.ui.widgets.status_bar import StatusBar

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app)
        await pilot.press("a")  # every currency of the book is locked by the selection
        await wait_for(
            pilot,
            lambda: screen_text(app).splitlines()[-2].rstrip().endswith("more"),
            timeout=10,
            what="the locked sums in the status bar",
        )
        line = screen_text(app).splitlines()[-2].rstrip()
        assert line.startswith(" 40 orders · 40 selected · locked ")
        assert (
            line.endswith("more") and "…" not in line
        )  # whole amounts, then how many are left out
        status = app.main.query_one(StatusBar)
        status.set_note("loading open orders… page 3/10")
        await wait_for(
            pilot,
            lambda: (
                screen_text(app)
                .splitlines()[-2]
                .startswith(" loading open orders… page 3/10 · 40 orders · 40 selected")
            ),
            timeout=10,
            what="the note first",
        )
        line = screen_text(app).splitlines()[-2].rstrip()
        assert line.startswith(" loading open orders… page 3/10 · 40 orders · 40 selected")
        status.set_note("")
        await pilot.resize_terminal(200, 40)
        await wait_for(
            pilot,
            lambda: (
                "more" not in screen_text(app).splitlines()[-2]
                and screen_text(app).splitlines()[-2].count(" · ") >= 8
            ),
            timeout=10,
            what="every currency in the status bar",
        )
        line = screen_text(app).splitlines()[-2]
        assert "more" not in line and line.count(" · ") >= 8  # room for every currency now


async def test_demo_at_120x40_shows_identifiers_whole_and_at_80x24_a_locked_amount(make_app):
    import re

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app)
        table = app.main.table
        await wait_for(
            pilot,
            lambda: (
                all(
                    r.identifier in screen_text(app)
                    for r in table.visible_rows()[:30]
                    if r.identifier
                )
                and "Created" in screen_text(app).splitlines()[1]
            ),
            timeout=10,
            what="the identifiers whole",
        )
        text = screen_text(app)
        idents = [r.identifier for r in table.visible_rows()[:30] if r.identifier]
        assert idents and all(ident in text for ident in idents)  # "manual-000123-…" whole
        assert "Remaining" in text.splitlines()[1] and "Created" in text.splitlines()[1]
        await pilot.resize_terminal(80, 24)
        # two currencies, one of them hidden by a filter
        by_currency: dict[str, str] = {}
        for row in table.visible_rows():
            if row.locked and row.market and row.market.startswith("KRW-"):
                by_currency.setdefault(row.locked_currency or "", row.key)
        first, second = list(by_currency.values())[:2]
        table.select_keys([first, second])
        table.set_filter(table.get_row(first).market)
        await wait_for(
            pilot,
            lambda: (
                "1 hidden" in screen_text(app).splitlines()[-2]
                and "Price" in screen_text(app).splitlines()[1]
            ),
            timeout=10,
            what="the hidden count at 80 columns",
        )
        lines = screen_text(app).splitlines()
        assert "Remaining" in lines[1] and "Price" in lines[1]
        status = lines[-2]
        assert "1 hidden" in status
        assert re.search(r"locked [A-Z]+ [0-9]", status), status
