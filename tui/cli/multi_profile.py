"""`ordertui cancel` on several profiles: one engine run per profile, all at once.

Which orders: ids (--uuid, --identifier, --order-id, --from-file) belong to one account, so
they apply only when exactly one profile is selected; with several, --from-file takes the JSON
lines `ordertui orders --json` prints on several profiles (each line names its profile), and
`--all` (cancel by rule, see `rule_selector`) selects on each profile. Each profile gets its
own client, engine and journal run (one file per run, recording its profile); profiles on one
account share one rate budget (tui/cli/profiles.py). The runs go concurrently in one
`asyncio.gather`; Ctrl+C/SIGTERM/SIGHUP abort them all the way a single run is aborted.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from tui.cli.common import Context, ask
from tui.cli.profiles import (
    Member,
    close_all,
    heading,
    json_line,
    members,
    profile_names,
    worst_exit,
)
from tui.core import decimal_json, terminal
from tui.core.errors import EXIT_OK, EXIT_USAGE, InputError
from tui.core.events import RunReport
from tui.core.refs import OrderRef

if TYPE_CHECKING:
    from tui.core.engine import CancelEngine
    from tui.core.planner import Plan

# Per profile: the orders to cancel on it (listing them if need be).
Selector = Callable[[Member], Awaitable[list[OrderRef]]]

IDS_NEED_ONE_PROFILE = (
    "order ids (--uuid, --identifier, --order-id, --from-file) belong to one account and "
    "apply only with exactly one profile, and {n} are selected: cancel them with one "
    "--profile, or give --from-file the JSON lines of `ordertui orders --json` on these "
    "profiles (each line names its profile); `orders` and `reconcile` work on several profiles"
)


def ids_given(args: Any) -> bool:
    return bool(args.uuid or args.identifier or args.order_id or args.from_file)


def run_cancel_profiles(ctx: Context) -> int:
    names = profile_names(ctx)
    by_profile = _selection(ctx, names)
    group = members(ctx, names)
    return _cancel(ctx, group, by_profile)


def _selection(ctx: Context, names: list[str]) -> dict[str, list[OrderRef]] | Selector:
    """The orders per profile (from the command line or a file), or a selector that finds
    them on each profile once connected. Refusals come before anything connects."""
    args = ctx.args
    rule = rule_selector(ctx)
    if rule is not None:
        if ids_given(args):
            raise InputError("--all selects orders by rule: it cannot be combined with order ids")
        return rule
    if not ids_given(args):
        raise InputError(
            "no orders given: with several profiles use --from-file with the JSON lines of "
            "`ordertui orders --json` on them (each names its profile)"
        )
    if len(names) == 1:
        from tui.cli.cancel_cmd import collect_refs

        return {names[0]: collect_refs(ctx)}
    if args.uuid or args.identifier or args.order_id or not args.from_file:
        raise InputError(IDS_NEED_ONE_PROFILE.format(n=len(names)))
    return _tagged_file(args.from_file, names)


def rule_selector(ctx: Context) -> Selector | None:
    """`cancel --all` on several profiles: None when not asked for. The rule comes from
    `rule_from_args(ctx)` (checked before anything connects) and is applied on each profile to
    its full list of open orders (Upbit: every page; B2TRADER: its open-orders stream's
    snapshot), as the single-profile `cancel --all` does."""
    from tui.cli.cancel_all import open_orders, ref_of, rule_from_args
    from tui.cli.cancel_rule_args import rule_flags_given

    args = ctx.args
    if not getattr(args, "all", False) and not rule_flags_given(args):
        return None
    if getattr(args, "server_side", False):
        raise InputError(
            "--server-side (panic mode) runs on one profile: give --profile once, or leave "
            "--server-side out to cancel exactly the orders the rule matches on each profile"
        )
    rule = rule_from_args(ctx)  # a rule flag without --all says so, exit 2

    async def select(member: Member) -> list[OrderRef]:
        from datetime import UTC, datetime

        wanted = rule.for_exchange(member.profile.exchange)
        listed = await open_orders(ctx, member.profile, member.client, wanted)
        now = datetime.now(UTC)
        return [ref_of(o) for o in listed if wanted.matches(o, now)]

    return select


def _tagged_file(path: str, names: list[str]) -> dict[str, list[OrderRef]]:
    """`{"profile": NAME, "orders": [...]}` objects, one per line (or a JSON array of them), as
    `ordertui orders --json` prints them on several profiles. Orders of profiles not selected
    are left alone (said on stderr); anything else in the file is refused."""
    from tui.core.parsing import parse_text, read_input_file

    text = read_input_file(path)
    shown = "standard input" if path == "-" else path
    items: list[Any] = []
    try:
        stripped = text.strip()
        if stripped.startswith("["):
            items = list(decimal_json.loads(stripped))
        else:
            items = [decimal_json.loads(line) for line in text.splitlines() if line.strip()]
    except (ValueError, RecursionError):
        items = []
    if not items or not all(
        isinstance(i, dict) and isinstance(i.get("profile"), str) and "orders" in i for i in items
    ):
        raise InputError(
            f"{shown} does not name a profile on each line: "
            + IDS_NEED_ONE_PROFILE.format(n=len(names))
        )
    out: dict[str, list[OrderRef]] = {name: [] for name in names}
    left: dict[str, int] = {}
    for item in items:
        parsed = parse_text(decimal_json.dumps({"orders": item["orders"]}))
        if item["profile"] in out:
            out[item["profile"]] += parsed.refs
        else:
            left[item["profile"]] = left.get(item["profile"], 0) + len(parsed.refs)
    for name, count in left.items():
        terminal.write(
            sys.stderr,
            f"ordertui: {shown}: {count} order(s) of profile {name!r} left alone "
            "(that profile is not selected)\n",
        )
    return out


def _cancel(ctx: Context, group: list[Member], chosen: dict[str, list[OrderRef]] | Selector) -> int:
    from tui.core.engine import CancelEngine

    args = ctx.args
    runner = asyncio.Runner()  # one loop: the clients' connection pools live on it
    try:
        if callable(chosen):
            selector = chosen

            async def select_all() -> list[list[OrderRef]]:
                return list(await asyncio.gather(*(selector(m) for m in group)))

            found = runner.run(select_all())
            chosen = {m.name: refs for m, refs in zip(group, found, strict=True)}
        engines = [CancelEngine(m.client) for m in group]
        plans = [e.plan(chosen.get(m.name, [])) for m, e in zip(group, engines, strict=True)]
        for member, plan in zip(group, plans, strict=True):
            if plan.unsupported:
                kinds = sorted({r.kind.value for r in plan.unsupported})
                raise InputError(
                    f"profile {member.name!r}: {len(plan.unsupported)} order(s) are "
                    f"{'/'.join(kinds)}s, which {member.describe()} cannot cancel"
                )
        if args.dry_run:
            for member, plan in zip(group, plans, strict=True):
                _print_plan(ctx, member, plan, as_json=args.json)
            return EXIT_OK
        if not args.yes and not _confirmed(group, plans):
            return EXIT_USAGE
        # A profile with nothing selected sends nothing and leaves no journal run.
        busy = [i for i, plan in enumerate(plans) if plan.refs]
        for i in busy:
            engines[i].recorder = ctx.journal(group[i].profile)
        done = runner.run(_run_all([engines[i] for i in busy], [plans[i] for i in busy]))
        reports: list[RunReport | None] = [None] * len(group)
        for i, report in zip(busy, done, strict=True):
            reports[i] = report
    finally:
        close_all(group, runner)
        runner.close()
    return _print_reports(ctx, group, reports)


def _confirmed(group: list[Member], plans: list[Plan]) -> bool:
    parts = [
        f"{m.name}: {len(p.refs)} on {m.describe()}" for m, p in zip(group, plans, strict=True)
    ]
    total = sum(len(p.refs) for p in plans)
    answer = ask(f"Cancel {total} order(s) on {len(group)} profiles ({'; '.join(parts)})?")
    if answer is None:
        raise InputError(
            "refusing to cancel without confirmation: there is no terminal to ask on; "
            "pass --yes to confirm from a script"
        )
    if not answer:
        print("Nothing cancelled.", file=sys.stderr)
    return answer


class _AllEngines:
    """What the stop signals abort: every profile's run at once."""

    def __init__(self, engines: list[CancelEngine]) -> None:
        self.engines = engines

    def abort(self, reason: str = "aborted by the user") -> None:
        for engine in self.engines:
            engine.abort(reason)


async def _run_all(engines: list[CancelEngine], plans: list[Plan]) -> list[RunReport]:
    from tui.cli.cancel_cmd import Stopper

    stopper = Stopper(_AllEngines(engines))
    loop = asyncio.get_running_loop()
    stopper.install(loop)
    try:
        results = await asyncio.gather(
            *(e.run(p) for e, p in zip(engines, plans, strict=True)), return_exceptions=True
        )
    finally:
        stopper.remove(loop)
        stopper.settle()
    for result in results:
        if isinstance(result, BaseException):  # the others finished and are journaled
            raise result
    return [r for r in results if isinstance(r, RunReport)]


def _print_reports(ctx: Context, group: list[Member], reports: list[RunReport | None]) -> int:
    from tui.cli.cancel_cmd import exit_code, print_summary
    from tui.core.export import report_to_dict

    codes = []
    for member, report in zip(group, reports, strict=True):
        if ctx.args.json:
            if report is None:  # nothing selected: the same shape, no run
                empty = RunReport("", member.client.exchange.value, requested=0)
                body = {**report_to_dict(empty), "run_id": None}
            else:
                body = report_to_dict(report)
            terminal.write(sys.stdout, json_line(ctx, member.name, body) + "\n")
        else:
            terminal.write(sys.stdout, heading(member.name, member.describe()) + "\n")
            if report is None:
                terminal.write(
                    sys.stdout, "Nothing to cancel: no orders selected on this profile.\n"
                )
            else:
                print_summary(report, member.describe(), ctx.redactor.scrub)
        codes.append(EXIT_OK if report is None else exit_code(report))
    return worst_exit(codes)


def _print_plan(ctx: Context, member: Member, plan: Plan, *, as_json: bool) -> None:
    if as_json:
        body = {
            "target": member.describe(),
            "orders": len(plan.refs),
            "duplicates": plan.duplicates,
            "requests": [
                {"endpoint": r.endpoint, "batch": r.batch, "ids": [x.value for x in r.refs]}
                for r in plan.requests
            ],
        }
        print(json_line(ctx, member.name, body))
        return
    print(heading(member.name, member.describe()))
    print(
        f"Dry run: {len(plan.refs)} order(s), {plan.request_count} request(s) ({plan.summary()})."
    )
    print("Nothing was sent.")
