"""`ordertui reconcile`: settle unresolved orders by looking them up."""

from __future__ import annotations

import asyncio
import builtins
import sys
from typing import Any

from tui.cli.common import Context, ask
from tui.cli.journal_cmd import print_warnings
from tui.cli.table import render
from tui.core import decimal_json
from tui.core.errors import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, InputError
from tui.core.journal import list_runs
from tui.core.reconcile import ReconcileReport, matching_runs, reconcile


def run_reconcile(ctx: Context) -> int:
    from tui.cli.profiles import requested

    if requested(ctx.args):  # several profiles (tui/cli/multi_reads.py)
        from tui.cli.multi_reads import run_reconcile_profiles

        return run_reconcile_profiles(ctx)
    profile = ctx.profile()
    runs = list_runs(ctx.journal_dir())
    print_warnings(runs)  # each bad line, with its file and line; the rest of its run counts
    usable, skipped = matching_runs(runs, profile.exchange, profile.name, demo=profile.demo)
    pending = sum(len(r.unresolved()) for r in usable)
    if not pending:
        return _print(ctx, None, skipped, pending)
    client = ctx.client(profile)
    if not ctx.args.yes:
        answer = ask(
            f"Look up {pending} unresolved order(s) from {len(usable)} run(s) on {client.describe()}?"
        )
        if answer is None:
            asyncio.run(client.aclose())
            raise InputError(
                "refusing to reconcile without confirmation: no terminal to ask on; pass --yes"
            )
        if not answer:
            asyncio.run(client.aclose())
            return EXIT_USAGE

    async def go() -> ReconcileReport:
        try:
            return await reconcile(client, usable, redactor=ctx.redactor)
        finally:
            await client.aclose()

    report = asyncio.run(go())
    report.skipped_runs.extend(skipped)
    return _print(ctx, report, report.skipped_runs, pending)


def _print(
    ctx: Context, report: ReconcileReport | None, skipped: list[tuple[str, str]], pending: int
) -> int:
    settled = report.settled if report is not None else []

    def print(text: str, **kw: Any) -> None:  # noqa: A001 - look-up errors may echo what we sent: scrub
        builtins.print(ctx.redactor.scrub(text), **kw)

    if ctx.args.json:
        print(decimal_json.dumps(report_body(report, skipped, pending)))
    else:
        if report is None or not settled:
            print("Nothing to reconcile: no unresolved orders for this profile.")
        else:
            print(
                render(
                    ["run", "order", "outcome", "state", "market"],
                    [
                        [s.run_id, s.ref.value, s.outcome, s.state, s.row.market if s.row else None]
                        for s in settled
                    ],
                )
            )
            counts = ", ".join(f"{v} {k}" for k, v in sorted(report.counts.items()))
            print(
                f"Reconciled {len(settled)} order(s): {counts} ({report.requests} look-up request(s))."
            )
        for run_id, why in skipped:
            print(f"skipped run {run_id}: {why}", file=sys.stderr)
        if report is not None and report.error:
            print(f"ordertui: some look-ups failed: {report.error}", file=sys.stderr)
    return reconcile_exit(report)


def report_body(
    report: ReconcileReport | None, skipped: list[tuple[str, str]], pending: int
) -> dict[str, Any]:
    """What `reconcile --json` prints (with several profiles, one per line with "profile")."""
    return {
        "looked_up": pending,
        "settled": [s.as_dict() for s in (report.settled if report is not None else [])],
        "counts": report.counts if report is not None else {},
        "skipped_runs": [{"run_id": r, "why": w} for r, w in skipped],
        "requests": report.requests if report is not None else 0,
        "error": report.error if report is not None else None,
    }


def reconcile_exit(report: ReconcileReport | None) -> int:
    if report is None:
        return EXIT_OK
    unsettled = [s for s in report.settled if s.outcome in ("unknown", "needs_manual_check")]
    return EXIT_PARTIAL if unsettled or report.error else EXIT_OK
