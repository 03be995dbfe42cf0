"""`ordertui orders` and `ordertui reconcile` on several profiles, concurrently.

Output per profile: a block headed by the profile's name, or with --json one JSON object per
line carrying "profile" first and otherwise the single-profile shape (`orders`: "exchange",
"orders", "partial", "unreadable", plus "error" when the listing failed outright; `reconcile`:
as `reconcile --json`). The exit code is the worst of the profiles'.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from typing import Any

from tui.cli.common import Context, ask
from tui.cli.profiles import (
    Member,
    aclose_all,
    close_all,
    heading,
    json_line,
    members,
    profile_names,
    worst_exit,
)
from tui.core import terminal
from tui.core.errors import (
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    InputError,
    ListingIncomplete,
    OrderTuiError,
    PartialResponse,
)
from tui.core.exchange import Exchange


@dataclass(slots=True)
class Listed:
    orders: list[Any] = field(default_factory=list)
    code: int = EXIT_OK
    partial: dict[str, Any] | None = None
    unreadable: list[dict[str, str | None]] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)


async def _list(ctx: Context, member: Member, market: str | None) -> Listed:
    try:
        if member.profile.exchange == Exchange.B2TRADER:  # no REST list: the stream's snapshot
            from tui.cli.watch_cmd import first_snapshot

            orders: list[Any] = await first_snapshot(ctx, profile=member.profile)
            return Listed([o for o in orders if market is None or o.marketId == market])
        return Listed(list(await member.client.list_open(market=market)))
    except ListingIncomplete as stop:
        notes = [stop.message] + ([f"hint: {stop.hint}"] if stop.hint else [])
        partial = {"page": stop.page, "reason": stop.reason}
        return Listed(stop.orders, stop.exit_code, partial, stop.unreadable, notes=notes)
    except PartialResponse as partial_response:
        return Listed(partial_response.orders, EXIT_PARTIAL, unreadable=partial_response.unreadable)
    except OrderTuiError as exc:  # refused, blocked, a stream that would not open: this one only
        notes = [exc.message] + ([f"hint: {exc.hint}"] if exc.hint else [])
        return Listed(code=exc.exit_code, error=exc.message, notes=notes)


def run_orders_profiles(ctx: Context) -> int:
    from tui.cli.orders_cmd import _print_table, _unreadable
    from tui.core.models.row import OrderRow

    names = profile_names(ctx)
    group = members(ctx, names)
    market = ctx.args.market

    async def load() -> list[Listed]:
        try:
            return list(await asyncio.gather(*(_list(ctx, m, market) for m in group)))
        finally:
            await aclose_all(group)

    try:
        results = asyncio.run(load())
    finally:
        close_all(group)
    for member, got in zip(group, results, strict=True):
        exchange = member.client.exchange.value
        if ctx.args.json:
            body = {
                "exchange": exchange,
                "orders": [o.raw for o in got.orders],
                "partial": got.partial,
                "unreadable": got.unreadable,
                "error": got.error,
            }
            terminal.write(sys.stdout, json_line(ctx, member.name, body) + "\n")
        else:
            print(heading(member.name, member.describe()))
            if got.error is None:
                _print_table([OrderRow.from_order(o) for o in got.orders], exchange)
                word = " (partial list)" if got.code != EXIT_OK else ""
                print(f"{len(got.orders)} open order(s) on {member.describe()}{word}")
            else:
                print(f"not listed: {got.error}")
        notes = got.notes + [n.removeprefix("ordertui: ") for n in _unreadable(got.unreadable)]
        for note in notes:
            print(f"ordertui: profile {member.name}: {note}", file=sys.stderr)
    return worst_exit([r.code for r in results])


def run_reconcile_profiles(ctx: Context) -> int:
    from tui.cli.journal_cmd import print_warnings
    from tui.cli.reconcile_cmd import _print, reconcile_exit, report_body
    from tui.core.journal import list_runs
    from tui.core.reconcile import ReconcileReport, matching_runs, reconcile

    names = profile_names(ctx)
    runs = list_runs(ctx.journal_dir())
    print_warnings(runs)
    group = members(ctx, names)
    try:
        usable = [matching_runs(runs, m.profile.exchange, m.name)[0] for m in group]
        settleable = {r.run_id for found in usable for r in found}
        # Runs no selected profile can settle (those of another selected profile are not news).
        skipped: list[tuple[str, str]] = []
        for run in runs:
            if run.unresolved() and run.run_id not in settleable:
                why = f"it ran with profile {run.profile or '(none)'}, which is not selected"
                if run.demo:
                    why = "it ran in demo mode: the demo exchange is gone with that session"
                skipped.append((run.run_id, why))
        pending = [sum(len(r.unresolved()) for r in found) for found in usable]
        if sum(pending) and not ctx.args.yes:
            answer = ask(
                f"Look up {sum(pending)} unresolved order(s) on {len(group)} profiles ("
                + "; ".join(f"{m.name}: {n}" for m, n in zip(group, pending, strict=True))
                + ")?"
            )
            if answer is None:
                raise InputError(
                    "refusing to reconcile without confirmation: no terminal to ask on; pass --yes"
                )
            if not answer:
                return EXIT_USAGE

        async def settle(member: Member, found: list[Any], count: int) -> ReconcileReport | None:
            if not count:
                return None
            return await reconcile(member.client, found, redactor=ctx.redactor)

        async def go() -> list[ReconcileReport | None]:
            jobs = (settle(m, f, n) for m, f, n in zip(group, usable, pending, strict=True))
            try:
                return list(await asyncio.gather(*jobs))
            finally:
                await aclose_all(group)

        reports = asyncio.run(go())
    finally:
        close_all(group)
    codes = []
    for member, report, count in zip(group, reports, pending, strict=True):
        if ctx.args.json:
            body = report_body(report, skipped, count)
            terminal.write(sys.stdout, json_line(ctx, member.name, body) + "\n")
            codes.append(reconcile_exit(report))
        else:
            print(heading(member.name, member.describe()))
            codes.append(_print(ctx, report, [], count))
    if not ctx.args.json:
        for run_id, why in skipped:
            print(f"skipped run {run_id}: {why}", file=sys.stderr)
    return worst_exit(codes)
