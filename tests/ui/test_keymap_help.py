"""Every binding id the app defines can be rebound in keymap.toml, and help lists every key."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from textual.binding import Binding

from tests.ui.conftest import loaded, screen_text, wait_for
from tui.ui.keymap import all_binding_ids, help_rows, keymap_path, load_keymap

pytestmark = pytest.mark.slow


def defined_binding_ids() -> set[str]:
    """Every Binding id in every class of the tui.ui package (screens, widgets, the app)."""
    import tui.ui

    ids = set()
    for info in pkgutil.walk_packages(tui.ui.__path__, "tui.ui."):
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__:
                continue
            for item in cls.__dict__.get("BINDINGS", []):
                if isinstance(item, Binding) and item.id:
                    ids.add(item.id)
    return ids


def test_every_defined_binding_id_is_known_and_listed_in_help():
    defined = defined_binding_ids()
    assert {
        "detail.close",
        "ask.yes",
        "add.cancel",
        "prompt.cancel",
        "profiles.cancel",
        "settings.close",
        "help.close",
        "preview.add",
        "results.copy",
    } <= defined
    assert defined <= all_binding_ids()
    listed = {binding_id for _, rows in help_rows() for _, _, binding_id in rows}
    assert defined <= listed


def test_help_lists_the_palette_and_ctrl_q():
    everywhere = dict(help_rows())["Everywhere"]
    keys = {keys: description for keys, description, _ in everywhere}
    assert "ctrl+p" in keys and "palette" in keys["ctrl+p"].lower()
    assert "ctrl+q" in keys and "Quit" in keys["ctrl+q"]


def test_modal_binding_ids_load_without_complaint(isolated_home):
    path = keymap_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        '[keys]\n"detail.close" = "x"\n"ask.yes" = "j"\n"profiles.cancel" = "z"\n"help.close" = "h"\n'
    )
    keymap, error = load_keymap()
    assert error is None
    assert keymap == {
        "detail.close": "x",
        "ask.yes": "j",
        "profiles.cancel": "z",
        "help.close": "h",
    }


async def test_modal_bindings_are_rebound_in_the_app(make_app, isolated_home):
    from tui.ui.screens.detail import DetailScreen
    from tui.ui.screens.help import HelpScreen

    path = keymap_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text('[keys]\n"detail.close" = "x"\n"help.close" = "h"\n')
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await loaded(pilot, app)
        assert app.keymap_error is None
        assert not any("Keymap" in str(n.message) for n in app._notifications)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DetailScreen))
        await pilot.press("x")
        await wait_for(pilot, lambda: app.screen is app.main, what="x closes the detail")
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await wait_for(
            pilot, lambda: "ctrl+p" in screen_text(app), timeout=10, what="the help's keys"
        )
        assert "ctrl+p" in screen_text(app)
        await pilot.press("h")
        await wait_for(pilot, lambda: app.screen is app.main, what="h closes the help")
