"""A destructive question ignores keys that arrive within CONFIRM_GUARD_S of it appearing
(keys typed before it appeared included), except those that back out. Key arrival is the key
event's time stamp; the guard's clock is the test's, so no test sleeps on a margin."""

from __future__ import annotations

import pytest
from textual import events

from tests.ui.conftest import loaded, results_shown, screen_text, sim_fill, sim_truth, wait_for
from tui.ui.screens import guard
from tui.ui.screens.ask import AskScreen
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.guard import CONFIRM_GUARD_S, GuardedModal, key_clock
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.results import ResultsScreen

pytestmark = pytest.mark.slow

JUST_BEFORE = CONFIRM_GUARD_S - 0.001


class Clock:
    def __init__(self) -> None:
        # An hour behind the real one: keys pressed with pilot.press (stamped on the real
        # clock) come long after anything opened; key_at stamps keys on this one.
        self.now = key_clock() - 3600.0


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """The guard on (conftest turns it off for the flows), on a clock that moves only when
    the test says."""
    clock = Clock()
    monkeypatch.setattr(GuardedModal, "guard_interval", CONFIRM_GUARD_S)
    monkeypatch.setattr(guard, "key_clock", lambda: clock.now)
    return clock


async def key_at(pilot, clock: Clock, key: str, at: float, handled: float | None = None) -> None:
    """A key as the driver delivers it, read from the terminal at time `at` and handled at
    `handled` (by default then, or now for a key typed ahead): the clock moves on to it."""
    clock.now = max(clock.now, at if handled is None else handled)
    character = {"enter": "\r", "escape": "\x1b"}.get(key, key if len(key) == 1 else None)
    event = events.Key(key, character)
    event.time = at
    event.set_sender(pilot.app)
    pilot.app.post_message(event)
    await pilot.pause()
    await pilot.pause()


def cancelled(app) -> list[str]:
    return [k for k, state in sim_truth(app)["upbit"].items() if state == "cancel"]


async def open_confirm(pilot, app, *keys: str) -> ConfirmScreen:
    await pilot.press(*keys)
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
    await pilot.pause()
    return app.screen


def test_the_guard_is_a_few_hundred_ms_on_the_clock_textual_stamps_keys_with():
    assert 0.2 <= CONFIRM_GUARD_S <= 1.0
    before = key_clock()
    key = events.Key("y", "y")
    after = key_clock()
    assert before <= key.time <= after


async def test_cancel_confirm_ignores_y_and_enter_until_the_guard_ends(make_app, clock):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 40)
        screen = await open_confirm(pilot, app, "space", "down", "space", "c")
        opened = clock.now
        for key, at in [
            ("y", opened - 1.0),  # typed ahead, before the question appeared
            ("y", opened),
            ("enter", opened + 0.1),
            ("y", opened + JUST_BEFORE),
        ]:
            await key_at(pilot, clock, key, at)
            assert app.screen is screen, (key, at - opened)
        assert any("Too soon" in n.message for n in app._notifications)
        assert not app.main.running and cancelled(app) == []
        await key_at(pilot, clock, "y", opened + CONFIRM_GUARD_S)
        await results_shown(pilot, app)
        assert app.screen.report.counts["cancelled"] == 2
        assert len(cancelled(app)) == 2


async def test_a_key_read_early_counts_as_early_however_late_it_is_handled(make_app, clock):
    """A UI loop busy for seconds (a huge table, a slow disk) handles queued keys late: the
    guard goes by when the key was read."""
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 40)
        screen = await open_confirm(pilot, app, "c")
        opened = clock.now
        await key_at(pilot, clock, "y", opened + 0.1, handled=opened + 5.0)
        assert app.screen is screen and cancelled(app) == []
        await key_at(pilot, clock, "y", opened + 5.0)
        await wait_for(pilot, lambda: app.main.running or app.screen is not screen)
        assert app.screen is not screen


async def test_escape_and_n_back_out_at_once(make_app, clock):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 40)
        for key in ("escape", "n"):
            screen = await open_confirm(pilot, app, "c")
            await key_at(pilot, clock, key, clock.now)
            assert app.screen is not screen and app.screen is app.main, key
        assert cancelled(app) == []


async def test_enter_is_ignored_too_when_the_count_must_be_typed(make_app, clock):
    app = make_app(orders=60)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 60)
        await pilot.press("a")
        screen = await open_confirm(pilot, app, "c")
        assert screen.summary.must_type
        opened = clock.now
        for key in ("6", "0", "enter"):  # a burst: the digits land in the field, enter does not
            await key_at(pilot, clock, key, opened + 0.1)
        assert app.screen is screen
        assert screen.query_one("#typed").value == ""  # nothing waits there for a later enter
        assert cancelled(app) == []
        for key in ("6", "0", "enter"):
            await key_at(pilot, clock, key, opened + CONFIRM_GUARD_S)
        await wait_for(pilot, lambda: app.main.running or isinstance(app.screen, ResultsScreen))
        await results_shown(pilot, app)
        assert app.screen.report.counts["cancelled"] == 60


async def test_the_retry_confirm_from_results_is_guarded(make_app, clock):
    app = make_app(orders=6, live=False)  # no stream: the fills are seen only by the cancels
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 6)
        first, second = app.main.table.visible_rows()[:2]
        for row in (first, second):  # filled behind the app's back: the cancels fail
            sim_fill(app, row.id)
        screen = await open_confirm(pilot, app, "space", "down", "space", "c")
        await key_at(pilot, clock, "y", clock.now + CONFIRM_GUARD_S)
        await results_shown(pilot, app, timeout=60)
        report = app.screen.report
        assert report.counts["failed"] == 2
        clock.now += 10
        screen = await open_confirm(pilot, app, "R")
        opened = clock.now
        assert "Cancel 2 orders?" in screen_text(app)
        await key_at(pilot, clock, "y", opened + 0.1)
        await key_at(pilot, clock, "enter", opened + JUST_BEFORE)
        assert app.screen is screen and not app.main.running
        await key_at(pilot, clock, "y", opened + CONFIRM_GUARD_S)
        await wait_for(
            pilot,
            lambda: (
                isinstance(app.screen, ResultsScreen)
                and app.screen.ready
                and app.screen.report is not report
            ),
            timeout=60,
            what="retry results",
        )
        assert app.screen.report.counts["failed"] == 2  # sent again (and refused again)


async def test_a_question_ignores_yes_but_not_no_until_the_guard_ends(make_app, clock):
    app = make_app()
    answers: list[bool | None] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 40)
        question = AskScreen("Abort the run?", yes="abort", no="keep going")
        app.push_screen(question, answers.append)
        await wait_for(pilot, lambda: app.screen is question)
        opened = clock.now
        await key_at(pilot, clock, "y", opened + JUST_BEFORE)
        assert app.screen is question and answers == []
        await key_at(pilot, clock, "y", opened + CONFIRM_GUARD_S)
        assert answers == [True]
        again = AskScreen("Abort the run?")
        app.push_screen(again, answers.append)
        await wait_for(pilot, lambda: app.screen is again)
        await key_at(pilot, clock, "n", clock.now)
        assert answers == [True, False]


async def test_a_screen_over_the_question_re_arms_it(make_app, clock):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 40)
        screen = await open_confirm(pilot, app, "c")
        help_screen = HelpScreen(app.keymap)
        app.push_screen(help_screen)  # a screen over the confirm for a minute
        await wait_for(pilot, lambda: app.screen is help_screen, what="help")
        clock.now += 60
        app.pop_screen()
        await wait_for(pilot, lambda: app.screen is screen, what="back to the confirm")
        await key_at(pilot, clock, "y", clock.now + 0.1)
        assert app.screen is screen and cancelled(app) == []


async def test_a_real_burst_never_confirms(make_app, monkeypatch):
    """The production clock: keys read in one burst (a paste turned into keys) are all
    stamped before the confirm they open appears."""
    monkeypatch.setattr(GuardedModal, "guard_interval", CONFIRM_GUARD_S)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 40)
        burst = [events.Key("a", "a"), events.Key("c", "c"), events.Key("y", "y")]
        for event in burst:
            event.set_sender(app)
            app.post_message(event)
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.summary.count == 40  # a selected all, c opened it, y did nothing
        assert not app.main.running and cancelled(app) == []
