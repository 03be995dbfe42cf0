"""Command palette entries, import (at start and with i), and the serve command line."""

from __future__ import annotations

import argparse
import shlex
import sys

import pytest

from tests.ui.conftest import loaded, wait_for
from tui.ui.screens.paste_preview import PastePreviewScreen
from tui.ui.screens.prompt import PromptScreen
from tui.ui.serve import HOST, app_command

pytestmark = pytest.mark.slow

UUIDS = ["4b8d3e2a-1f6c-4a9b-8d7e-0c1b2a394857", "5c9e4f3b-2a7d-4b0c-9e8f-1d2c3b4a5968"]


async def test_palette_has_an_entry_for_every_action(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for wanted in (
            "Load open orders",
            "Cancel selected orders",
            "Add an order",
            "Import orders from a file",
            "Look up unknown orders",
            "Filter orders",
            "Export last results",
            "Switch profile",
            "Change theme",
            "Settings",
            "Help",
            "Sort by Price",
            "Sort by Created",
            "Quit",
        ):
            assert wanted in titles, wanted
        # Running one from the palette works like its key.
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Sort by Price")
        command.callback()
        assert app.main.table.sort_column == "price"


async def test_import_at_start_previews_then_adds(make_app, tmp_path):
    source = tmp_path / "ids.csv"
    source.write_text("uuid,note\n" + "\n".join(f"{u},x" for u in UUIDS) + "\nnot-an-id,y\n")
    app = make_app(import_path=str(source))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(
            pilot, lambda: isinstance(app.screen, PastePreviewScreen), what="import preview"
        )
        assert len(app.screen.result.refs) == 2
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main.table.row_count == 2)
        assert {r.id for r in app.main.table.all_rows()} == set(UUIDS)


async def test_i_imports_a_file_by_path(make_app, tmp_path):
    source = tmp_path / "ids.txt"
    source.write_text("\n".join(UUIDS) + "\n")
    app = make_app(orders=3)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 3)
        await pilot.press("i")
        await wait_for(pilot, lambda: isinstance(app.screen, PromptScreen))
        app.screen.query_one("Input").value = str(source)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PastePreviewScreen))
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.main.table.row_count == 5)


async def test_importing_a_missing_file_is_one_error_not_a_crash(make_app, tmp_path):
    app = make_app(orders=3)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app, 3)
        app.main.import_file(str(tmp_path / "nope.txt"))
        await wait_for(pilot, lambda: any("nope.txt" in n.message for n in app._notifications))
        assert app.screen is app.main and app.main.table.row_count == 3


def test_serve_runs_the_app_with_the_same_options_on_loopback_only():
    args = argparse.Namespace(
        config="/tmp/my config.toml",
        profile="main",
        exchange=None,
        region="sg",
        base_url=None,
        account_id=None,
        theme="nord",
        import_path=None,
        demo=True,
        port=8123,
    )
    command = shlex.split(app_command(args))
    assert command[:3] == [sys.executable, "-m", "tui"]
    assert command[command.index("--config") + 1] == "/tmp/my config.toml"
    assert ["--profile", "main"] == command[
        command.index("--profile") : command.index("--profile") + 2
    ]
    assert "--demo" in command and "--theme" in command and "--exchange" not in command
    assert HOST == "127.0.0.1"
