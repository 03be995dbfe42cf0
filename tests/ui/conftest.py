"""UI fixtures: the real app in demo mode on a seeded simulator, over HTTP on loopback,
with every user directory in a temporary home."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest


@pytest.fixture(autouse=True)
def confirm_guard_off(monkeypatch):
    """The flows press `y` as soon as a question shows, as a user who read it would after
    CONFIRM_GUARD_S. The guard itself is tested with a controlled clock in
    test_confirm_guard.py, which turns it back on."""
    from tui.ui.screens.guard import GuardedModal

    monkeypatch.setattr(GuardedModal, "guard_interval", 0.0)


@pytest.fixture
def make_app(isolated_home, monkeypatch):
    """Build the app on a fresh demo simulator; sessions are closed after the test."""
    from tui.core.config import Overrides
    from tui.ui.app import OrderTuiApp
    from tui.ui.session import Session

    monkeypatch.setenv("ORDERTUI_JOURNAL_DIR", str(isolated_home / "journal"))
    sessions = []

    def build(
        *,
        exchange: str = "upbit",
        remember: bool = False,
        theme: str | None = None,
        import_path: str | None = None,
        live: bool = True,
        **demo_options,
    ) -> OrderTuiApp:
        # The order stream runs (live=False: a session without it); the demo book does not
        # trickle unless a test passes new_order_rate / trade_rate.
        options = {"seed": 7, **demo_options}
        session = Session(
            overrides=Overrides(demo=True, exchange=exchange),
            demo=True,
            demo_options=options,
            live_stream=live,
        )
        session.load_config()
        sessions.append(session)
        return OrderTuiApp(session, theme=theme, import_path=import_path, remember=remember)

    yield build
    for session in sessions:
        session.close()


async def wait_for(
    pilot, condition: Callable[[], bool], timeout: float = 15.0, what: str = "condition"
) -> None:
    """Let the app run until `condition()` holds (real HTTP on loopback takes real time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.02)
        if condition():
            return
    raise AssertionError(f"timed out waiting for {what}")


async def loaded(pilot, app, count: int | None = None) -> None:
    table = app.main.table
    await wait_for(
        pilot,
        lambda: table.row_count > 0 and (count is None or table.row_count == count),
        what="open orders to load",
    )
    await pilot.pause(0.05)


async def results_shown(pilot, app, timeout: float = 15.0) -> None:
    """Wait for a run's results screen, built and ready."""
    from tui.ui.screens.results import ResultsScreen

    await wait_for(
        pilot,
        lambda: isinstance(app.screen, ResultsScreen) and app.screen.ready,
        timeout=timeout,
        what="results",
    )


def screen_text(app) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def sim_fill(app, order_id: str) -> None:
    """Fill an order behind the app's back (the simulator's loopback-only /_sim/ API)."""
    import httpx

    base = app.session.demo_session.base_url
    response = httpx.post(f"{base}/_sim/fill/{order_id}", timeout=5)
    response.raise_for_status()


def sim_truth(app) -> dict:
    import httpx

    base = app.session.demo_session.base_url
    return httpx.get(f"{base}/_sim/truth", timeout=5).json()


__all__ = ["asyncio", "loaded", "screen_text", "sim_fill", "sim_truth", "wait_for"]
