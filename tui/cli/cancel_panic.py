"""`ordertui cancel --all --server-side`: panic mode on Upbit (see tui/core/panic.py).

With --yes and a rule the exchange expresses exactly, the server path starts at once, beside
the listing. Otherwise the book is listed first: the confirmation shows how many orders match
now, and a rule the endpoint cannot express exactly is narrowed to the markets where it is safe.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from typing import Any

from tui.cli.cancel_all import confirm_count
from tui.cli.common import Context
from tui.core import decimal_json, terminal
from tui.core.errors import EXIT_OK, EXIT_USAGE
from tui.core.events import Notice
from tui.core.panic import (
    PanicOutcome,
    ServerFilters,
    server_filters,
)
from tui.core.panic_run import panic_warning as warning_text
from tui.core.rules import Rule


def run_panic(ctx: Context, profile: Any, rule: Rule) -> int:
    from tui.exchanges.factory import make_client

    args = ctx.args
    client = make_client(profile)
    runner = asyncio.Runner()
    try:
        pages = [0]
        listed = None
        if not args.yes or args.dry_run or not rule.server_part().exact:
            listed = _list(runner, client, pages)
        now = datetime.now(UTC)
        filters, why = server_filters(rule, listed, now)
        matched = [o for o in listed if rule.matches(o, now)] if listed is not None else None
        if args.dry_run:
            _preview(client.describe(), rule, filters, why, listed or [], matched or [], args.json)
            return EXIT_OK
        if not args.yes:
            assert matched is not None and listed is not None
            demo = " [DEMO]" if profile.demo else ""
            question = (
                f"PANIC CANCEL on {client.describe()}{demo}: {len(matched)} of {len(listed)} open "
                f"order(s) match ({rule.describe()}). {warning_text(filters, rule)} "
                f"Type {len(matched)} to confirm:"
            )
            if not confirm_count(question, len(matched)):
                return EXIT_USAGE
        elif filters is not None and not args.json:
            print(f"ordertui: {warning_text(filters, rule)}", file=sys.stderr)
        if filters is None and why:
            print(f"ordertui: server side off: {why}; cancelling by id only", file=sys.stderr)
        outcome = runner.run(_panic(ctx, profile, client, rule, filters, listed, pages))
    finally:
        from tui.cli.cancel_cmd import client_closed

        if not client_closed(client):
            runner.run(client.aclose())
        runner.close()
    return _report(ctx, client.describe(), outcome)


def _list(runner: asyncio.Runner, client: Any, pages: list[int]) -> list:
    return runner.run(_list_async(client, pages))


async def _list_async(client: Any, pages: list[int]) -> list:
    from tui.core.panic_run import list_oldest_first

    return await list_oldest_first(client, pages, _notice)


async def _panic(
    ctx: Context,
    profile: Any,
    client: Any,
    rule: Rule,
    filters: ServerFilters | None,
    listed: list | None,
    pages: list[int],
) -> PanicOutcome:
    from tui.cli.cancel_cmd import Stopper
    from tui.core.panic_run import run_panic as run_both

    loop = asyncio.get_running_loop()
    stoppers: list[Stopper] = []

    def on_engine(engine: Any) -> None:
        stopper = Stopper(engine)
        stopper.install(loop)
        stoppers.append(stopper)

    try:
        return await run_both(
            client,
            rule,
            filters,
            listed,
            new_recorder=lambda: ctx.journal(profile),
            on_event=_notice,
            on_engine=on_engine,
            pages=pages,
        )
    finally:
        for stopper in stoppers:
            stopper.remove(loop)
            stopper.settle()


def _notice(event: Any) -> None:
    if isinstance(event, Notice):
        terminal.write(sys.stderr, f"ordertui: {event.text}\n")


def _report(ctx: Context, target: str, outcome: PanicOutcome) -> int:
    from tui.cli.cancel_cmd import exit_code, print_summary

    s = outcome.server
    by_id_requests = outcome.id_requests + outcome.list_requests
    paths: dict[str, Any] = {
        "server_side": {"requests": s.requests, "cancelled": s.cancelled, "stopped": s.stopped},
        "by_id": {
            "requests": by_id_requests,
            "list_requests": outcome.list_requests,
            "cancelled": outcome.id_cancelled,
        },
        "listed": outcome.listed,
        "still_open": outcome.still_open,
        "matched_when_listed": outcome.matched,
    }
    if ctx.args.json:
        from tui.core.export import report_to_dict

        body = {**report_to_dict(outcome.report), "mode": "server-side", "paths": paths}
        terminal.write(sys.stdout, ctx.redactor.scrub(decimal_json.dumps(body, indent=None)) + "\n")
    else:
        print_summary(outcome.report, target, ctx.redactor.scrub)
        if outcome.still_open:
            print(
                f"  {len(outcome.still_open)} order(s) accepted but still open at the final listing"
            )
        print(
            f"  server side: {s.cancelled} cancelled with {s.requests} request(s); by id: "
            f"{outcome.id_cancelled} cancelled with {by_id_requests} request(s)"
        )
    return max(exit_code(outcome.report), 1 if outcome.still_open else 0)


def _preview(
    target: str,
    rule: Any,
    filters: Any,
    why: str | None,
    listed: list[Any],
    matched: list[Any],
    as_json: bool,
) -> None:
    if as_json:
        body = {
            "target": target,
            "mode": "server-side",
            "rule": rule.describe(),
            "server_side": filters.as_dict() if filters else None,
            "server_side_off": why or None,
            "listed": len(listed),
            "orders": len(matched),
            "matched": [o.raw for o in matched],
        }
        print(decimal_json.dumps(body))
        return
    print(f"Dry run (panic mode) on {target}: {len(matched)} of {len(listed)} open order(s) match.")
    print(f"  {warning_text(filters, rule)}" + (f" ({why})" if why else ""))
    print("Nothing was sent.")
