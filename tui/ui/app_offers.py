"""What the app opens by itself or on request: the profile switcher (p), and at start the
offer to reconcile earlier runs whose outcome the journal does not know."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.notifications import SeverityLevel

from tui.core.models.row import Exchange

if TYPE_CHECKING:
    from tui.ui.app import OrderTuiApp


async def open_profiles(app: OrderTuiApp) -> None:
    """Read the config again first (off the UI loop: a slow disk or network home must not
    freeze it): a profile added with `ordertui config add` in another shell is listed. A
    config that has become invalid is one notification, and the profiles read before stay."""
    from tui.ui.screens.profiles import DEMO_B2, DEMO_UPBIT, ProfilesScreen

    session = app.session
    problem = await asyncio.to_thread(session.reload_config)
    if problem:  # names the file and line
        app.notify(
            session.redactor.scrub(f"Config: {problem}\nShowing the profiles read before."),
            severity="warning",
            timeout=10,
        )
    config = session.config
    profiles = []
    if config is not None:
        for name, prof in sorted(config.profiles.items()):
            where = (
                f"account {prof.account_id}"
                if Exchange(prof.exchange) is Exchange.B2TRADER
                else (prof.region or "kr")
            )
            profiles.append((name, f"{prof.exchange} {where}"))
    current = session.profile.name if session.profile and not session.profile.demo else None

    def chosen(choice: str | None) -> None:
        if choice is None:
            return
        if app.cancel_run.running:
            app.notify("Wait for the run to finish before switching.", severity="warning")
            return
        app.main.table.set_rows([])
        if choice == DEMO_UPBIT:
            app.connect(demo=True, exchange=Exchange.UPBIT)
        elif choice == DEMO_B2:
            app.connect(demo=True, exchange=Exchange.B2TRADER)
        else:
            prof = config.profiles.get(choice) if config else None
            app.connect(choice, demo=False, exchange=prof.exchange if prof else None)

    app.push_screen(ProfilesScreen(profiles, current), chosen)


async def offer_reconcile(app: OrderTuiApp) -> None:
    """At start: if earlier runs of this profile left orders with unknown outcomes (a crash,
    a lost connection), offer to look them up now."""
    from tui.ui.screens.ask import AskScreen

    profile = app.session.profile
    if profile is None or profile.demo:  # the demo exchange of an earlier session is gone
        return
    key = (profile.exchange, profile.name, profile.demo)
    if key in app.reconcile_offered:  # once per profile per session, not on every switch back
        return
    try:
        runs = await asyncio.to_thread(app.session.unresolved_runs)
    except Exception as exc:  # the journal is a convenience here; never block start-up
        app.log.warning(f"could not read the journal: {exc}")
        return
    pending = sum(len(run.unresolved()) for run in runs)
    if not pending:
        app.reconcile_offered.add(key)
        return
    # Only over the main screen, idle: popping up over a confirm the user opened meanwhile
    # would take their `y`. A switch of profile meanwhile replaces this worker (exclusive).
    while app.screen is not app.main or app.cancel_run.running:
        await asyncio.sleep(0.2)
    if app.session.profile is not profile:
        return
    app.reconcile_offered.add(key)
    question = (
        f"{pending} order{'s' if pending != 1 else ''} from {len(runs)} earlier "
        f"run{'s' if len(runs) != 1 else ''} {'have' if pending != 1 else 'has'} no known outcome."
    )
    detail = (
        "A run was interrupted or lost its connection. Look these orders up on the exchange "
        "now and record what became of them? (ordertui reconcile does the same.)"
    )
    if not await app.push_screen_wait(
        AskScreen(question, detail, yes="look them up", no="not now")
    ):
        return
    try:
        report = await app.session.runner.run(app.session.reconcile_runs(runs))
    except Exception as exc:
        app.report_error("Reconcile failed", exc)
        return
    counts = (
        ", ".join(f"{n} {outcome}" for outcome, n in sorted(report.counts.items())) or "nothing"
    )
    severity: SeverityLevel = "warning" if report.error else "information"
    app.notify(
        f"Reconciled {len(report.settled)} order(s): {counts}."
        + (f" {report.error}" if report.error else ""),
        severity=severity,
        timeout=10,
    )
