"""`ordertui journal`: past runs, and orders whose outcome is not known."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from tui.cli.common import Context
from tui.cli.table import render
from tui.core import decimal_json
from tui.core.errors import EXIT_OK
from tui.core.journal import RunRecord, list_runs

# Every outcome a run or a reconcile records, in the order shown, with its words on screen.
OUTCOMES = {
    "cancelled": "cancelled",
    "failed": "failed",
    "open": "still open",
    "unknown": "unknown",
    "needs_manual_check": "to check by hand",
    "not_sent": "not sent",
}


def outcome_summary(counts: dict[str, int]) -> str:
    """`600 cancelled, 200 still open`: every outcome there is, none hidden."""
    known = [(OUTCOMES[k], counts[k]) for k in OUTCOMES if counts.get(k)]
    other = [(k, v) for k, v in sorted(counts.items()) if k not in OUTCOMES and v]
    return ", ".join(f"{n} {name}" for name, n in known + other) or "-"


def print_warnings(runs: Sequence[RunRecord]) -> None:
    """Each line of the journal that could not be used, as `file:line: why` on stderr."""
    for run in runs:
        for text in run.warnings():
            print(f"ordertui: warning: {text}", file=sys.stderr)


def run_journal(ctx: Context) -> int:
    directory = ctx.journal_dir()
    runs = list_runs(directory)
    print_warnings(runs)
    if ctx.args.unresolved:
        items = [(run, order) for run in runs for order in run.unresolved()]
        if ctx.args.json:
            print(
                decimal_json.dumps(
                    {
                        "journal": str(directory),
                        "unresolved": [
                            {
                                "run_id": run.run_id,
                                "ref": o.ref,
                                "outcome": o.outcome,
                                "sent": o.sent,
                                "market": o.market,
                                "exchange": run.exchange,
                                "profile": run.profile,
                                "run_finished": run.finished,
                            }
                            for run, o in items
                        ],
                        "problems": [text for run in runs for text in run.warnings()],
                    }
                )
            )
            return EXIT_OK
        damaged = sum(1 for run in runs if run.warnings())
        note = f"; {damaged} with bad lines or unreadable: see the warnings" if damaged else ""
        if not items:
            print(f"No unresolved orders ({len(runs)} run(s) in {directory}{note}).")
            return EXIT_OK
        print(
            render(
                ["run", "order", "outcome", "sent", "market", "profile"],
                [
                    [
                        r.run_id,
                        o.ref,
                        o.outcome,
                        "yes" if o.sent else "no",
                        o.market,
                        r.profile or "-",
                    ]
                    for r, o in items
                ],
            )
        )
        print(f"{len(items)} unresolved order(s): run `ordertui reconcile` to look them up.")
        return EXIT_OK
    if ctx.args.json:
        print(
            decimal_json.dumps(
                {
                    "journal": str(directory),
                    "runs": [
                        {
                            "run_id": r.run_id,
                            "started": r.started,
                            "exchange": r.exchange,
                            "target": r.target,
                            "profile": r.profile,
                            "demo": r.demo,
                            "finished": r.finished,
                            "halted": r.halted,
                            "aborted": r.aborted,
                            "internal_errors": r.internal_errors,
                            "counts": r.counts,
                            "unresolved": len(r.unresolved()),
                            "bad_lines": r.bad_lines,
                            "problems": r.warnings(),
                            "readable": r.unreadable is None,
                            "file": str(r.path),
                        }
                        for r in runs
                    ],
                }
            )
        )
        return EXIT_OK
    if not runs:
        print(f"No runs recorded yet (journal: {directory}).")
        return EXIT_OK
    rows = []
    for r in runs:
        status = "finished" if r.finished else "NOT FINISHED"
        if r.halted:
            status = "halted"
        elif r.aborted:
            status = "aborted"
        if r.unreadable is not None:
            status = "UNREADABLE"
        elif r.bad_lines or not r.read_whole:
            status += ", damaged"
        if r.internal_errors:
            status += f", {r.internal_errors} internal error(s)"
        rows.append(
            [
                r.run_id,
                r.target + (" [demo]" if r.demo else ""),
                status,
                len(r.orders),
                outcome_summary(r.counts),
                len(r.unresolved()),
            ]
        )
    print(
        render(
            ["run", "target", "status", "orders", "outcomes", "unresolved"],
            rows,
            right=(3, 5),
        )
    )
    print(f"journal: {directory}")
    caught = sum(r.internal_errors for r in runs)
    if caught:
        from tui.cli.logs import log_path

        print(f"internal errors: bugs in ordertui caught during a run; details in {log_path()}")
    return EXIT_OK
