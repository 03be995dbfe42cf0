"""A broken user theme is one notification, never a crash: bad `[variables]` values are caught
when the file is read, and a theme that still does not fit the app's styles is refused when
switched to (the previous theme stays, and nothing is remembered)."""

from __future__ import annotations

import pytest
from textual.theme import Theme

from tests.ui.conftest import loaded, wait_for
from tui.ui.themes import (
    DEFAULT_THEME,
    load_themes,
    remember_theme,
    remembered_theme,
    user_themes_dir,
)

pytestmark = pytest.mark.slow

BAD_VARS = 'name = "badvars"\nprimary = "#ff0000"\n[variables]\n"block-cursor-background" = "zzz"\n'


def write_user_theme(filename: str, text: str) -> None:
    folder = user_themes_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / filename).write_text(text)


def test_bad_variable_values_are_a_theme_error(isolated_home):
    write_user_theme("bad2.toml", BAD_VARS)
    write_user_theme(
        "bad3.toml",
        'name = "badstyle"\nprimary = "#00ff00"\n'
        '[variables]\n"block-cursor-text-style" = "bold sparkly"\n',
    )
    write_user_theme(
        "fine.toml",
        'name = "fine"\nprimary = "#00ff00"\n'
        '[variables]\n"block-cursor-background" = "#123456"\n'
        '"block-cursor-text-style" = "bold underline"\n"my-own-thing" = "anything"\n',
    )
    loaded_ = load_themes()
    assert "badvars" not in loaded_.themes and "badstyle" not in loaded_.themes
    assert "fine" in loaded_.themes
    errors = "\n".join(loaded_.errors)
    assert "bad2.toml: variables.block-cursor-background: 'zzz' is not a colour" in errors
    assert "bad3.toml: variables.block-cursor-text-style" in errors and "text style" in errors


@pytest.mark.parametrize("how", ["remembered", "flag"])
async def test_a_remembered_or_requested_bad_theme_starts_with_one_notification(
    make_app, isolated_home, how
):
    write_user_theme("bad2.toml", BAD_VARS)
    if how == "remembered":
        remember_theme("badvars")  # as the app did before it validated variables
    app = make_app(remember=True, theme="badvars" if how == "flag" else None)
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app)
        assert app.theme == DEFAULT_THEME
        notes = [str(n.message) for n in app._notifications if "bad2.toml" in str(n.message)]
        assert len(notes) == 1
        assert "'zzz' is not a colour" in notes[0]
        assert "Theme 'badvars' (" in notes[0] and "not used: bad2.toml has an error" in notes[0]
    if how == "flag":
        assert remembered_theme() is None  # a theme that did not apply is not remembered


async def test_switching_to_a_theme_that_breaks_the_styles_keeps_the_current_one(
    make_app, isolated_home
):
    app = make_app(remember=True, theme="ordertui-light")
    async with app.run_test(size=(100, 30)) as pilot:
        await loaded(pilot, app)
        assert remembered_theme() == "ordertui-light"
        # Registered behind the loader's back (as a plug-in could): only the switch can catch it.
        app.register_theme(
            Theme(name="sneaky", primary="#ff0000", variables={"block-cursor-background": "zzz"})
        )
        app.clear_notifications()
        await pilot.press("t")
        await pilot.pause(0.2)
        await pilot.press(*"sneaky")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: any("sneaky" in str(n.message) for n in app._notifications),
            what="the refusal",
        )
        await pilot.pause(0.2)
        assert app.is_running and app.theme == "ordertui-light"
        assert remembered_theme() == "ordertui-light"
        note = next(str(n.message) for n in app._notifications if "sneaky" in str(n.message))
        assert "not applied" in note and "block-cursor-background" in note
        # A good theme still switches, and is remembered once applied.
        app.theme = "ordertui-projector"
        await wait_for(pilot, lambda: remembered_theme() == "ordertui-projector", what="remembered")
        assert app.current_theme.name == "ordertui-projector"
