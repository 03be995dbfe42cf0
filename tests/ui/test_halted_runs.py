"""A TUI run halted by the exchange: blocked (418) or the credentials refused (401). What has
not been sent stays `not_sent` (R retries it), the user reads why and (for a block) for how
long, and the app keeps working. Against the demo simulator over HTTP on 127.0.0.1; the
exchange's side of the story (a block, a revoked key) is set on the simulator itself."""

from __future__ import annotations

import httpx
import pytest

from tests.simulator.helpers import sample_token
from tests.ui.conftest import loaded, results_shown, screen_text, wait_for
from tui.ui.screens.confirm import ConfirmScreen
from tui.ui.screens.results import ResultsScreen

pytestmark = pytest.mark.slow


def _sim(app):
    return app.session.demo_session.server


def _block_the_account(app) -> None:
    """Knock on the exchange with the account's own key until it blocks the account (418)."""
    sim = _sim(app)
    creds = sim.credentials["upbit"]
    with httpx.Client(base_url=sim.base_url, timeout=10) as http:
        for _ in range(200):  # bounded: 30 allowed, then 429s, then (ban_after_429=3) a 418
            token = sample_token(creds["access_key"], creds["secret_key"])
            answer = http.get("/v1/orders/open", headers={"Authorization": f"Bearer {token}"})
            if answer.status_code == 418:
                return
    raise AssertionError("the simulator never blocked the account")


async def _cancel_all(pilot, app) -> ResultsScreen:
    await pilot.press("a", "c")
    await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
    await pilot.press("y")
    await results_shown(pilot, app)
    return app.screen


@pytest.mark.rate_limited_expected
async def test_a_block_halts_the_run_and_says_how_long(make_app):
    app = make_app(orders=30, ban_after_429=3, ban_seconds=120)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 30)
        _block_the_account(app)
        sim = _sim(app)
        before = sim.state.truth()["upbit"]
        results = await _cancel_all(pilot, app)
        report = results.report
        assert report.halted is not None and "blocked" in report.halted
        assert report.counts["not_sent"] == 30 and report.counts["cancelled"] == 0
        assert "120" in report.halted or "2 min" in report.halted  # how long it lasts
        text = screen_text(app)
        assert "halted" in text and "blocked" in text
        # the exchange refused every request (418: it did not act), and nothing changed
        assert sim.state.truth()["upbit"] == before
        assert report.internal_errors == 0


async def test_refused_credentials_halt_the_run_and_the_app_keeps_working(make_app):
    app = make_app(orders=45)
    async with app.run_test(size=(120, 40)) as pilot:
        await loaded(pilot, app, 45)
        sim = _sim(app)
        before = sim.state.truth()["upbit"]
        access = sim.credentials["upbit"]["access_key"]
        with sim.state.lock:  # the key is revoked on the exchange's side
            del sim.state.upbit_keys[access]
        results = await _cancel_all(pilot, app)
        report = results.report
        assert report.halted is not None and "credentials refused" in report.halted
        assert report.counts["cancelled"] == 0 and report.counts["unknown"] == 0
        failed = [r for r in report.results.values() if r.outcome.value == "failed"]
        assert failed and all(r.error.status == 401 for r in failed)
        text = screen_text(app)
        assert "halted" in text and "credentials refused" in text
        assert sim.state.truth()["upbit"] == before
        assert access not in text
        # the app is still alive: back to the main screen, the table is there
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main, what="the main screen")
        assert app.main.table.row_count == 45
