"""Panic cancel in the TUI (X, palette; Upbit): everything a rule matches on the exchange,
server-side and by id at once (tui/core/panic_run.py), behind a typed-count guard that says
plainly that matching orders created after it are cancelled too."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tui.core.events import Notice, OrderOutcome, Outcome

if TYPE_CHECKING:
    from tui.ui.screens.main import MainScreen

TITLE = "PANIC CANCEL (server-side): the rule of the orders to cancel on the exchange"


def start_panic(main: MainScreen) -> None:
    session = main.app.session  # type: ignore[attr-defined]
    client = session.client
    if client is None or client.exchange.value != "upbit":
        main.notify(
            "Panic cancel needs an Upbit connection (its server-side cancel-all).",
            severity="warning",
        )
        return
    if main.running:
        main.notify("A run is already in progress (escape aborts it).", severity="warning")
        return
    main.run_worker(panic_flow(main), group="cancel", exclusive=False)


async def panic_flow(main: MainScreen) -> None:
    from tui.core.panic import server_filters
    from tui.core.panic_run import list_oldest_first, panic_warning, run_panic
    from tui.ui.runner import EventBatch
    from tui.ui.screens.prompt import PromptScreen
    from tui.ui.screens.rule_select import RuleSelectScreen

    app: Any = main.app
    session = app.session
    client = session.client
    rule = await app.push_screen_wait(RuleSelectScreen("upbit", title=TITLE))
    if rule is None:
        return
    pages = [0]
    listed = await session.runner.run(list_oldest_first(client, pages))
    filters, why = server_filters(rule, listed, datetime.now(UTC))
    count = sum(1 for o in listed if rule.matches(o, datetime.now(UTC)))
    if not count:
        main.notify(
            f"No open order matches ({rule.describe()}): nothing to cancel.", severity="warning"
        )
        return
    question = (
        f"PANIC CANCEL on {client.describe()}: {count:,} of {len(listed):,} open order(s) match "
        f"({rule.describe()}). {panic_warning(filters, rule)}"
        + (f" (Server side off: {why}.)" if why else "")
        + f" Type {count} to confirm."
    )
    typed = await app.push_screen_wait(
        PromptScreen(
            question, help_text="enter: confirm · escape: cancel", placeholder=f"type {count}"
        )
    )
    if (typed or "").strip() != str(count):
        main.notify("Nothing cancelled (the count was not typed).", severity="warning")
        return
    if main.running:
        main.notify("A run is already in progress (escape aborts it).", severity="warning")
        return
    inbox = EventBatch()

    def drain() -> None:
        marks: dict[str, str] = {}
        for event in inbox.drain():
            if isinstance(event, Notice):
                main.notify(event.text, severity="error" if event.level == "error" else "warning")
            elif isinstance(event, OrderOutcome):
                marks[event.result.ref.key] = event.result.outcome.value
        if marks:
            main.table.mark_rows(marks)

    def on_engine(engine: Any) -> None:
        main._engine = engine  # escape asks, then aborts both paths (main.ask_abort)

    main.running = True
    ticker = main.set_interval(0.05, drain)
    main.notify(f"Panic cancel: {count:,} order(s)… escape aborts", timeout=4)
    outcome = None
    try:
        outcome = await session.runner.run(
            run_panic(
                client,
                rule,
                filters,
                listed,
                new_recorder=lambda: session.new_engine(inbox.push)[1],
                on_event=inbox.push,
                on_engine=on_engine,
                pages=pages,
            )
        )
    except Exception as exc:
        app.report_error("The panic cancel stopped with an error", exc)
    finally:
        ticker.stop()
        drain()
        main._engine = None
        main.running = False
    if outcome is None:
        return
    report = outcome.report
    main.last_report = report
    main.last_known = {k: row for k in report.results if (row := main.table.get_row(k))}
    done = [k for k, r in report.results.items() if r.outcome is Outcome.CANCELLED]
    main.table.close_rows(done, "cancel")
    main.table.select_keys(done, selected=False)
    main.table.mark_rows({k: r.outcome.value for k, r in report.results.items()})
    s = outcome.server
    main.notify(
        f"Panic cancel: {report.counts['cancelled']:,} cancelled (server side {s.cancelled:,} "
        f"in {s.requests} call(s), by id {outcome.id_cancelled:,})"
        + (f"; {len(outcome.still_open)} still open" if outcome.still_open else ""),
        timeout=8,
    )
    main.show_results(report)
