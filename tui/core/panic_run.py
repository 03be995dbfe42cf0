"""One panic cancel run (Upbit): the server path and the id path at once, then a final listing.

Shared by `ordertui cancel --all --server-side` and the TUI. The pieces are in tui/core/panic.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tui.core.errors import PartialResponse
from tui.core.events import Event, Notice, Outcome, RunReport
from tui.core.panic import (
    PanicOutcome,
    ServerAwareClient,
    ServerFilters,
    ServerSideCancel,
    merge,
)
from tui.core.recorder import RunRecorder
from tui.core.refs import OrderRef
from tui.core.rules import Rule


def panic_warning(filters: ServerFilters | None, rule: Rule | None = None) -> str:
    """What the confirmation of a panic cancel says, plainly."""
    if filters is None:
        return "The exchange cannot take this rule itself: every match is cancelled by id."
    text = (
        f"Upbit itself cancels every WAIT order matching ({filters.describe()}) until none is "
        "left: matching orders created after this confirmation will be cancelled too."
    )
    part = rule.server_part() if rule is not None else None
    if part is not None and not part.exact:
        text += (
            f" It cannot filter by {', '.join(part.inexact)}: it is kept out of the markets "
            "holding open orders the rule spares, but an order created during the run in "
            "another of its markets is cancelled whatever its age or identifier."
        )
    return text + " The rest (WATCH orders, the oldest) is cancelled by id."


async def list_oldest_first(
    client: Any, pages: list[int], on_event: Callable[[Event], None] | None = None
) -> list:
    """Every open order, oldest first; pages[0] counts the requests. Unreadable orders are
    told as a notice and left alone (the server side may still take them)."""

    def on_page(page: int, total: int) -> None:
        pages[0] += 1

    try:
        orders: list[Any] = await client.list_open(order_by="asc", on_page=on_page)
        return orders
    except PartialResponse as partial:
        if on_event is not None:
            on_event(
                Notice(
                    "warning",
                    f"{len(partial.unreadable)} open order(s) could not be read and are left "
                    "to the server side (if it takes them)",
                )
            )
        return list(partial.orders)


def id_path_order(matched: list, filters: ServerFilters | None) -> list:
    """What the server path can never take (WATCH orders, orders outside its filters) first,
    then the rest oldest first: the batches where the two paths meet are then whole orders
    the server already took, skipped without a request, not a few WATCH orders each."""
    if filters is None:
        return matched
    takes = filters.takes
    return [o for o in matched if not takes(o)] + [o for o in matched if takes(o)]


def combine(first: RunReport, second: RunReport) -> RunReport:
    """The id path's first run and its sweep-up run as one report (each order once)."""
    for key, result in second.results.items():
        first.results.setdefault(key, result)
    first.requested = len(first.results)
    first.requests += second.requests
    first.halted = first.halted or second.halted
    first.internal_errors += second.internal_errors
    return first


async def run_panic(
    client: Any,
    rule: Rule,
    filters: ServerFilters | None,
    listed: list | None,
    *,
    new_recorder: Callable[[], RunRecorder],
    on_event: Callable[[Event], None] | None = None,
    on_engine: Callable[[Any], None] | None = None,
    pages: list[int] | None = None,
) -> PanicOutcome:
    """Run both paths. `listed`: the book if already listed (oldest first), else it is listed
    here beside the server path. `on_engine(engine)` gets the id path's engine as soon as it
    exists (its `abort()` stops both paths). No per-order look-ups: the final listing shows
    what is still open, and matches still open (created meanwhile) are cancelled by id."""
    from tui.core.engine import CancelEngine, EngineOptions

    pages = pages if pages is not None else [0]
    started = time.monotonic()
    taken: dict = {}
    engine = CancelEngine(
        ServerAwareClient(client, taken),
        recorder=new_recorder(),
        options=EngineOptions(confirm=False),
        on_event=on_event,
    )
    if on_engine is not None:
        on_engine(engine)
    server = ServerSideCancel(
        client,
        filters or ServerFilters("all", (), (), ()),
        control=engine.control,
        recorder=new_recorder() if filters is not None else None,
        run_id=engine.run_id + "-server",
        on_event=on_event,
    )
    server.taken = taken
    task = None
    still_open: list[str] = []
    try:
        if filters is not None:
            server.start_journal()
            task = asyncio.create_task(server.run())
        if listed is None:
            listed = await list_oldest_first(client, pages, on_event)
        now = datetime.now(UTC)
        matched = [o for o in listed if rule.matches(o, now)]
        report = await engine.run([OrderRef.uuid(o.uuid) for o in id_path_order(matched, filters)])
        if task is not None:
            await server.stop_when_idle(task)
        if not engine.control.aborted:
            left = await list_oldest_first(client, pages, on_event)
            accepted = set(taken) | {
                r.ref.value for r in report.results.values() if r.outcome is Outcome.CANCELLED
            }
            still_open = [o.uuid for o in left if o.uuid in accepted]
            later = datetime.now(UTC)
            more = [o for o in left if o.uuid not in accepted and rule.matches(o, later)]
            if more and not engine.control.aborted:
                extra = CancelEngine(
                    ServerAwareClient(client, taken),
                    recorder=new_recorder(),
                    options=EngineOptions(confirm=False),
                    on_event=on_event,
                )
                extra.control = engine.control  # one abort stops every part of the run
                report = combine(report, await extra.run([OrderRef.uuid(o.uuid) for o in more]))
    except BaseException:
        engine.abort("stopped by an error")
        if task is not None:
            await asyncio.gather(task, return_exceptions=True)
        raise
    finally:
        if filters is not None:
            server.finish()
    outcome = merge(
        report, server, list_requests=pages[0], listed=len(listed), matched=len(matched)
    )
    outcome.still_open = still_open
    outcome.report.elapsed_s = time.monotonic() - started
    return outcome
