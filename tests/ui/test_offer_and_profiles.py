"""The start-up reconcile offer waits for the main screen and comes once per profile; the
profiles list is read again each time it opens."""

from __future__ import annotations

import threading

import pytest

from tests.ui.conftest import loaded, screen_text, wait_for
from tests.ui.test_app_features import write_config
from tui.core.config import Overrides
from tui.ui.app import OrderTuiApp
from tui.ui.screens.ask import AskScreen
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.profiles import ProfilesScreen
from tui.ui.session import Session

pytestmark = pytest.mark.slow


def crashed_run(journal_dir, sim) -> None:
    """A run that died after sending (intent, no outcome, no finish): as after kill -9."""
    from tui.core.journal import Journal
    from tui.core.planner import Plan
    from tui.core.refs import OrderRef

    uuids = [o["uuid"] for o in sim.state.upbit_open_orders()[-2:]]
    refs = tuple(OrderRef.uuid(u) for u in uuids)
    journal = Journal(journal_dir, profile="sim")
    journal.start(
        "20260101T000000-crashed0", "upbit", "Upbit kr (127.0.0.1)", Plan((), refs, 0, ())
    )
    journal.intent("20260101T000000-crashed0/1", "DELETE /v1/orders/uuids", refs)
    journal.close()


@pytest.fixture
def configured(isolated_home, sim, tmp_path, monkeypatch):
    journal_dir = isolated_home / "journal"
    monkeypatch.setenv("ORDERTUI_JOURNAL_DIR", str(journal_dir))
    config = write_config(tmp_path / "config.toml", sim)
    session = Session(config_path=config, overrides=Overrides())
    session.load_config()
    yield session, sim, journal_dir, config
    session.close()


async def test_reconcile_offer_waits_for_the_main_screen_and_comes_once_per_profile(configured):
    session, sim, journal_dir, _ = configured
    crashed_run(journal_dir, sim)
    reads = []
    real = session.unresolved_runs
    may_read, has_read = threading.Event(), threading.Event()

    def slow_read():  # the journal takes a while to read: the user is faster
        reads.append(1)
        may_read.wait(30)  # held until the user has opened the confirm
        try:
            return real()
        finally:
            has_read.set()

    session.unresolved_runs = slow_read
    app = OrderTuiApp(session, remember=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        may_read.set()
        await wait_for(pilot, has_read.is_set, what="the journal read")
        # the offer is ready now; were it not waiting for the main screen, it would show at once
        await pilot.pause(0.5)
        assert reads and isinstance(app.screen, ConfirmScreen)
        assert not any(isinstance(s, AskScreen) for s in app.screen_stack)
        await pilot.press("escape")  # back out of the confirm: now the offer comes
        await wait_for(pilot, lambda: isinstance(app.screen, AskScreen), what="the reconcile offer")
        assert "2 orders from 1 earlier run" in screen_text(app)
        await pilot.press("n")
        assert app.screen is app.main
        # To the demo and back: no second offer, not even a second read of the journal.
        for choice in (("down", "enter"), ("enter",)):
            await pilot.press("p")
            await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen))
            await pilot.press(*choice)
            await wait_for(pilot, lambda: app.screen is app.main)
            await pilot.pause(0.3)
        await wait_for(
            pilot,
            lambda: app.session.profile is not None and app.session.profile.name == "sim",
            what="back on sim",
        )
        await loaded(pilot, app)
        await pilot.pause(0.5)
        assert len(reads) == 1
        assert not any(isinstance(s, AskScreen) for s in app.screen_stack)


async def test_profiles_list_is_read_again_when_it_opens(configured):
    session, sim, _, config = configured
    app = OrderTuiApp(session, remember=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app)
        # Another shell adds a profile (as `ordertui config add` does).
        creds = sim.credentials["upbit"]
        config.write_text(
            config.read_text()
            + f'\n[profiles.second]\nexchange = "upbit"\nbase_url = "{sim.base_url}"\n'
            f'access_key = "{creds["access_key"]}"\n'
            f'secret_key = "{creds["secret_key"]}"\n'
        )
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen))
        await wait_for(
            pilot,
            lambda: "second  ·  upbit kr" in screen_text(app),
            timeout=10,
            what="the new profile",
        )
        assert "second  ·  upbit kr" in screen_text(app)
        await pilot.press("escape")
        # The file breaks: one notification, the list read before stays.
        config.write_text("this is = not [valid toml\n")
        app.clear_notifications()
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen))
        await wait_for(
            pilot,
            lambda: (
                "second  ·  upbit kr" in screen_text(app)
                and "sim  ·  upbit kr" in screen_text(app)
                and any("config.toml" in str(n.message) for n in app._notifications)
            ),
            timeout=10,
            what="the profiles read before and the notification",
        )
        text = screen_text(app)
        assert "second  ·  upbit kr" in text and "sim  ·  upbit kr" in text
        notes = [str(n.message) for n in app._notifications]
        assert len(notes) == 1 and "config.toml" in notes[0] and "profiles read before" in notes[0]
        # Switching to the new profile works from the kept list.
        await pilot.press("enter")  # "second" comes first
        await wait_for(
            pilot,
            lambda: app.session.profile is not None and app.session.profile.name == "second",
            what="the new profile",
        )
        await loaded(pilot, app)
