"""Regenerate the README screenshots from demo mode.

    python screenshots/make_screenshots.py            # writes screenshots/*.svg

Runs the real app on the seeded demo simulator with a throw-away home directory (no config,
no credentials: exactly what a new user sees), drives it by keys, and saves SVGs.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZE = (120, 34)


def isolate_home() -> Path:
    home = Path(tempfile.mkdtemp(prefix="ordertui-shots-"))
    os.environ["HOME"] = str(home)
    for var, sub in (
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
        ("XDG_STATE_HOME", ".local/state"),
        ("XDG_CACHE_HOME", ".cache"),
    ):
        os.environ[var] = str(home / sub)
    for var in (
        "UPBIT_OPEN_API_ACCESS_KEY",
        "UPBIT_OPEN_API_SECRET_KEY",
        "B2TRADER_TOKEN",
        "NO_COLOR",
    ):
        os.environ.pop(var, None)
    return home


async def wait_for(pilot, condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.05)
        if condition():
            return
    raise TimeoutError("the demo did not get there in time")


def freeze(app) -> None:
    app.clear_notifications()
    app.session.rate.update("default", 30, 30)
    app._refresh_rate()


async def shoot(out: Path) -> list[Path]:
    from tui.core.config import Overrides
    from tui.ui.app import OrderTuiApp
    from tui.ui.screens.confirm import ConfirmScreen
    from tui.ui.screens.guard import CONFIRM_GUARD_S
    from tui.ui.screens.results import ResultsScreen
    from tui.ui.session import Session

    session = Session(overrides=Overrides(demo=True), demo=True, demo_options={"seed": 7})
    session.load_config()
    app = OrderTuiApp(session, remember=False)
    written = []
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.main.table.row_count > 0)
            # Make the third order fill behind our back, so the results show a failure too.
            import httpx

            victim = app.main.table.visible_rows()[2]
            httpx.post(
                f"{session.demo_session.base_url}/_sim/fill/{victim.id}", timeout=5
            ).raise_for_status()
            await pilot.press("space", "down", "down", "space", "down", "space")
            await pilot.pause(0.2)
            freeze(app)
            written.append(Path(app.save_screenshot(filename="main.svg", path=str(out))))
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.pause(0.2)
            freeze(app)
            written.append(Path(app.save_screenshot(filename="confirm.svg", path=str(out))))
            await pilot.pause(CONFIRM_GUARD_S + 0.1)  # the confirm ignores keys until it was read
            await pilot.press("y")
            await wait_for(
                pilot, lambda: isinstance(app.screen, ResultsScreen) and app.screen.ready
            )
            app.screen.report.elapsed_s = 0.25
            app.screen.refresh_summary()
            app.screen.query_one("#table-failed").focus()
            await pilot.pause(0.3)
            freeze(app)
            written.append(Path(app.save_screenshot(filename="results.svg", path=str(out))))
    finally:
        session.close()
    return written


def main() -> int:
    sys.path.insert(0, str(ROOT))
    isolate_home()
    for path in asyncio.run(shoot(HERE)):
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
