"""keymap.toml as the README shows it: `"main.cancel" = "c,delete"` binds both keys; a binding
moved to another key no longer answers to the old one; a malformed file is one clear notice
and the app keeps its default keys."""

from __future__ import annotations

import pytest

from tests.ui.conftest import loaded, wait_for
from tui.ui.keymap import keymap_path
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.help import HelpScreen

pytestmark = pytest.mark.slow


def _write_keymap(text: str) -> None:
    path = keymap_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def _opens_confirm(pilot, app, key: str) -> None:
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what=f"{key} -> confirm")
    await pilot.press("n")
    await wait_for(pilot, lambda: app.screen is app.main, what="back to the main screen")


async def _does_nothing_on_main(pilot, app, key: str) -> None:
    """Press `key`, then `?`: keys are handled in order, so once help is up, `key` is done;
    had it opened the confirm modal, help would sit on top of it."""
    await pilot.press(key, "question_mark")
    await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
    assert [type(s) for s in app.screen_stack] == [type(app.main), HelpScreen], key
    await pilot.press("escape")
    await wait_for(pilot, lambda: app.screen is app.main, what="help closed")


async def test_the_readme_example_binds_both_keys(make_app, isolated_home):
    _write_keymap('[keys]\n"main.cancel" = "c,delete"\n')
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app)
        assert app.keymap_error is None and not any("Keymap" in n for n in _notices(app))
        await _opens_confirm(pilot, app, "delete")
        await _opens_confirm(pilot, app, "c")


async def test_a_moved_binding_no_longer_answers_to_its_old_key(make_app, isolated_home):
    _write_keymap('[keys]\n"main.cancel" = "x"\n')
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app)
        await _does_nothing_on_main(pilot, app, "c")
        await _opens_confirm(pilot, app, "x")


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('[keys\n"main.cancel" = "x"\n', "line 1"),  # not TOML
        ('[keys]\n"main.cancel" = 5\n', "[keys] must map binding ids to key strings"),
        ('keys = "c"\n', "[keys] must map binding ids to key strings"),
    ],
    ids=["not-toml", "not-a-string", "not-a-table"],
)
async def test_a_malformed_keymap_is_one_notice_and_the_defaults_stay(
    make_app, isolated_home, text, words
):
    _write_keymap(text)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app)
        assert app.keymap_error is not None and words in app.keymap_error
        keymap_notices = [n for n in _notices(app) if "Keymap" in n]
        assert len(keymap_notices) == 1 and "keymap.toml" in keymap_notices[0]
        await _opens_confirm(pilot, app, "c")  # the default key still works
        await _does_nothing_on_main(pilot, app, "x")
