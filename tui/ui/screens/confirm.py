"""The confirm modal: exactly what `c` is about to do, before anything is sent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input

from tui.core.models.row import OrderRow
from tui.core.planner import Plan
from tui.ui.formatting import fmt_amount, safe_text
from tui.ui.screens.guard import GuardedModal
from tui.ui.widgets.plain import Plain
from tui.ui.widgets.status_bar import locked_by_currency

TYPE_THE_COUNT_ABOVE = 50


@dataclass(slots=True)
class CancelSummary:
    count: int
    where: str  # "Upbit kr (api.upbit.com)" / "B2TRADER account 7 (host)"
    demo: bool
    markets: list[tuple[str, int]]  # most common first
    unknown_market: int  # rows known only by reference
    bids: int
    asks: int
    unknown_side: int
    locked: dict[str, Decimal]
    endpoint_lines: list[str]  # e.g. "3 × DELETE /v1/orders/uuids (batch, up to 20 ids)"
    requests: int
    lookups: int  # look-ups the engine makes afterwards to confirm
    duplicates: int
    unsupported: int
    notes: list[str] = field(default_factory=list)

    @property
    def must_type(self) -> bool:
        return self.count > TYPE_THE_COUNT_ABOVE


def summarize(
    rows: Sequence[OrderRow], plan: Plan, *, where: str, demo: bool, batch_max: int, lookup_max: int
) -> CancelSummary:
    markets = Counter(r.market for r in rows if r.market)
    bids = sum(1 for r in rows if r.is_buy is True)
    asks = sum(1 for r in rows if r.is_buy is False)
    by_endpoint: Counter[tuple[str, bool]] = Counter(
        (req.endpoint, req.batch) for req in plan.requests
    )
    lines = []
    for (endpoint, batch), n in by_endpoint.items():
        kind = f"batch, up to {batch_max} ids each" if batch else "one order each"
        lines.append(f"{n:,} × {endpoint} ({kind})")
    lookups = -(-len(plan.refs) // lookup_max) if lookup_max else 0
    notes = []
    unknown = sum(1 for r in rows if not r.known)
    if unknown:
        notes.append(
            f"{unknown:,} order{'s are' if unknown != 1 else ' is'} known only by id: "
            "amounts and markets are not shown for them."
        )
    if plan.unsupported:
        notes.append(
            f"{len(plan.unsupported):,} id{'s' if len(plan.unsupported) != 1 else ''} cannot be "
            "cancelled on this exchange and will be reported as failed."
        )
    return CancelSummary(
        count=len(plan.refs) + len(plan.unsupported),
        where=where,
        demo=demo,
        markets=markets.most_common(),
        unknown_market=sum(1 for r in rows if not r.market),
        bids=bids,
        asks=asks,
        unknown_side=len(rows) - bids - asks,
        locked=locked_by_currency(rows),
        endpoint_lines=lines,
        requests=plan.request_count,
        lookups=lookups,
        duplicates=plan.duplicates,
        unsupported=len(plan.unsupported),
        notes=notes,
    )


def summary_renderable(s: CancelSummary) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    table.add_row("Orders", Text(f"{s.count:,}", style="bold"))
    table.add_row(
        "Exchange", safe_text(s.where + ("  [DEMO: the built-in simulator]" if s.demo else ""))
    )
    markets = ", ".join(f"{m} {n:,}" for m, n in s.markets[:6])
    if len(s.markets) > 6:
        markets += f", +{len(s.markets) - 6} more"
    if s.unknown_market:
        markets = (markets + ", " if markets else "") + f"unknown {s.unknown_market:,}"
    table.add_row("Markets", safe_text(markets or "—"))  # the exchange's market names
    side = f"bid {s.bids:,} · ask {s.asks:,}"
    if s.unknown_side:
        side += f" · unknown {s.unknown_side:,}"
    table.add_row("Sides", side)
    locked = " · ".join(f"{cur} {fmt_amount(v)}" for cur, v in sorted(s.locked.items())) or "—"
    table.add_row("Locked", safe_text(locked))  # currencies come from the market names
    table.add_row("Requests", Text("\n".join(s.endpoint_lines) or "none"))
    after = f"{s.requests:,} cancel request{'s' if s.requests != 1 else ''}"
    if s.lookups:
        after += f", then about {s.lookups:,} look-up{'s' if s.lookups != 1 else ''} to confirm"
    table.add_row("", Text(after, style="italic"))
    if s.duplicates:
        table.add_row("Duplicates", f"{s.duplicates:,} dropped")
    for note in s.notes:
        table.add_row("Note", safe_text(note, style="italic"))  # may quote the filter typed
    return table


class ConfirmScreen(GuardedModal):
    VARIANT = "-error"
    """`y` / `enter` confirms, `escape` / `n` backs out. Above 50 orders, type the count.
    Confirming counts only once it has been shown for CONFIRM_GUARD_S (screens/guard.py)."""

    BINDINGS = [
        Binding("y", "confirm", "Cancel them", id="confirm.yes"),
        Binding("enter", "confirm", "Confirm", show=False, id="confirm.enter"),
        Binding("n", "no", "Back", id="confirm.no"),
        Binding("escape", "back", "Back", id="confirm.escape"),
    ]

    def __init__(self, summary: CancelSummary) -> None:
        super().__init__()
        self.summary = summary

    def compose(self) -> ComposeResult:
        s = self.summary
        with self.dialog_box(id="dialog"):
            yield Plain(f"Cancel {s.count:,} order{'s' if s.count != 1 else ''}?", id="title")
            with VerticalScroll(id="body"):
                yield Plain(summary_renderable(s))
            with Vertical(id="foot"):
                if s.must_type:
                    yield Input(
                        placeholder=f"type {s.count} to confirm", id="typed", restrict=r"[0-9]*"
                    )
                    keys = f"Type {s.count} and press enter to cancel · escape: back"
                else:
                    keys = "y / enter: cancel them · n / escape: back"
                yield Plain(keys, id="keys")

    def on_mount(self) -> None:
        if self.summary.must_type:
            self.query_one("#typed", Input).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # With a count to type, letter keys belong to the input: only enter (there) and escape act.
        if self.summary.must_type and action in ("confirm", "no"):
            return False
        return True

    def refused(self) -> None:
        super().refused()
        if self.summary.must_type:  # a burst's digits do not wait in the field for an enter
            self.query_one("#typed", Input).value = ""

    @on(Input.Submitted, "#typed")
    def typed(self, event: Input.Submitted) -> None:
        if not self.shown_long_enough():
            return
        if event.value.strip() == str(self.summary.count):
            self.dismiss(True)
        else:
            self.notify(f"Type exactly {self.summary.count} to confirm.", severity="warning")
            event.input.value = ""

    def action_confirm(self) -> None:
        if not self.summary.must_type and self.shown_long_enough():
            self.dismiss(True)

    def action_back(self) -> None:
        self.dismiss(False)

    def action_no(self) -> None:
        self.dismiss(False)
