"""`ordertui orders`: list open orders.

A listing that stops at a failing page prints what the pages before it gave, says on stderr
that the list is partial (which page, why) and exits 1. Unreadable orders are named the same
way. In demo, B2TRADER lists the simulator's book, as the TUI does, and says so.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from tui.cli.common import Context, stderr_is_tty
from tui.cli.table import render
from tui.core import decimal_json
from tui.core.errors import EXIT_OK, EXIT_PARTIAL, ListingIncomplete, PartialResponse
from tui.core.exchange import Exchange
from tui.core.models.row import OrderRow


def run_orders(ctx: Context) -> int:
    from tui.cli.profiles import requested

    if requested(ctx.args):  # several profiles (tui/cli/multi_reads.py)
        from tui.cli.multi_reads import run_orders_profiles

        return run_orders_profiles(ctx)
    profile = ctx.profile()
    client = ctx.client(profile)
    show_progress = stderr_is_tty() and not ctx.args.json
    market = ctx.args.market
    demo = ctx.demo_session if profile.exchange == Exchange.B2TRADER and profile.demo else None
    demo_book = demo is not None

    def on_page(page: int, total: int) -> None:
        if show_progress:
            sys.stderr.write(f"\rloading: page {page}, {total} orders   ")
            sys.stderr.flush()

    async def load() -> list[Any]:
        try:
            if demo is not None:
                orders = await demo.b2trader_orders()
                return [o for o in orders if market is None or o.marketId == market]
            if profile.exchange == Exchange.B2TRADER:  # no REST list: the stream's first snapshot
                from tui.cli.watch_cmd import first_snapshot

                orders = await first_snapshot(ctx)
                return [o for o in orders if market is None or o.marketId == market]
            return list(await client.list_open(market=market, on_page=on_page))
        finally:
            await client.aclose()

    notes: list[str] = []
    code = EXIT_OK
    stopped: dict[str, Any] | None = None
    unreadable: list[dict[str, str | None]] = []
    try:
        orders = asyncio.run(load())
    except ListingIncomplete as stop:
        orders, code, unreadable = stop.orders, stop.exit_code, stop.unreadable
        stopped = {"page": stop.page, "reason": stop.reason}
        notes.append(f"ordertui: {stop.message}")
        if stop.hint and stop.hint not in stop.message:
            notes.append(f"  hint: {stop.hint}")
    except PartialResponse as partial:
        orders, code, unreadable = partial.orders, EXIT_PARTIAL, partial.unreadable
    notes += _unreadable(unreadable)
    if show_progress:
        sys.stderr.write("\n")
    if demo_book:
        from tui.demo import DEMO_B2_BOOK_NOTE

        notes.insert(0, f"ordertui: {DEMO_B2_BOOK_NOTE}")
    if ctx.args.json:
        print(
            decimal_json.dumps(
                {
                    "exchange": client.exchange.value,
                    "orders": [o.raw for o in orders],
                    "partial": stopped,  # null, or the page that failed and why
                    "unreadable": unreadable,  # ids of orders in the answers that were unreadable
                }
            )
        )
    else:
        _print_table([OrderRow.from_order(o) for o in orders], client.exchange.value)
        partial_word = " (partial list)" if code != EXIT_OK else ""
        print(f"{len(orders)} open order(s) on {client.describe()}{partial_word}")
    for note in notes:
        print(note, file=sys.stderr)
    return code


def _unreadable(items: list[dict[str, str | None]]) -> list[str]:
    if not items:
        return []
    ids = [next((v for v in item.values() if v), "(no id)") for item in items]
    shown = ", ".join(str(i) for i in ids[:10]) + (" …" if len(ids) > 10 else "")
    return [f"ordertui: {len(items)} order(s) could not be read and are not listed: {shown}"]


def _print_table(rows: list[OrderRow], exchange: str) -> None:
    id_header = "order id" if exchange == Exchange.B2TRADER else "uuid"
    print(
        render(
            [
                id_header,
                "identifier",
                "market",
                "side",
                "type",
                "price",
                "volume",
                "remaining",
                "state",
                "created",
            ],
            [
                [
                    r.id,
                    r.identifier,
                    r.market,
                    r.side,
                    r.ord_type,
                    r.price,
                    r.volume,
                    r.remaining,
                    r.state,
                    r.created_at,
                ]
                for r in rows
            ],
            right=(5, 6, 7),
        )
    )
