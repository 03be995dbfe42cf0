"""Profiles, settings (secrets never on screen), themes, NO_COLOR, keymap, export, OSC 52 copy."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from tests.ui.conftest import loaded, results_shown, screen_text, wait_for
from tui.core.config import Overrides
from tui.ui.app import OrderTuiApp
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.profiles import ProfilesScreen
from tui.ui.screens.prompt import PromptScreen
from tui.ui.screens.settings import SettingsScreen
from tui.ui.session import Session
from tui.ui.themes import (
    DEFAULT_THEME,
    load_themes,
    pick_theme,
    read_theme_file,
    remember_theme,
    remembered_theme,
    shipped_themes_dir,
    user_themes_dir,
)

pytestmark = pytest.mark.slow


def write_config(path: Path, server) -> Path:
    creds = server.credentials["upbit"]
    path.write_text(
        'default_profile = "sim"\n\n[profiles.sim]\nexchange = "upbit"\nregion = "kr"\n'
        f'base_url = "{server.base_url}"\naccess_key = "{creds["access_key"]}"\nsecret_key = "{creds["secret_key"]}"\n'
    )
    path.chmod(0o600)
    return path


@pytest.fixture
def configured_app(isolated_home, sim, tmp_path, monkeypatch):
    monkeypatch.setenv("ORDERTUI_JOURNAL_DIR", str(isolated_home / "journal"))
    config = write_config(tmp_path / "config.toml", sim)
    session = Session(config_path=config, overrides=Overrides())
    session.load_config()
    app = OrderTuiApp(session, remember=False)
    yield app, sim
    session.close()


# ---- profiles and settings --------------------------------------------------------------------
async def test_configured_profile_is_used_and_secrets_never_show(configured_app):
    app, server = configured_app
    secret = server.credentials["upbit"]["secret_key"]
    access = server.credentials["upbit"]["access_key"]
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot, app, 40)
        assert app.session.wants_demo() is False
        text = screen_text(app)
        assert "profile sim" in text and "DEMO" not in text
        await pilot.press("comma")
        await wait_for(pilot, lambda: isinstance(app.screen, SettingsScreen))
        await wait_for(
            pilot,
            lambda: (
                "config.toml" in screen_text(app)
                and f"{secret[:4]}…{secret[-2:]}" in screen_text(app)
            ),
            timeout=10,
            what="the settings' config path and masked key",
        )
        text = screen_text(app)
        assert "config.toml" in text
        assert secret not in text and access not in text
        assert f"{secret[:4]}…{secret[-2:]}" in text  # masked, enough to tell keys apart
        await pilot.press("escape")
        # Switch to the demo and back with p.
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen))
        await pilot.press("down", "enter")  # the first entry after "sim": demo Upbit
        await wait_for(
            pilot, lambda: app.session.profile is not None and app.session.profile.demo, what="demo"
        )
        await loaded(pilot, app)
        await wait_for(pilot, lambda: "DEMO" in screen_text(app), timeout=10, what="the DEMO badge")
        assert "DEMO" in screen_text(app)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, ProfilesScreen))
        await pilot.press("enter")  # "sim"
        await wait_for(
            pilot, lambda: app.session.profile is not None and not app.session.profile.demo
        )
        await loaded(pilot, app, 40)
        assert app.session.profile.name == "sim"
        # The engine talks to the configured exchange: cancel one and check the server's truth.
        row = app.main.table.visible_rows()[0]
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        assert "DEMO" not in screen_text(app)
        await pilot.press("y")
        await results_shown(pilot, app)
        assert server.state.truth()["upbit"][row.id] == "cancel"
        for path in (Path(os.environ["ORDERTUI_JOURNAL_DIR"])).glob("*.jsonl"):
            assert secret not in path.read_text()


async def test_broken_config_falls_back_to_demo_with_one_notification(
    make_app, isolated_home, tmp_path
):
    bad = tmp_path / "bad.toml"
    bad.write_text("this is = not [valid toml\n")
    session = Session(config_path=bad, overrides=Overrides())
    session.load_config()
    app = OrderTuiApp(session, remember=False)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await loaded(pilot, app)
            assert app.session.profile.demo
            notes = [n.message for n in app._notifications]
            assert any("bad.toml" in m and "Config" in m for m in notes)
    finally:
        session.close()


# ---- themes -------------------------------------------------------------------------------------
def test_shipped_themes_are_valid_and_three_or_more(isolated_home):
    files = sorted(shipped_themes_dir().glob("*.toml"))
    assert len(files) >= 3
    loaded_ = load_themes()
    assert not loaded_.errors
    assert {"ordertui-dark", "ordertui-light", "ordertui-projector"} <= set(loaded_.themes)
    assert loaded_.themes["ordertui-light"].dark is False
    for path in files:
        read_theme_file(path)


def test_broken_user_theme_is_reported_not_raised(isolated_home):
    folder = user_themes_dir()
    folder.mkdir(parents=True)
    (folder / "broken.toml").write_text("name = 'x'\nprimary = 'not-a-colour'\n")
    (folder / "garbage.toml").write_text("[[[")
    (folder / "mine.toml").write_text("name = 'mine'\nprimary = '#ff0000'\ndark = false\n")
    loaded_ = load_themes()
    assert "mine" in loaded_.themes
    assert len(loaded_.errors) == 2
    assert any("broken.toml" in e and "primary" in e for e in loaded_.errors)
    assert any("garbage.toml" in e for e in loaded_.errors)


async def test_broken_user_theme_shows_one_notification(make_app, isolated_home):
    folder = user_themes_dir()
    folder.mkdir(parents=True)
    (folder / "broken.toml").write_text("name = 'x'\nprimary = 'nope'\n")
    (folder / "also-broken.toml").write_text("primary = '#123456'\n")  # no name
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(
            pilot,
            lambda: any("Theme files skipped" in n.message for n in app._notifications),
            timeout=10,
            what="the skipped-themes notification",
        )
        notes = [n.message for n in app._notifications if "Theme files skipped" in n.message]
        assert len(notes) == 1
        assert "broken.toml" in notes[0] and "also-broken.toml" in notes[0]
        assert app.theme == DEFAULT_THEME


def test_pick_theme_order_and_unknown_name():
    available = {"ordertui-dark": 1, "ordertui-light": 2, "nord": 3}
    assert pick_theme(available, flag="nord", remembered="ordertui-light", configured=None) == (
        "nord",
        None,
    )
    assert (
        pick_theme(available, flag=None, remembered="ordertui-light", configured="nord")[0]
        == "ordertui-light"
    )
    assert pick_theme(available, flag=None, remembered=None, configured="nord")[0] == "nord"
    name, warning = pick_theme(available, flag="nope", remembered=None, configured=None)
    assert name == DEFAULT_THEME and "nope" in warning


async def test_theme_flag_applies_and_the_choice_is_remembered(make_app, isolated_home):
    app = make_app(theme="ordertui-projector", remember=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(
            pilot,
            lambda: (
                app.theme == "ordertui-projector" and remembered_theme() == "ordertui-projector"
            ),
            timeout=10,
            what="the flag's theme applied and remembered",
        )
        assert app.theme == "ordertui-projector"
        assert remembered_theme() == "ordertui-projector"
        app.theme = "nord"  # as the palette's theme picker does
        await wait_for(
            pilot, lambda: remembered_theme() == "nord", timeout=10, what="nord remembered"
        )
        assert remembered_theme() == "nord"
    again = make_app(remember=True)
    assert again.theme == "nord"


def test_remember_theme_survives_unwritable_dir(tmp_path):
    target = tmp_path / "file-not-dir"
    target.write_text("")
    assert remember_theme("x", target / "ui.toml") is None


async def test_no_color_is_respected(make_app, monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await loaded(pilot, app)
        await pilot.press("space")
        await wait_for(
            pilot,
            lambda: screen_text(app).splitlines()[2].startswith("[x]"),
            timeout=10,
            what="the row's checkbox ticked",
        )
        # Without colour the state of a row still reads: the checkbox and words carry it.
        assert screen_text(app).splitlines()[2].startswith("[x]")
        svg = app.export_screenshot()
        import re

        colours = set(re.findall(r"fill: (#[0-9a-f]{6})", svg)) - {
            "#c5c8c6"
        }  # the SVG's own default text
        assert all(c[1:3] == c[3:5] == c[5:7] for c in colours), colours  # grey levels only


# ---- keymap -------------------------------------------------------------------------------------
async def test_user_keymap_rebinds_by_id(make_app, isolated_home):
    from tui.ui.keymap import keymap_path

    path = keymap_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[keys]\n"table.toggle" = "x"\n"no.such.id" = "z"\n')
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app)
        await pilot.press("x")
        assert app.main.table.selected_count == 1
        assert any("no.such.id" in n.message for n in app._notifications)


# ---- export and copy ------------------------------------------------------------------------------
async def test_export_results_to_csv_and_json_and_copy_json(make_app, isolated_home):
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        await loaded(pilot, app)
        await pilot.press("space", "down", "space", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await results_shown(pilot, app)
        results = app.screen
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        prompt_value = app.screen.query_one("Input").value
        assert prompt_value.endswith(".csv") and str(isolated_home) in prompt_value
        target = isolated_home / "out" / "results.csv"
        app.screen.query_one("Input").value = str(target)
        await pilot.press("enter")
        await wait_for(pilot, lambda: target.exists())
        rows = list(csv.reader(target.open()))
        assert len(rows) == 3  # header + two orders
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        target_json = isolated_home / "out" / "results.json"
        app.screen.query_one("Input").value = str(target_json)
        await pilot.press("enter")
        await wait_for(pilot, lambda: target_json.exists())
        data = json.loads(target_json.read_text())
        assert data
        assert app.screen is results
        await pilot.press("y")
        copied = json.loads(app.clipboard)
        assert copied["outcome"] == "cancelled"
        assert copied["order"]["uuid"] in {r.id for r in app.main.table.all_rows()}


async def test_start_offers_to_reconcile_an_interrupted_run(
    isolated_home, sim, tmp_path, monkeypatch
):
    """A run that crashed mid-way (intents, no outcomes, no finish) is offered for look-up at start."""
    from tui.core.journal import Journal
    from tui.core.planner import Plan
    from tui.core.refs import OrderRef
    from tui.ui.screens.ask import AskScreen

    journal_dir = isolated_home / "journal"
    monkeypatch.setenv("ORDERTUI_JOURNAL_DIR", str(journal_dir))
    filled, still_open = [o["uuid"] for o in sim.state.upbit_open_orders()[:2]]
    sim.state.fill(filled)
    refs = (OrderRef.uuid(filled), OrderRef.uuid(still_open))
    crashed = Journal(journal_dir, profile="sim")
    crashed.start(
        "20260101T000000-crashed0", "upbit", "Upbit kr (127.0.0.1)", Plan((), refs, 0, ())
    )
    crashed.intent("20260101T000000-crashed0/1", "DELETE /v1/orders/uuids", refs)
    crashed.close()  # no outcome, no finish: as after kill -9

    session = Session(
        config_path=write_config(tmp_path / "config.toml", sim), overrides=Overrides()
    )
    session.load_config()
    app = OrderTuiApp(session, remember=False)
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(
                pilot, lambda: isinstance(app.screen, AskScreen), what="the reconcile offer"
            )
            await wait_for(
                pilot,
                lambda: "2 orders from 1 earlier run have no known outcome" in screen_text(app),
                timeout=10,
                what="the offer's text",
            )
            assert "2 orders from 1 earlier run have no known outcome" in screen_text(app)
            await pilot.press("y")
            await wait_for(
                pilot,
                lambda: any("Reconciled 2 order(s)" in str(n.message) for n in app._notifications),
                what="reconcile notice",
            )
            notice = next(
                str(n.message) for n in app._notifications if "Reconciled" in str(n.message)
            )
            assert "1 failed" in notice and "1 open" in notice
        from tui.core.journal import list_runs

        assert not any(run.unresolved() for run in list_runs(journal_dir))
    finally:
        session.close()
