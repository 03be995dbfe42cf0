"""Outside text never drives the terminal from the TUI, and is never read as markup.

Each test checks two things on the screens the user goes through: what the app writes to the
terminal for a full repaint (exactly what the driver sends) holds none of the hostile
sequences, and the screen shows them in their visible form (`\\x1b]0;PWNED\\x07`), markup as
typed (`[@click=app.quit]`)."""

from __future__ import annotations

import json

import pytest

from tests import hostile_exchange as hostile
from tests.hostile_exchange import HostileExchange
from tests.ui.conftest import screen_text, wait_for

HOSTILE = {
    "OSC (title)": "\x1b]0;",
    "CSI 2J (clear)": "\x1b[2J",
    "BEL": "\x07",
    "C1 CSI": "\x9b",
    "C1 NEL": "\x85",
    "RLO": "\u202e",
    "line separator": "\u2028",
}
UUID = "0b2a3c4d-1111-4222-8333-444455556666"


def terminal_output(app) -> str:
    """What a full repaint of the current screen writes to the terminal."""
    return app.screen._compositor.render_full_update().render_segments(app.console)


def assert_terminal_clean(app, where: str) -> None:
    out = terminal_output(app)
    found = [name for name, seq in HOSTILE.items() if seq in out]
    assert not found, f"{', '.join(found)} written to the terminal on {where}"


async def screen_of(pilot, app, kind, what: str) -> None:
    await wait_for(pilot, lambda: isinstance(app.screen, kind), what=what)
    await pilot.pause(0.1)


async def test_import_of_a_hostile_text_file_shows_its_lines_escaped(make_app, tmp_path):
    from tui.ui.screens.paste_preview import PastePreviewScreen

    path = tmp_path / "evil\x1b[2J.txt"  # its name is shown too
    path.write_text(
        f"{UUID}\n"
        "\x1b]0;PWNED\x1b\\ sets the title\n"
        "\x1b[2J clears the screen\n"
        "\x07 rings [red]red[/red] [@click=app.quit]quit[/] \x9b31m \u202ebidi \x85 \u2028 x\n",
        encoding="utf-8",
    )
    app = make_app(import_path=str(path))
    async with app.run_test(size=(120, 40)) as pilot:
        await screen_of(pilot, app, PastePreviewScreen, "the import preview")
        assert_terminal_clean(app, "the import preview")
        text = screen_text(app)
        assert r"Add 1 order from evil\x1b[2J.txt?" in text
        assert r"(evil\x1b[2J.txt, read as text)" in text
        assert r"no order id found: \x1b]0;PWNED\x1b\ sets the title" in text
        assert r"no order id found: \x1b[2J clears the screen" in text
        # (a long line is folded in the dialog)
        assert r"\x07 rings [red]red[/red] [@click=app.quit]quit[/] \u009b31m \u202ebidi" in text
        assert r"\u0085 \u2028 x" in text


async def test_import_of_hostile_orders_shows_their_fields_escaped(make_app, tmp_path):
    from tui.ui.screens.detail import DetailScreen
    from tui.ui.screens.paste_preview import PastePreviewScreen

    path = tmp_path / "orders.json"
    path.write_text(json.dumps([hostile.order()]), encoding="utf-8")
    app = make_app(import_path=str(path))
    async with app.run_test(size=(200, 40)) as pilot:
        await screen_of(pilot, app, PastePreviewScreen, "the import preview")
        assert_terminal_clean(app, "the import preview")
        assert rf"{UUID}  KRW-\x1b]0;PWNED\x07\r ask wait" in screen_text(app)
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main.table.row_count == 1, what="the imported row")
        await wait_for(
            pilot,
            lambda: any(
                UUID in line and r"bot\u202e1[@click=app.quit]" in line
                for line in screen_text(app).splitlines()
            ),
            timeout=10,
            what="the imported row on screen",
        )
        assert_terminal_clean(app, "the order table")
        row = next(line for line in screen_text(app).splitlines() if UUID in line)
        # (columns are sized by the text as sent, so the longer visible form may be cut)
        assert r"bot\u202e1[@click=app.quit]" in row
        assert r"KRW-\x1b]0;" in row
        # the row is what the exchange sent: only what is shown is escaped
        assert app.main.table.all_rows()[0].identifier == hostile.IDENTIFIER

        await pilot.press("enter")
        await screen_of(pilot, app, DetailScreen, "the order's detail")
        assert_terminal_clean(app, "the order's detail")
        text = screen_text(app)
        assert r"market            KRW-\x1b]0;PWNED\x07\r" in text
        assert r"ord_type          limit\x1b[2J" in text
        assert r"identifier        bot\u202e1[@click=app.quit]quit[/]" in text
        assert r"note\x1b[2J" in text and r"extra \x1b]0;PWNED\x07" in text


async def test_a_notification_quoting_outside_text_is_plain_and_visible(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:  # toasts on screen
        await wait_for(pilot, lambda: app.session.client is not None, what="the connection")
        app.main.import_file(str(tmp_path / "no\x1b]0;PWNED\x07[b]such[/b]\u202e"))
        await wait_for(pilot, lambda: "Could not import" in screen_text(app), what="the error")
        assert_terminal_clean(app, "the error notification")
        text = screen_text(app)
        assert r"no\x1b]0;PWNED\x07[b]such[/b]\u202e" in text.replace("▎", "").replace(" ", "")


@pytest.fixture
def hostile_app(isolated_home, monkeypatch):
    """The app connected (not in demo) to an exchange whose answers are hostile."""
    from tui.core.config import Overrides
    from tui.ui.app import OrderTuiApp
    from tui.ui.session import Session

    monkeypatch.setenv("ORDERTUI_JOURNAL_DIR", str(isolated_home / "journal"))
    monkeypatch.setenv("UPBIT_OPEN_API_ACCESS_KEY", "access-key-for-a-hostile-exchange")
    monkeypatch.setenv("UPBIT_OPEN_API_SECRET_KEY", "secret-key-for-a-hostile-exchange")
    with HostileExchange() as server:
        session = Session(overrides=Overrides(exchange="upbit", base_url=server.base_url))
        session.load_config()
        try:
            yield OrderTuiApp(session, remember=False), server
        finally:
            session.close()


async def test_exchange_error_message_and_fields_on_every_screen_of_a_run(hostile_app):
    from tui.ui.screens.confirm import ConfirmScreen
    from tui.ui.screens.results import ResultsScreen

    app, server = hostile_app
    async with app.run_test(size=(160, 50)) as pilot:
        await wait_for(pilot, lambda: app.main.table.row_count == 1, what="the listing")
        await wait_for(
            pilot, lambda: r"KRW-\x1b]0;" in screen_text(app), timeout=10, what="the row on screen"
        )
        assert app.session.profile is not None and not app.session.profile.demo
        assert_terminal_clean(app, "the main screen")
        assert r"KRW-\x1b]0;" in screen_text(app)

        await pilot.press("space")  # selected: the status bar sums what it locks, by currency
        await wait_for(pilot, lambda: "locked" in screen_text(app), what="the locked amount")
        assert_terminal_clean(app, "the status bar")
        assert r"1 selected · locked \x1b]0;PWNED\x07\r 100.0" in screen_text(app)

        await pilot.press("c")
        await screen_of(pilot, app, ConfirmScreen, "the confirm modal")
        assert_terminal_clean(app, "the confirm modal")
        text = screen_text(app)
        assert r"Markets   KRW-\x1b]0;PWNED\x07\r 1" in text
        assert r"Locked    \x1b]0;PWNED\x07\r 100.0" in text

        await pilot.press("y")
        await screen_of(pilot, app, ResultsScreen, "the results")
        await wait_for(pilot, lambda: app.screen.ready, what="the results panels")
        await wait_for(
            pilot,
            lambda: "DELETE /v1/order" in server.requests,
            timeout=10,
            what="the cancel request",
        )
        assert "DELETE /v1/order" in server.requests
        assert_terminal_clean(app, "the results")
        text = screen_text(app)
        assert rf"Order {UUID}  ·  refused\x1" in text  # the detail's title (cut to fit)
        assert r"error             refused\x1b[2J" in text
        # the message (folded in the detail panel), markup as sent
        assert r"message           no \x1b]0;PWNED\x07 way \u009b31m" in text
        assert r"\u202ereversed [@click=app.quit]quit[/]" in text
        assert r"identifier        bot\u202e1[@click=app.quit]quit[/]" in text


async def test_a_raw_control_character_any_widget_draws_never_reaches_the_terminal(make_app):
    """The last line of defence: text that skipped `visible` (a widget added tomorrow) is
    still stripped of what would act on the terminal, and the layout keeps its widths."""
    from rich.text import Text
    from textual.widgets import Static

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        raw = "A\x1b]0;PWNED\x07B\x1b[2JC\x9b31mD\u202eE\x85F\u2028G|"
        await app.screen.mount(Static(Text(raw), id="raw"))
        await wait_for(
            pilot,
            lambda: any(line.startswith("A") for line in screen_text(app).splitlines()),
            timeout=10,
            what="the raw widget painted",
        )
        assert_terminal_clean(app, "a widget showing raw text")
        line = next(line for line in screen_text(app).splitlines() if line.startswith("A"))
        assert line.startswith("A]0;PWNEDB[2JC31mDEFG|")  # only the controls went


async def test_profile_names_from_the_config_are_not_markup(make_app):
    """A config file may come from someone else: a profile named like an action link is a name."""
    import os

    from tui.core.paths import default_config_path
    from tui.ui.screens.profiles import ProfilesScreen

    path = default_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '[profiles."[@click=app.quit]q\\u202e"]\nexchange = "upbit"\n'
        'access_key = "access-key-0001"\nsecret_key = "secret-key-0001"\n',
        encoding="utf-8",
    )
    os.chmod(path, 0o600)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.session.client is not None, what="the connection")
        await pilot.press("p")
        await screen_of(pilot, app, ProfilesScreen, "the profiles")
        assert_terminal_clean(app, "the profiles")
        assert r"[@click=app.quit]q\u202e  ·  upbit kr" in screen_text(app)
