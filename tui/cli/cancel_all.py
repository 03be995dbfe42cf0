"""`ordertui cancel --all`: cancel every open order a rule matches.

Exact mode (default): list every open order (all pages), apply the rule here, preview, and
cancel exactly the previewed orders by id through the engine (batches of 20, then look-ups).
An order created after the preview is never touched. Panic mode (`--server-side`, Upbit):
see tui/cli/cancel_panic.py.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from tui.cli.cancel_rule_args import rule_flags_given
from tui.cli.common import Context
from tui.core import decimal_json
from tui.core.errors import EXIT_OK, EXIT_USAGE, InputError, PartialResponse
from tui.core.exchange import Exchange
from tui.core.refs import OrderRef
from tui.core.rules import Rule, RuleError
from tui.core.visible import visible

if TYPE_CHECKING:
    from tui.core.models.upbit import UpbitOrder


def rule_from_args(ctx: Context) -> Rule:
    """The rule the command line asks for: `--rule NAME` from the config, plus the flags."""
    args = ctx.args
    if not args.all:
        flags = ", ".join(rule_flags_given(args))
        raise RuleError(f"{flags} select orders by rule: add --all (see ordertui cancel --help)")
    given = [
        f
        for f, v in (
            ("--uuid", args.uuid),
            ("--identifier", args.identifier),
            ("--order-id", args.order_id),
            ("--from-file", args.from_file),
        )
        if v
    ]
    if given:
        raise RuleError(f"--all selects orders by rule: it cannot be combined with {given[0]}")
    base = Rule()
    if args.rule:
        from tui.core.rule_config import named_rule

        base = named_rule(ctx.config, args.rule)
    return base.merged(
        markets=args.market,
        exclude_markets=args.exclude_market,
        quotes=args.quote,
        side=args.side,
        state=args.state,
        older_than=args.older_than,
        newer_than=args.newer_than,
        identifier_prefix=args.identifier_prefix,
        keep_identifier_prefixes=args.keep_identifier_prefix,
        min_price=args.min_price,
        max_price=args.max_price,
    )


def run_cancel_all(ctx: Context) -> int:
    rule = rule_from_args(ctx)  # a bad rule fails before anything connects
    profile = ctx.profile(exchange_hint="upbit")
    if profile.exchange == Exchange.B2TRADER and ctx.args.server_side:
        raise InputError(
            "--server-side is Upbit's cancel-all: B2TRADER has none (drop --server-side: exact "
            "mode cancels the matching orders of its open-orders stream by id)"
        )
    rule = rule.for_exchange(profile.exchange)
    if ctx.args.server_side:
        from tui.cli.cancel_panic import run_panic

        return run_panic(ctx, profile, rule)
    from tui.core.engine import CancelEngine
    from tui.exchanges.factory import make_client

    client = make_client(profile)
    runner = asyncio.Runner()  # one loop for the listing and the run: the client's pool lives on it
    try:
        listed = runner.run(open_orders(ctx, profile, client, rule))
        now = datetime.now(UTC)
        matched = [o for o in listed if rule.matches(o, now)]
        engine = CancelEngine(client)
        plan = engine.plan([ref_of(o) for o in matched])
        args = ctx.args
        if args.dry_run:
            print_preview(client.describe(), rule, listed, matched, plan, as_json=args.json)
            return EXIT_OK
        if not matched:
            print(f"No open order matches ({rule.describe()}): nothing to cancel.", file=sys.stderr)
            if args.json:
                print(decimal_json.dumps(_header(client.describe(), rule, listed, matched)))
            return EXIT_OK
        if not args.yes:
            demo = " [DEMO]" if profile.demo else ""
            question = (
                f"Cancel {len(matched)} of {len(listed)} open order(s) on {client.describe()}{demo} "
                f"matching: {rule.describe()}, with {plan.request_count} request(s)? "
                f"Only these orders are cancelled. Type {len(matched)} to confirm:"
            )
            if not confirm_count(question, len(matched)):
                return EXIT_USAGE
        return _execute(ctx, runner, profile, client, engine, plan, rule, listed, matched)
    finally:
        from tui.cli.cancel_cmd import client_closed

        if not client_closed(client):
            runner.run(client.aclose())
        runner.close()


def ref_of(order: Any) -> OrderRef:
    """How an open order of the listing is cancelled: by uuid (Upbit), by order id (B2TRADER)."""
    if hasattr(order, "uuid"):
        return OrderRef.uuid(order.uuid)
    return OrderRef.order_id(order.orderId)


def _execute(
    ctx: Any,
    runner: Any,
    profile: Any,
    client: Any,
    engine: Any,
    plan: Any,
    rule: Rule,
    listed: list[Any],
    matched: list[Any],
) -> int:
    from tui.cli.cancel_cmd import execute, print_report

    report = execute(ctx, profile, engine, plan.refs, client, runner.run)
    target = client.describe()
    return print_report(ctx, report, target, _header(target, rule, listed, matched))


class Listing(list["UpbitOrder"]):
    """The open orders, and how many list requests they took."""

    pages = 0


async def open_orders(ctx: Context, profile: Any, client: Any, rule: Rule) -> list[Any]:
    """Every open order of `profile` for `rule` to choose from: Upbit, all pages (a `Listing`,
    which counts them; one market in the rule lets the exchange filter); B2TRADER, its
    open-orders stream's snapshot (it has no REST list). Unreadable orders are reported on
    stderr and left alone."""
    if profile.exchange == Exchange.B2TRADER:
        from tui.cli.watch_cmd import first_snapshot

        return list(await first_snapshot(ctx, profile=profile))
    listing = Listing()

    def on_page(page: int, total: int) -> None:
        listing.pages = page

    market = rule.markets[0] if len(rule.markets) == 1 else None
    try:
        listing.extend(await client.list_open(market=market, on_page=on_page))
    except PartialResponse as partial:
        print(
            f"ordertui: warning: {len(partial.unreadable)} open order(s) could not be read and "
            "are left alone",
            file=sys.stderr,
        )
        listing.extend(partial.orders)
    return listing


def _header(target: str, rule: Rule, listed: list, matched: list) -> dict[str, Any]:
    return {
        "target": target,
        "rule": rule.describe(),
        "listed": len(listed),
        "list_requests": getattr(listed, "pages", None),
        "matched_count": len(matched),
    }


def print_preview(
    target: str, rule: Rule, listed: list[Any], matched: list[Any], plan: Any, *, as_json: bool
) -> None:
    if as_json:
        body = {
            "target": target,
            "orders": len(plan.refs),
            "duplicates": plan.duplicates,
            "requests": [
                {"endpoint": r.endpoint, "batch": r.batch, "ids": [x.value for x in r.refs]}
                for r in plan.requests
            ],
            "rule": rule.describe(),
            "listed": len(listed),
            "matched": [o.raw for o in matched],
        }
        print(decimal_json.dumps(body))
        return
    print(
        f"Dry run: {len(matched)} of {len(listed)} open order(s) on {target} match "
        f"({rule.describe()}); {plan.request_count} request(s) ({plan.summary()}):"
    )
    for order in matched[:20]:
        print(visible(_line(order)))
    if len(matched) > 20:
        print(f"  ... and {len(matched) - 20} more")
    print("Nothing was sent.")


def _line(order: Any) -> str:
    if hasattr(order, "uuid"):  # Upbit
        return (
            f"  {order.uuid}  {order.market}  {order.side}  {order.state}  "
            f"price {order.price}  {order.identifier or ''}"
        ).rstrip()
    return (
        f"  {order.orderId}  {order.marketId}  {order.side}  {order.status}  "
        f"price {order.requestedPrice}"
    )


def confirm_count(question: str, count: int) -> bool:
    """Ask the user to type the count. False (with a line) when they do not; InputError when
    there is no terminal to ask on."""
    answer = ask_text(question)
    if answer is None:
        raise InputError(
            "refusing to cancel without confirmation: there is no terminal to ask on; "
            "pass --yes to confirm from a script"
        )
    if answer.strip() != str(count):
        print("Nothing cancelled (the count was not typed).", file=sys.stderr)
        return False
    return True


def ask_text(question: str) -> str | None:
    """One line typed on the terminal, or None when there is none."""
    streams: list[tuple[Any, Any]] = []
    if sys.stdin.isatty() and sys.stderr.isatty():
        streams.append((sys.stdin, sys.stderr))
    for stream_in, stream_out in streams:
        return _ask_on(stream_in, stream_out, question)
    try:
        tty = open("/dev/tty", "r+", encoding="utf-8")  # noqa: SIM115 - closed below
    except OSError:
        return None
    with tty:
        return _ask_on(tty, tty, question)


def _ask_on(stream_in: Any, stream_out: Any, question: str) -> str | None:
    try:
        stream_out.write(f"{visible(question)} ")
        stream_out.flush()
        line: str = stream_in.readline()
        return line
    except OSError:
        return None
