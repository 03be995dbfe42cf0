"""Snapshot tests of every screen issue 4 lists (pytest-textual-snapshot).

Stable across runs: the demo simulator is seeded (same orders, ids and times every run), user
directories live in a temporary home, notifications (which carry timings) are cleared, the
rate meter and the progress clock are frozen, and inputs do not blink.
Update after a deliberate UI change with `pytest tests/ui/test_snapshots.py --snapshot-update`
and look at the SVGs before committing them.
"""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input

from tests.ui import demo_keys
from tests.ui.conftest import results_shown, sim_fill, wait_for
from tui.ui.screens.add_order import AddOrderScreen
from tui.ui.screens.ask import AskScreen
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.detail import DetailScreen
from tui.ui.screens.help import HelpScreen
from tui.ui.screens.paste_preview import PastePreviewScreen
from tui.ui.screens.profiles import ProfilesScreen
from tui.ui.screens.prompt import PromptScreen
from tui.ui.screens.settings import SettingsScreen
from tui.ui.widgets.order_table import OrderTable
from tui.ui.widgets.progress_panel import ProgressPanel

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _fixed_demo_keys(monkeypatch):
    """Known demo credentials (tests/ui/demo_keys.py): the settings snapshot shows the same
    masked key every run, and the secrets check knows what to look for in every SVG."""
    demo_keys.install(monkeypatch)


async def settle(pilot, rows: int = 1) -> None:
    """Wait for the seeded book to load, then freeze everything that depends on timing."""
    app = pilot.app
    await wait_for(pilot, lambda: app.main.table.row_count >= rows, what="orders")
    await pilot.pause(0.05)
    freeze(app)


def freeze(app) -> None:
    app.clear_notifications()
    app.session.rate.update("default", 30, 30)
    app._refresh_rate()
    for field in app.screen.query(Input):
        field.cursor_blink = False


async def select_three(pilot) -> None:
    await pilot.press("space", "down", "down", "space", "down", "space")


def test_main_screen_with_orders_and_a_selection(make_app, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await select_three(pilot)
        await pilot.pause(0.1)
        freeze(pilot.app)

    assert snap_compare(make_app(), terminal_size=(110, 32), run_before=run_before)


def test_layout_at_80x24(make_app, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("down", "space")
        await pilot.pause(0.1)
        freeze(pilot.app)

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=run_before)


def test_a_row_marked_closed_by_the_stream(make_app, snap_compare):
    """An order filled behind the app's back, shown closed (muted, state done) by the live
    stream: the event is waited for, not timed, and the demo book does not trickle."""

    async def run_before(pilot):
        app = pilot.app
        await settle(pilot)
        table = app.main.table
        victim = table.visible_rows()[1]
        sim_fill(app, victim.id)
        await wait_for(pilot, lambda: table.is_closed(victim.key), what="the row closed")
        await pilot.pause(0.1)
        freeze(app)

    assert snap_compare(make_app(), terminal_size=(100, 16), run_before=run_before)


def test_confirm_modal(make_app, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await select_three(pilot)
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConfirmScreen))
        await pilot.pause(0.1)
        freeze(pilot.app)

    assert snap_compare(make_app(), terminal_size=(110, 32), run_before=run_before)


def test_progress_mid_run(make_app, snap_compare):
    """A run frozen half way: the panel, live row states, counts and req/s at a fixed clock."""

    async def run_before(pilot):
        app = pilot.app
        await settle(pilot)
        table = app.main.table
        rows = table.visible_rows()[:12]
        table.select_keys([r.key for r in rows])
        panel = app.main.query_one(ProgressPanel)
        panel.clock = lambda: 1000.0
        panel.begin(
            "Cancelling 12 orders · Upbit kr (127.0.0.1) · 1 batch request · escape aborts", 12
        )
        panel.started = 998.0
        panel.requests = 3
        panel.counts.update(cancelled=6, failed=1, unknown=0)
        panel.refresh_counts()
        marks = {r.key: "cancelled" for r in rows[:6]}
        marks[rows[6].key] = "failed"
        marks.update({r.key: "sending" for r in rows[7:]})
        table.mark_rows(marks)
        await pilot.pause(0.1)
        freeze(app)

    assert snap_compare(make_app(), terminal_size=(110, 32), run_before=run_before)


async def run_with_a_failure(pilot) -> None:
    """Cancel three orders of which one filled first: results with both panels."""
    app = pilot.app
    await settle(pilot)
    table = app.main.table
    victim = table.visible_rows()[2]
    sim_fill(app, victim.id)
    await select_three(pilot)
    await pilot.press("c")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    await pilot.press("y")
    await results_shown(pilot, app)
    screen = app.screen
    screen.report.elapsed_s = 0.25  # frozen clock
    screen.refresh_summary()
    screen.query_one("#table-failed", OrderTable).focus()
    await pilot.pause(0.1)
    freeze(app)


def test_results_with_both_panels(make_app, snap_compare):
    # No stream: the fill behind the app's back is seen only by the cancel (the exchange refuses)
    assert snap_compare(
        make_app(live=False), terminal_size=(140, 40), run_before=run_with_a_failure
    )


def test_results_stacked_at_80x24(make_app, snap_compare):
    assert snap_compare(make_app(live=False), terminal_size=(80, 24), run_before=run_with_a_failure)


def test_order_full_detail(make_app, snap_compare):
    async def run_before(pilot):
        await run_with_a_failure(pilot)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, DetailScreen))
        await pilot.pause(0.1)
        freeze(pilot.app)

    assert snap_compare(make_app(live=False), terminal_size=(100, 44), run_before=run_before)


def test_help_screen(make_app, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        await pilot.pause(0.1)
        freeze(pilot.app)

    assert snap_compare(make_app(), terminal_size=(110, 50), run_before=run_before)


def test_paste_preview(make_app, snap_compare):
    async def run_before(pilot):
        await settle(pilot)
        pasted = (
            "4b8d3e2a-1f6c-4a9b-8d7e-0c1b2a394857\nnot an order id\n"
            "identifier:grid-000042\n\n01HZY3K4M5N6P7Q8R9S0T1V2W3\nrandom text 12345\n"
        )
        pilot.app.main.post_message(events.Paste(pasted))
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PastePreviewScreen))
        await pilot.pause(0.1)
        freeze(pilot.app)

    assert snap_compare(make_app(), terminal_size=(110, 30), run_before=run_before)


@pytest.mark.parametrize("theme", ["ordertui-light", "ordertui-projector"])
def test_custom_theme(make_app, snap_compare, theme):
    async def run_before(pilot):
        await settle(pilot)
        await select_three(pilot)
        await pilot.pause(0.1)
        freeze(pilot.app)

    app = make_app(theme=theme)
    assert app.theme == theme
    assert snap_compare(app, terminal_size=(110, 30), run_before=run_before)


async def open_modal(pilot, key: str, screen_type) -> None:
    await settle(pilot)
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, screen_type), what=key)
    await pilot.pause(0.1)
    freeze(pilot.app)


def test_settings_screen(make_app, snap_compare, monkeypatch):
    """Masked credentials (the fixed demo keys), paths under ~. Two values differ per machine
    and are written out as placeholders: the simulator's port and this checkout's themes dir."""
    from tui.ui.themes import shipped_themes_dir

    app = make_app()
    real_rows = app.settings_rows

    def rows():
        port = app.session.demo_session.base_url.rsplit(":", 1)[-1]
        shipped = str(shipped_themes_dir())
        return [
            (
                k,
                v.replace(f"127.0.0.1:{port}", "127.0.0.1:PORT").replace(
                    shipped, "<ordertui>/themes"
                ),
            )
            for k, v in real_rows()
        ]

    monkeypatch.setattr(app, "settings_rows", rows)

    async def run_before(pilot):
        await open_modal(pilot, "comma", SettingsScreen)

    assert snap_compare(app, terminal_size=(110, 30), run_before=run_before)


def test_profiles_screen(make_app, snap_compare):
    async def run_before(pilot):
        await open_modal(pilot, "p", ProfilesScreen)

    assert snap_compare(make_app(), terminal_size=(100, 24), run_before=run_before)


def test_add_order_screen(make_app, snap_compare):
    async def run_before(pilot):
        await open_modal(pilot, "n", AddOrderScreen)
        await pilot.press(*"not-a-uuid", "tab")
        await pilot.pause(0.1)
        freeze(pilot.app)

    assert snap_compare(make_app(), terminal_size=(100, 24), run_before=run_before)


def test_prompt_screen(make_app, snap_compare, monkeypatch):
    monkeypatch.chdir("/tmp")  # the import prompt starts from the working directory

    async def run_before(pilot):
        await open_modal(pilot, "i", PromptScreen)

    assert snap_compare(make_app(), terminal_size=(100, 24), run_before=run_before)


def test_ask_screen(make_app, snap_compare):
    """The abort question, as the main screen asks it (escape during a run)."""

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.main.ask_abort()
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AskScreen), what="question")
        await pilot.pause(0.1)
        freeze(pilot.app)

    assert snap_compare(make_app(), terminal_size=(100, 24), run_before=run_before)
