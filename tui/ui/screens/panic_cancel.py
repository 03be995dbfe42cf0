"""Panic cancel in the TUI (X, palette; Upbit): everything a rule matches on the exchange,
server-side and by id at once (tui/core/panic_run.py), behind a typed-count guard that says
plainly that matching orders created after it are cancelled too."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tui.core.events import Outcome, RunReport
from tui.core.models.row import OrderRow
from tui.core.refs import OrderRef

if TYPE_CHECKING:
    from tui.ui.screens.main import MainScreen

TITLE = "PANIC CANCEL (server-side): the rule of the orders to cancel on the exchange"


def start_panic(main: MainScreen) -> None:
    session = main.ordertui_app.session
    client = session.client
    if client is None or client.exchange.value != "upbit":
        main.notify(
            "Panic cancel needs an Upbit connection (its server-side cancel-all).",
            severity="warning",
        )
        return
    if main.cancel_run.running:
        main.notify("A run is already in progress (escape aborts it).", severity="warning")
        return
    main.run_worker(panic_flow(main), group="cancel", exclusive=False)


async def panic_flow(main: MainScreen) -> None:
    from tui.core.panic import server_filters
    from tui.core.panic_run import list_oldest_first, panic_warning, run_panic
    from tui.ui.screens.prompt import PromptScreen
    from tui.ui.screens.rule_select import RuleSelectScreen

    app = main.ordertui_app
    session = app.session
    client = session.client
    rule = await app.push_screen_wait(RuleSelectScreen("upbit", title=TITLE))
    if rule is None:
        return
    pages = [0]
    listed = await session.runner.run(list_oldest_first(client, pages))
    filters, why = server_filters(rule, listed, datetime.now(UTC))
    now = datetime.now(UTC)
    count = sum(1 for o in listed if rule.matches(o, now))
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
    if main.cancel_run.running:
        main.notify("A run is already in progress (escape aborts it).", severity="warning")
        return

    def work(push: Callable[[object], None], engine_made: Callable[[Any], None]) -> Any:
        return run_panic(
            client,
            rule,
            filters,
            listed,
            new_recorder=lambda: session.new_engine(push)[1],
            on_event=push,
            on_engine=engine_made,  # escape asks, then aborts both paths
            pages=pages,
        )

    def known(report: RunReport) -> dict[str, OrderRow]:
        return {k: row for k in report.results if (row := main.table.get_row(k))}

    outcome = await main.cancel_run.run_other(
        f"PANIC CANCEL · {count:,} order(s) · {client.describe()} · escape aborts",
        count,
        work,
        lambda result: result.report,
        known,
        keys=frozenset(OrderRef.uuid(o.uuid).key for o in listed if rule.matches(o, now)),
    )
    if outcome is None:
        return
    report = outcome.report
    done = [k for k, r in report.results.items() if r.outcome is Outcome.CANCELLED]
    main.table.close_rows(done, "cancel")
    s = outcome.server
    main.notify(
        f"Panic cancel: {report.counts['cancelled']:,} cancelled (server side {s.cancelled:,} "
        f"in {s.requests} call(s), by id {outcome.id_cancelled:,})"
        + (f"; {len(outcome.still_open)} still open" if outcome.still_open else ""),
        timeout=8,
    )  # the results screen follows from the run's Finished message, as for any run
