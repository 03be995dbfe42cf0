"""`ordertui orders`: list open orders."""

from __future__ import annotations

import asyncio
import sys

from tui.cli.common import Context, stderr_is_tty
from tui.cli.table import render
from tui.core import decimal_json
from tui.core.errors import EXIT_OK
from tui.core.models.row import OrderRow


def run_orders(ctx: Context) -> int:
    profile = ctx.profile()
    from tui.exchanges.factory import make_client

    client = make_client(profile)
    show_progress = stderr_is_tty() and not ctx.args.json

    def on_page(page: int, total: int) -> None:
        if show_progress:
            sys.stderr.write(f"\rloading: page {page}, {total} orders   ")
            sys.stderr.flush()

    async def load():
        try:
            return await client.list_open(market=ctx.args.market, on_page=on_page)
        finally:
            await client.aclose()

    orders = asyncio.run(load())
    if show_progress:
        sys.stderr.write("\n")
    if ctx.args.json:
        print(
            decimal_json.dumps(
                {"exchange": client.exchange.value, "orders": [o.raw for o in orders]}
            )
        )
        return EXIT_OK
    rows = [OrderRow.from_order(o) for o in orders]
    print(
        render(
            [
                "uuid",
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
    print(f"{len(rows)} open order(s) on {client.describe()}")
    return EXIT_OK
